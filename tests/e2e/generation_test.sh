#!/usr/bin/env bash
# `yak run`'s generation controls: seeds, stop strings, logit bias.
# Usage: generation_test.sh PATH_TO_YAK SOURCE_DIR
set -u
YAK="$1"
SRC="$2"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -f "$MODEL" ] || { echo "FAIL: model missing: $MODEL (run scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }

# --seed -1 draws a seed and prints it; other negative seeds are refused.
seed_of() { "$YAK" run -m "$MODEL" -p "Once upon a time" -n 4 -t 2 --seed "$1" 2>&1 >/dev/null | sed -n 's/.*| seed \([0-9]*\) |.*/\1/p'; }
s1="$(seed_of -1)"; s2="$(seed_of -1)"; s42="$(seed_of 42)"
if [ -n "$s1" ] && [ -n "$s2" ] && [ "$s1" != "$s2" ] && [ "$s1" != "18446744073709551615" ] && [ "$s42" = 42 ]; then
  pass "seed -1 is random and printed"
else fail "seed -1 is random and printed (got '$s1', '$s2', '$s42')"; fi
expect_error "seed -2 refused" "seed" "$YAK" run -m "$MODEL" -p hi --seed -2

# --stop ends the text before the stop string, which is not printed; an empty one is refused.
"$YAK" run -m "$MODEL" -p "The capital of France is" -n 24 --temp 0 -t 2 --stop "." >"$TMP/out" 2>"$TMP/err"
if [ $? -eq 0 ] && grep -q "Paris" "$TMP/out" && ! grep -q "[.]" "$TMP/out" && grep -q "stop: stop_string" "$TMP/err"; then
  pass "run --stop"
else fail "run --stop: $(cat "$TMP/out")"; fi
expect_error "run --stop empty" "stop string 0 is empty" "$YAK" run -m "$MODEL" -p hi --stop ""

# --logit-bias: +100 forces a token (19556 is "Hello"), a bad one is named.
"$YAK" run -m "$MODEL" -p "The capital of France is" -n 1 --temp 0 -t 2 --logit-bias 19556+100 >"$TMP/out" 2>"$TMP/err"
[ "$(cat "$TMP/out")" = "Hello" ] && pass "logit bias forces a token" || fail "logit bias forces a token: $(cat "$TMP/out")"
expect_error "logit bias outside the vocabulary" "logit_bias names token 99999999" "$YAK" run -m "$MODEL" -p hi --logit-bias 99999999+1
expect_error "logit bias malformed" "is not ID+BIAS" "$YAK" run -m "$MODEL" -p hi --logit-bias abc

finish
