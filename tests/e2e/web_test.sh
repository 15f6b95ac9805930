#!/usr/bin/env bash
# The chat page end to end: tests/e2e/web/ starts real `yak serve` processes on free loopback
# ports and drives the page in Debian's chromium through Playwright (pinned in
# tools/requirements-test.txt), headless. Layout screenshots land in YAK_WEB_SCREENSHOTS
# (default: web-screenshots/ beside the binary's bin/ folder, i.e. in the build tree).
# Usage: web_test.sh PATH_TO_YAK SOURCE_DIR [pytest options, e.g. -k stop]
set -u
YAK="$1"
SRC="$2"
shift 2
PY="${PYTHON:-python3}"
MODEL="${YAK_MODEL:-$SRC/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
CHROMIUM="${YAK_CHROMIUM:-/usr/bin/chromium}"

fail() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }
[ -x "$YAK" ] || fail "no yak binary at $YAK"
[ -f "$MODEL" ] || fail "model missing: $MODEL (run scripts/setup.sh)"
[ -x "$CHROMIUM" ] || fail "no browser at $CHROMIUM (scripts/setup.sh installs Debian's chromium)"
# A missing package is a failure, never a skip: the suite would otherwise pass by not running.
if ! err="$("$PY" -c 'import playwright, pytest, requests' 2>&1)"; then
  fail "the web suite needs playwright, pytest and requests in $PY: $err
    install them with scripts/setup.sh (pins in tools/requirements-test.txt)"
fi

if grep -aqm1 "__asan_init\|__ubsan_handle" "$YAK"; then
  export YAK_E2E_TIME_SCALE="${YAK_E2E_TIME_SCALE:-4}"
fi
export YAK_WEB_SCREENSHOTS="${YAK_WEB_SCREENSHOTS:-$(cd "$(dirname "$YAK")/.." && pwd)/web-screenshots}"
export YAK_BIN="$YAK" YAK_MODEL="$MODEL" YAK_CHROMIUM="$CHROMIUM" PYTHONDONTWRITEBYTECODE=1
exec "$PY" -m pytest -p no:cacheprovider --rootdir "$SRC/tests/e2e/web" -q \
  "$SRC/tests/e2e/web" "$@"
