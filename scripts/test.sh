#!/usr/bin/env bash
# Sets everything up and runs the whole test suite (and the linter). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
export REQUIRE_TEST_TOOLS=1  # chromium and LibreOffice are installed now: a test missing one fails, never skips
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy .
.venv/bin/python -m pytest -q "$@"
