#!/usr/bin/env bash
# Sets everything up and runs the whole test suite (and the linter). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
.venv/bin/ruff check .
.venv/bin/python -m pytest -q "$@"
