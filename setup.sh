#!/usr/bin/env bash
# Set up a fresh machine for the hotline pipeline.
#   ./setup.sh         the pipeline: Chinese fonts for the charts, a .venv with the project
#   ./setup.sh --dev   also what the tests use: pytest, Chromium, LibreOffice, poppler, PostgreSQL
#                      (a server the tests start in a temporary folder: the shared-server instance)
# Debian packages are installed with apt-get when run as root (or through sudo).
set -euo pipefail
cd "$(dirname "$0")"

dev=0
[ "${1:-}" = "--dev" ] && dev=1

# CJK fonts: without them matplotlib draws Chinese labels as empty boxes and LibreOffice
# substitutes glyphs in the PDF.
packages=(fonts-noto-cjk fonts-wqy-microhei)
if [ "$dev" = 1 ]; then
  packages+=(chromium libreoffice-writer-nogui poppler-utils postgresql)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "setup: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install these packages (or their equivalent): ${missing[*]}" >&2
  fi
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
"$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "$dev" = 1 ]; then
  .venv/bin/python -m pip install -q -e ".[dev]"
else
  .venv/bin/python -m pip install -q -e .
fi
echo "setup: done (.venv/bin/hotline is ready)"
