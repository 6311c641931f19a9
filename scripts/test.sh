#!/usr/bin/env bash
# Sets everything up and runs the whole test suite (and the linter). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
export REQUIRE_TEST_TOOLS=1  # chromium and LibreOffice are installed now: a test missing one fails, never skips
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy .
# The mini-program (docs/miniprogram.md#tests): `npm ci` from its lock (again only when the lock changed), then its
# build (the API types from the OpenAPI document; tsc, the type check) and its tests in node.
(
  cd miniprogram
  lock=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ "$(cat node_modules/.lock.sha256 2>/dev/null)" != "$lock" ]; then
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error  # none is needed (docs/miniprogram.md#building)
    echo "$lock" > node_modules/.lock.sha256
  fi
  npm test --silent
)
.venv/bin/python -m pytest -q "$@"
