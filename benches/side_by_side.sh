#!/usr/bin/env bash
# PyTorch and unmask on this machine in one sitting, then one table with the ratios.
#
#   bash benches/side_by_side.sh [--skip-pytorch] [--skip-generation]
#
# 1. PyTorch: `make_fixtures.py --timing` in the fixture venv (docs/fixtures.md; created on
#    first use: `python3 -m venv` + `pip install torch transformers`, about 5 GB), which writes
#    crates/unmask-roberta/fixtures/pytorch-timings.json (2 threads, medians).
# 2. unmask: the criterion benchmarks `forward`, `train_step` and `generate` (release build,
#    10 samples each, --warm-up-time 1 --measurement-time 3).
# 3. A table of both, with unmask / PyTorch ratios (below 1: unmask is faster), the machine,
#    the date, and the 1-minute load average before and after each half: on a shared machine
#    a load above the core count means the numbers are slower than an idle machine would give.
#
# --skip-pytorch reuses the JSON of an earlier run (the table says so); --skip-generation
# leaves out the generation benchmark (about 4 minutes).
# UNMASK_VENV overrides the venv (default /root/.cache/unmask/venv).
set -euo pipefail
cd "$(dirname "$0")/.."

skip_pytorch=0
skip_generation=0
for arg in "$@"; do
    case "$arg" in
        --skip-pytorch) skip_pytorch=1 ;;
        --skip-generation) skip_generation=1 ;;
        *) echo "unknown argument: $arg (expected --skip-pytorch, --skip-generation)" >&2; exit 2 ;;
    esac
done

venv="${UNMASK_VENV:-/root/.cache/unmask/venv}"
timings=crates/unmask-roberta/fixtures/pytorch-timings.json
load() { cut -d' ' -f1 /proc/loadavg; }
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
started_epoch="$(date +%s)"

# Build first, so that compiling does not overlap either half's timings.
cargo bench -p benches --no-run

pytorch_load="reused"
if [ "$skip_pytorch" = 0 ]; then
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import torch, transformers' 2>/dev/null; then
        echo "== creating the fixture venv $venv (torch + transformers from PyPI)"
        python3 -m venv "$venv"
        "$venv/bin/pip" install torch transformers
    fi
    echo "== PyTorch ($(load) load)"
    before="$(load)"
    "$venv/bin/python" crates/unmask-roberta/fixtures/make_fixtures.py --timing
    pytorch_load="$before -> $(load)"
fi

echo "== unmask ($(load) load)"
unmask_before="$(load)"
criterion_args=(--warm-up-time 1 --measurement-time 3)
cargo bench -p benches --bench forward -- "${criterion_args[@]}"
cargo bench -p benches --bench train_step -- "${criterion_args[@]}"
if [ "$skip_generation" = 0 ]; then
    cargo bench -p benches --bench generate -- "${criterion_args[@]}"
fi
unmask_load="$unmask_before -> $(load)"

python3 - "$timings" "$started" "$pytorch_load" "$unmask_load" "$skip_pytorch" "$started_epoch" <<'PY'
import json, os, sys
from pathlib import Path

timings_path, started, pytorch_load, unmask_load, skip_pytorch, started_epoch = sys.argv[1:]
torch = json.loads(Path(timings_path).read_text())
results = torch["results"]

# criterion: target/criterion/<group>/<function>/new/{benchmark,estimates}.json
criterion = {}
for bench in Path("target/criterion").glob("*/*/new/benchmark.json"):
    if bench.stat().st_mtime < float(started_epoch):
        continue  # an earlier sitting's result
    meta = json.loads(bench.read_text())
    estimates = json.loads((bench.parent / "estimates.json").read_text())
    criterion[(meta["group_id"], meta["function_id"])] = estimates["median"]["point_estimate"] / 1e9

forward = "forward roberta-base 1x256"
generate = "generate roberta-base 256 tokens 10 steps"
rows = [
    ("forward, roberta-base shapes, 1 x 256, encoder + full MLM head",
     (forward, "encoder + full MLM head"), "roberta_base_forward_mlm_1x256", 256),
    ("forward, roberta-base shapes, 1 x 256, encoder only",
     (forward, "encoder only"), "roberta_base_forward_encoder_1x256", 256),
    ("burn-nn TransformerEncoder, same shapes (reference, no embeddings or head)",
     (forward, "burn-nn TransformerEncoder (reference)"), None, 256),
    ("training step, cpu-small shapes, 16 x 128, forward + backward + AdamW",
     ("train step cpu-small 16x128", "forward + backward + AdamW"),
     "train_step_adamw_4l_256h_4heads_ffn1024_vocab8192_16x128", 16 * 128),
    ("generation, 256-token canvas (16 prompt + 240 masks), 10 steps, seed policy",
     (generate, "seed policy (top-k 50, top-p 0.95)"),
     "seed_generation_loop_roberta_base_canvas256_10_steps", 240),
    ("generation, same canvas, prob confidence policy",
     (generate, "prob confidence policy"), None, 240),
]

def seconds(value):
    return "—" if value is None else f"{value:.3f} s"

print()
print(f"Side by side, {started}: {torch['cpu']}, {os.cpu_count()} cores; "
      f"torch {torch['versions']['torch']}, transformers {torch['versions']['transformers']}, "
      f"{torch['threads']} threads, attention {torch['attention']}.")
if skip_pytorch == "1":
    print(f"PyTorch column REUSED from {timings_path} (not this sitting).")
print(f"1-minute load average: PyTorch half {pytorch_load}, unmask half {unmask_load}.")
print()
print("| measurement (random weights) | unmask | PyTorch | unmask / PyTorch | unmask tokens/s |")
print("|---|---|---|---|---|")
for label, key, torch_key, tokens in rows:
    ours = criterion.get(key)
    theirs = results.get(torch_key, {}).get("median_s") if torch_key else None
    ratio = f"{ours / theirs:.2f}x" if ours and theirs else "—"
    rate = f"{tokens / ours:,.0f}" if ours else "—"
    print(f"| {label} | {seconds(ours)} | {seconds(theirs)} | {ratio} | {rate} |")
PY
