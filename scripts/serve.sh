#!/usr/bin/env bash
# Sets everything up and starts the server on the embedded engine (mongomock://) unless MONGODB_URI says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python app.py --standins "$@"
