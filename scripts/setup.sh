#!/usr/bin/env bash
# One-shot, idempotent set-up on a fresh Debian/Ubuntu machine: system packages (when root), the
# virtual environment at .venv, and the Python packages. `make` calls it; a second run is quick
# because every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
PY=${PYTHON:-python3}

# System packages: audio codecs for the loader and channel simulation, and the browser for the
# web-page tests. LocalSpoof's sources and synthesizers are listed in scripts/apt-packages*.txt.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  while read -r pkg; do
    [ -z "$pkg" ] || [ "${pkg:0:1}" = "#" ] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done < <(cat scripts/apt-packages*.txt)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
# Install the CPU wheel of torch first: an unpinned torch request would pull a multi-GB CUDA build.
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  "$VENV/bin/pip" install -q torch==2.13.0
fi
"$VENV/bin/pip" install -q -e ".[dev,onnx,ssl,localspoof,serve,train,ray,whisper]"
