# Shared by the e2e scripts: the default model, a scratch folder, and the checks that count
# passes and failures. Source it after setting YAK and SRC; end the script with `finish`.
MODEL="${YAK_MODEL:-$SRC/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
TMP="$(mktemp -d)"
# An ASan + UBSan build runs several times slower and holds more memory (shadow, quarantine):
# time limits scale by TIME_SCALE, and memory bounds do not apply (SANITIZED=1).
SANITIZED=0
TIME_SCALE=1
if [ -n "${YAK:-}" ] && grep -aqm1 "__asan_init\|__ubsan_handle" "$YAK" 2>/dev/null; then
  SANITIZED=1
  TIME_SCALE=4
fi
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

check() {  # check NAME COMMAND... : the command must succeed
  local name="$1"; shift
  if "$@" >"$TMP/out" 2>"$TMP/err"; then
    passed=$((passed + 1)); echo "PASS $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/    /' "$TMP/out" "$TMP/err" | head -20
  fi
}

expect_error() {  # expect_error NAME PATTERN COMMAND... : exit code 1 and PATTERN on stderr
  local name="$1" pattern="$2"; shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [ "$rc" -eq 1 ] && grep -q -- "$pattern" "$TMP/err"; then
    passed=$((passed + 1)); echo "PASS $name"
  else
    failed=$((failed + 1)); echo "FAIL $name (exit $rc, want 1 and '$pattern')"; sed 's/^/    /' "$TMP/err" | head -5
  fi
}


pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

# expect_error_rc NAME RC PATTERN COMMAND... : exit code RC and PATTERN on stderr
expect_error_rc() {
  local name="$1" want="$2" pattern="$3"; shift 3
  "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [ "$rc" -eq "$want" ] && grep -q -- "$pattern" "$TMP/err"; then
    pass "$name"
  else
    fail "$name (exit $rc, want $want and '$pattern')"; sed 's/^/    /' "$TMP/err" | head -5
  fi
}

# peak_rss_kib COMMAND... : runs the command, leaves its peak RSS (KiB) in $RSS_KIB and its
# exit code in $RC; stdout and stderr go to $TMP/out and $TMP/err.
peak_rss_kib() {
  /usr/bin/time -f '%M' -o "$TMP/rss" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  RSS_KIB="$(tail -n 1 "$TMP/rss")"
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
