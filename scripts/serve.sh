#!/usr/bin/env bash
# Sets everything up and starts the server with its local stand-ins (development) on the durable embedded engine in
# var/db unless MONGODB_URI says otherwise. Options go to app.py: --port N, --standin-ports N (STANDIN_PORTS: the
# stand-ins on N, N+1, N+2...), --clock +8d (DEMO_CLOCK: the service's clock moved forward; docs/tour.md).
# Outside production it makes an ADMIN_TOKEN once (var/admin-token, yours only), so that manage.py, run from this
# folder in another terminal, reaches this running server (menu publish, store verify|backup).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MONGODB_URI="${MONGODB_URI:-embedded:var/db}"
if [ -z "${ADMIN_TOKEN:-}" ] && [ "${APP_ENV:-development}" != "production" ]; then
  mkdir -p var
  if [ ! -s var/admin-token ]; then
    (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))' > var/admin-token)
  fi
  ADMIN_TOKEN="$(cat var/admin-token)"
  export ADMIN_TOKEN
fi
exec .venv/bin/python app.py --standins "$@"
