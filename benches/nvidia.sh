#!/usr/bin/env bash
# For a maintainer with an NVIDIA GPU: the CUDA backend checked and timed in one command.
#
#   bash benches/nvidia.sh [--skip-pytorch]
#
# 1. The GPU tests on CUDA (crates/unmask-runtime/tests/gpu.rs): logits of the tiny RoBERTa,
#    BERT and GPT-2 fixtures against transformers' (1e-4), a few fine-tuning steps against the
#    CPU backend (1e-3 on the validation loss), dropout drawn on the device, seeded generation
#    writing the same tokens as on the CPU.
# 2. Training at the seed experiment's shapes (benches/nvidia/seed-shaped.toml: roberta-base
#    sizes, 16 x 256, dropout 0.1, 300 steps, State of the Union corpus) with `unmask train
#    --device cuda`, into runs/nvidia-check/ (replaced); its tokens/s from metrics.csv.
# 3. PyTorch's training step at the same shapes on the same GPU
#    (benches/nvidia/pytorch_train_step.py, in the venv UNMASK_VENV, default
#    ~/.cache/unmask/venv, created with torch + transformers from PyPI when missing).
# 4. One table: unmask / PyTorch tokens/s.
#
# Needs: the NVIDIA driver (nvidia-smi), CUDA's NVRTC library (burn's CUDA backend compiles its
# kernels at run time), Rust, network for crates.io/npm/PyPI on first use. docs/gpu.md.
set -euo pipefail
cd "$(dirname "$0")/.."

skip_pytorch=0
for arg in "$@"; do
    case "$arg" in
        --skip-pytorch) skip_pytorch=1 ;;
        *) echo "unknown argument: $arg (expected --skip-pytorch)" >&2; exit 2 ;;
    esac
done

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi >/dev/null 2>&1; then
    echo "benches/nvidia.sh needs an NVIDIA GPU and its driver (nvidia-smi failed)" >&2
    exit 1
fi
gpu="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)"
echo "== GPU: $gpu"
bash datasets/fetch-sotu.sh

echo "== 1. the GPU tests on CUDA"
cargo test --release -p unmask-runtime --features cuda --test gpu -- --test-threads 1 --nocapture

echo "== 2. seed-shaped training on CUDA"
run=runs/nvidia-check
rm -rf "$run"
cargo run --release -p unmask-cli --features cuda -- \
    train --config benches/nvidia/seed-shaped.toml --out-dir "$run" --device cuda
unmask_tokens_per_s="$(python3 - "$run/metrics.csv" <<'PY'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["split"] == "train" and int(r["step"]) >= 50]
print(statistics.median(float(r["tokens_per_s"]) for r in rows))
PY
)"

pytorch_tokens_per_s="(skipped)"
pytorch_versions=""
if [ "$skip_pytorch" = 0 ]; then
    echo "== 3. PyTorch at the same shapes"
    venv="${UNMASK_VENV:-$HOME/.cache/unmask/venv}"
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import torch, transformers' 2>/dev/null; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install torch transformers
    fi
    pytorch_json="$("$venv/bin/python" benches/nvidia/pytorch_train_step.py)"
    echo "$pytorch_json"
    pytorch_tokens_per_s="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["tokens_per_s"])' "$pytorch_json")"
    pytorch_versions="$(python3 -c 'import json, sys; j = json.loads(sys.argv[1]); print(f"torch {j[\"torch\"]}, transformers {j[\"transformers\"]}, attention {j[\"attention\"]}")' "$pytorch_json")"
fi

echo
echo "## NVIDIA check, $(date -u '+%Y-%m-%d %H:%M UTC'), $gpu"
echo
echo "| training step, seed shapes (16 x 256, roberta-base sizes, vocab 32768) | tokens/s |"
echo "|---|---|"
printf '| unmask (burn %s CUDA backend, median of steps >= 50) | %.0f |\n' "0.21" "$unmask_tokens_per_s"
if [ "$skip_pytorch" = 0 ]; then
    printf '| PyTorch (%s) | %.0f |\n' "$pytorch_versions" "$pytorch_tokens_per_s"
    python3 -c 'import sys; print(f"\nunmask / PyTorch tokens/s: {float(sys.argv[1]) / float(sys.argv[2]):.2f}")' \
        "$unmask_tokens_per_s" "$pytorch_tokens_per_s"
fi
