#!/usr/bin/env bash
# Creates .venv with the pinned requirements (idempotent: a second run only checks).
# With --browser, also installs Debian's chromium, CJK fonts and LibreOffice for the tests (needs apt).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

apt_install() {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! "$PYTHON" -c "import ensurepip" >/dev/null 2>&1; then
  apt_install python3-venv  # Debian's own Python makes no venv without it
fi
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  rm -rf .venv  # absent, or left half-made by an earlier failed run
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements-dev.txt
  echo "$want" > "$stamp"
fi
if [ "${1:-}" = "--browser" ]; then
  # Playwright drives Debian's chromium; it must never download a browser of its own (docs/stack-notes.md#testing-tools).
  command -v chromium >/dev/null 2>&1 || apt_install chromium fonts-noto-cjk
  # Song and FangSong fonts for PDF copies (platforms/fonts.conf maps the templates' official font names to them).
  [ -f /usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf ] \
    || apt_install --no-install-recommends fonts-noto-cjk texlive-lang-chinese
  # LibreOffice makes the PDF copies of documents. Only where none is installed: the no-GUI
  # package conflicts with a desktop LibreOffice, which apt would remove.
  command -v soffice >/dev/null 2>&1 || apt_install --no-install-recommends libreoffice-writer-nogui
  # Node.js and npm for the mini-program's build and tests (docs/miniprogram.md), where the machine has none.
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
fi
