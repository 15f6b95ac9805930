#!/usr/bin/env bash
# `yak serve` end to end: the pytest suite in tests/e2e/serve/ starts real servers on free
# loopback ports and drives them with the official openai client (tools/requirements-test.txt).
# Usage: serve_test.sh PATH_TO_YAK SOURCE_DIR [pytest options, e.g. -k stream]
#   PATH_TO_YAK may be an ASan build (build-asan/bin/yak): timeouts are then scaled by 4.
# Environment: PYTHON (default python3), YAK_MODEL, YAK_E2E_FIGURES (see serve/conftest.py).
set -u
YAK="$1"
SRC="$2"
shift 2
PY="${PYTHON:-python3}"
MODEL="${YAK_MODEL:-$SRC/models/SmolLM2-135M-Instruct.Q4_1.gguf}"

[ -x "$YAK" ] || { echo "FAIL: no yak binary at $YAK"; echo "0 passed, 1 failed"; exit 1; }
[ -f "$MODEL" ] || { echo "FAIL: model missing: $MODEL (run scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }
# Missing test packages are a failure, never a skip: the suite would otherwise pass by not running.
if ! "$PY" -c 'import openai, pytest, requests, jinja2' 2>"${TMPDIR:-/tmp}/serve_test_import.$$"; then
  echo "FAIL: the serve e2e suite needs openai, pytest, requests and jinja2 in $PY:"
  sed 's/^/    /' "${TMPDIR:-/tmp}/serve_test_import.$$"
  rm -f "${TMPDIR:-/tmp}/serve_test_import.$$"
  echo "    install them with scripts/setup.sh (pins in tools/requirements-test.txt)"
  echo "0 passed, 1 failed"
  exit 1
fi
rm -f "${TMPDIR:-/tmp}/serve_test_import.$$"

if grep -aqm1 "__asan_init\|__ubsan_handle" "$YAK"; then
  export YAK_E2E_TIME_SCALE="${YAK_E2E_TIME_SCALE:-4}"
fi
export YAK_BIN="$YAK" YAK_MODEL="$MODEL" PYTHONDONTWRITEBYTECODE=1
exec "$PY" -m pytest -p no:cacheprovider --rootdir "$SRC/tests/e2e/serve" -q \
  "$SRC/tests/e2e/serve" "$@"
