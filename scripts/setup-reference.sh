#!/usr/bin/env bash
# Install the heavy reference tools (torch, transformers, tokenizers, sentencepiece, accelerate)
# that only REGENERATE golden files (tools/golden/*.py). Tests and CI never need them.
# Runs scripts/setup.sh first unless --no-setup is given. torch comes from PyPI (its default
# Linux wheel, a few GB with its CUDA libraries): the PyTorch CPU index is not reachable here.
#
# Usage: scripts/setup-reference.sh [--no-setup] [--no-apt]
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
REQ="$REPO/tools/requirements-reference.txt"

log() { printf '[setup-reference] %s\n' "$*"; }

run_setup=1
setup_args=()
for arg in "$@"; do
  case "$arg" in
    --no-setup) run_setup=0 ;;
    --no-apt) setup_args+=(--no-apt) ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) printf '[setup-reference] ERROR: unknown option %s\n' "$arg" >&2; exit 1 ;;
  esac
done

[[ $run_setup -eq 1 ]] && "$REPO/scripts/setup.sh" "${setup_args[@]}"

if "$PY" "$REPO/tools/pins_ok.py" "$REQ"; then
  log "reference packages: all present ($PY)"
  exit 0
fi
log "reference packages: installing tools/requirements-reference.txt"
extra=()
if "$PY" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(
    sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))'; then
  extra+=(--break-system-packages)
fi
"$PY" -m pip install -q --disable-pip-version-check "${extra[@]}" -r "$REQ"
"$PY" "$REPO/tools/pins_ok.py" "$REQ"
log "done"
