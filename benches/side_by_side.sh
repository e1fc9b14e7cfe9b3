#!/usr/bin/env bash
# PyTorch and unmask on this machine in one sitting, in alternating rounds, then one table with
# the ratios.
#
#   bash benches/side_by_side.sh [--rounds N] [--skip-pytorch] [--skip-generation] [--skip-decoding]
#
# 1. Build the benchmarks first, so compiling overlaps no timing.
# 2. N rounds (default 3), each: PyTorch (`make_fixtures.py --timing` in the fixture venv,
#    docs/fixtures.md; created on first use: `python3 -m venv` + `pip install torch
#    transformers`, about 5 GB; 2 threads, medians), then unmask (the criterion benchmarks
#    `forward`, `train_step`, `generate`: release build, 10 samples each, --warm-up-time 1
#    --measurement-time 3, medians), and `decode` (cached decoding, unmask only).
# 3. A table: per measurement the median over rounds of each side and of the per-round ratio
#    unmask / PyTorch (below 1: unmask is faster), with the lowest and highest ratio. Timings on
#    these VMs drift by 15% within minutes; alternating rounds puts both sides under the same
#    drift, and the spread of the ratios shows how far one round can be trusted. Also the
#    machine, the date and the 1-minute load average around each half. Then cached decoding:
#    tokens/s without a cache and with the prefix and dual block caches, each with its ratio to
#    uncached per round (median, lowest-highest), and samples/s of batches of 1, 8 and 32.
#
# --skip-pytorch reuses the JSON of an earlier run (the table says so); --skip-generation
# leaves out the generation benchmark (about 2 minutes per round); --skip-decoding the cached
# decoding benchmark (the longest: ten runs of each row, batches of 32 included). Its model is
# the cpu-small experiments' MiniLM `linear` when trained (benches/src/lib.rs, `decoding`;
# UNMASK_BENCH_MODEL names another), else random weights at MiniLM's shapes, said in the table.
# UNMASK_VENV overrides the venv (default /root/.cache/unmask/venv).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3
skip_pytorch=0
skip_generation=0
skip_decoding=0
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds)
            rounds="${2:-}"
            shift
            if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
                echo "--rounds needs a positive whole number" >&2
                exit 2
            fi
            ;;
        --skip-pytorch) skip_pytorch=1 ;;
        --skip-generation) skip_generation=1 ;;
        --skip-decoding) skip_decoding=1 ;;
        *) echo "unknown argument: $1 (expected --rounds N, --skip-pytorch, --skip-generation, --skip-decoding)" >&2; exit 2 ;;
    esac
    shift
done

venv="${UNMASK_VENV:-/root/.cache/unmask/venv}"
timings=crates/unmask-roberta/fixtures/pytorch-timings.json
load() { cut -d' ' -f1 /proc/loadavg; }
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo bench -p benches --no-run

if [ "$skip_pytorch" = 1 ] && [ ! -f "$timings" ]; then
    echo "--skip-pytorch needs $timings from an earlier run; run without it first" >&2
    exit 1
fi
if [ "$skip_pytorch" = 0 ]; then
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import torch, transformers' 2>/dev/null; then
        echo "== creating the fixture venv $venv (torch + transformers from PyPI)"
        python3 -m venv "$venv"
        "$venv/bin/pip" install torch transformers
    fi
fi

for round in $(seq 1 "$rounds"); do
    if [ "$skip_pytorch" = 0 ]; then
        echo "== round $round/$rounds: PyTorch ($(load) load)"
        before="$(load)"
        "$venv/bin/python" crates/unmask-roberta/fixtures/make_fixtures.py --timing
        echo "$before -> $(load)" > "$work/pytorch-load-$round"
    fi
    cp "$timings" "$work/pytorch-$round.json"

    echo "== round $round/$rounds: unmask ($(load) load)"
    before="$(load)"
    round_started="$(date +%s)"
    criterion_args=(--warm-up-time 1 --measurement-time 3)
    cargo bench -p benches --bench forward -- "${criterion_args[@]}"
    cargo bench -p benches --bench train_step -- "${criterion_args[@]}"
    if [ "$skip_generation" = 0 ]; then
        cargo bench -p benches --bench generate -- "${criterion_args[@]}"
    fi
    if [ "$skip_decoding" = 0 ]; then
        cargo bench -p benches --bench decode -- "${criterion_args[@]}"
    fi
    echo "$before -> $(load)" > "$work/unmask-load-$round"
    # criterion: target/criterion/<group>/<function>/new/{benchmark,estimates}.json
    python3 - "$round_started" "$work/unmask-$round.json" <<'PY'
import json, sys
from pathlib import Path
since, out = float(sys.argv[1]), sys.argv[2]
medians = {}
for bench in Path("target/criterion").glob("*/*/new/benchmark.json"):
    if bench.stat().st_mtime < since:
        continue  # an earlier round's or sitting's result
    meta = json.loads(bench.read_text())
    estimates = json.loads((bench.parent / "estimates.json").read_text())
    medians[f"{meta['group_id']}/{meta['function_id']}"] = estimates["median"]["point_estimate"] / 1e9
Path(out).write_text(json.dumps(medians))
PY
done

python3 - "$work" "$rounds" "$started" "$skip_pytorch" "$timings" <<'PY'
import json, os, statistics, sys
from pathlib import Path

work, rounds, started, skip_pytorch, timings_path = sys.argv[1:]
work, rounds = Path(work), int(rounds)
torch = [json.loads((work / f"pytorch-{r}.json").read_text()) for r in range(1, rounds + 1)]
ours = [json.loads((work / f"unmask-{r}.json").read_text()) for r in range(1, rounds + 1)]

forward = "forward roberta-base 1x256"
generate = "generate roberta-base 256 tokens 10 steps"
rows = [
    ("forward, roberta-base shapes, 1 x 256, encoder + full MLM head",
     f"{forward}/encoder + full MLM head", "roberta_base_forward_mlm_1x256", 256),
    ("forward, roberta-base shapes, 1 x 256, encoder only",
     f"{forward}/encoder only", "roberta_base_forward_encoder_1x256", 256),
    ("burn-nn TransformerEncoder, same shapes (reference, no embeddings or head)",
     f"{forward}/burn-nn TransformerEncoder (reference)", None, 256),
    ("forward, ModernBERT-base shapes, 1 x 512, encoder + full MLM head",
     "forward modernbert-base 1x512/encoder + full MLM head", "modernbert_base_forward_mlm_1x512", 512),
    ("the same forward's weight and attention matmuls alone (each side's matmul kernel: gemm / MKL)",
     "forward modernbert-base 1x512/weight and attention matmuls alone", "modernbert_base_matmuls_1x512", None),
    ("training step, cpu-small shapes, 16 x 128, forward + backward + AdamW",
     "train step cpu-small 16x128/forward + backward + AdamW",
     "train_step_adamw_4l_256h_4heads_ffn1024_vocab8192_16x128", 16 * 128),
    ("generation, 256-token canvas (16 prompt + 240 masks), 10 steps, seed policy",
     f"{generate}/seed policy (top-k 50, top-p 0.95)",
     "seed_generation_loop_roberta_base_canvas256_10_steps", 240),
    ("generation, same canvas, prob confidence policy",
     f"{generate}/prob confidence policy", None, 240),
]

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

def seconds(value):
    return "—" if value is None else f"{value:.3f} s"

def loads(side):
    return ", ".join((work / f"{side}-load-{r}").read_text().strip()
                     for r in range(1, rounds + 1) if (work / f"{side}-load-{r}").exists())

t0 = torch[0]
print()
print(f"Side by side, {started}, {rounds} alternating round(s): {t0['cpu']}, {os.cpu_count()} cores; "
      f"torch {t0['versions']['torch']}, transformers {t0['versions']['transformers']}, "
      f"{t0['threads']} threads, attention {t0['attention']}.")
if skip_pytorch == "1":
    print(f"PyTorch column REUSED from {timings_path} (not this sitting).")
else:
    print(f"1-minute load average per round: PyTorch {loads('pytorch')}; unmask {loads('unmask')}.")
print()
print("| measurement (random weights) | unmask | PyTorch | unmask / PyTorch (median, lowest-highest) | unmask tokens/s |")
print("|---|---|---|---|---|")
for label, key, torch_key, tokens in rows:
    mine = [o.get(key) for o in ours]
    theirs = [t["results"].get(torch_key, {}).get("median_s") if torch_key else None for t in torch]
    ratios = [m / t for m, t in zip(mine, theirs) if m and t]
    if ratios:
        ratio = f"{statistics.median(ratios):.2f}x"
        if len(ratios) > 1:
            ratio += f" ({min(ratios):.2f}-{max(ratios):.2f})"
    else:
        ratio = "—"
    ours_median = median(mine)
    rate = f"{tokens / ours_median:,.0f}" if ours_median and tokens else "—"
    print(f"| {label} | {seconds(ours_median)} | {seconds(median(theirs))} | {ratio} | {rate} |")

# Cached decoding (benches/benches/decode.rs): unmask alone, ratios to its own uncached row.
def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    text = f"{statistics.median(values):.2f}x"
    return text + (f" ({min(values):.2f}-{max(values):.2f})" if len(values) > 1 else "")

def per_second(rate):
    rate = rate or 0
    return f"{rate:,.1f}" if rate >= 1 else f"{rate:.3f}"

decode = sorted({k.split("/")[0] for o in ours for k in o if k.startswith("decode ")})
for group in decode:
    rows = sorted({k.split("/", 1)[1] for o in ours for k in o if k.startswith(group + "/")})
    if " samples " in group:
        unit, base, per = "samples/s", "batch 1", None
    else:
        unit, base, per = "tokens/s", "uncached", int(group.split()[2])
    print()
    print(f"| {group} | unmask | {unit} | ratio to {base} (median, lowest-highest) |")
    print("|---|---|---|---|")
    def rate(o, row):
        t = o.get(f"{group}/{row}")
        if t is None:
            return None
        return (per if per else int(row.split()[-1])) / t
    order = ["uncached", "prefix cache", "dual cache"]
    for row in sorted(rows, key=lambda r: order.index(r) if r in order else int(r.split()[-1])):
        mine = [o.get(f"{group}/{row}") for o in ours]
        rates = [rate(o, row) for o in ours]
        ratios = [r / b for r, b in zip(rates, (rate(o, base) for o in ours)) if r and b]
        print(f"| {row} | {seconds(median(mine))} | {per_second(median(rates))} | {spread(ratios)} |")
PY
