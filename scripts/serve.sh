#!/usr/bin/env bash
# Sets everything up and starts the server on the durable embedded engine in var/db unless MONGODB_URI says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MONGODB_URI="${MONGODB_URI:-embedded:var/db}"
exec .venv/bin/python app.py --standins "$@"
