#!/usr/bin/env bash
# Creates .venv with the pinned requirements (idempotent: a second run only checks).
# With --browser, also installs Debian's chromium, CJK fonts and LibreOffice for the tests (needs apt).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements-dev.txt
  echo "$want" > "$stamp"
fi
if [ "${1:-}" = "--browser" ] && ! { command -v chromium && command -v soffice; } >/dev/null 2>&1; then
  # Playwright drives Debian's chromium; it must never download a browser of its own (traps.md).
  # LibreOffice (no GUI) makes the PDF copies of documents, read back by the tests.
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null
fi
