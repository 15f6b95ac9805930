#!/usr/bin/env bash
# `yak chat` under the inputs that used to break it: replies cut off by -n or by a full
# context, failing turns, CRLF input, bad --template files; its seed and --stop.
# Usage: chat_test.sh PATH_TO_YAK SOURCE_DIR
set -u
YAK="$1"
SRC="$2"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -f "$MODEL" ] || { echo "FAIL: model missing: $MODEL (run scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }

# chat_run NAME INPUT ARGS... : pipes INPUT into `yak chat`, bounded in time; $RC, $TMP/out, $TMP/err.
chat_run() {
  local input="$1"; shift
  printf "$input" | timeout 120 "$YAK" chat -m "$MODEL" -t 2 --temp 0 "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
}
no_error() { ! grep -q "error" "$TMP/err"; }

# Replies cut off by -n: later turns go on (the cut-off token was never in the KV cache).
chat_run 'hi\nhi\nhow are you?\n/exit\n' -n 4
if [ "$RC" -eq 0 ] && no_error && [ "$(grep -c . "$TMP/out")" -eq 3 ]; then pass "turns after a reply cut off by -n"
else fail "turns after a reply cut off by -n (exit $RC)"; sed 's/^/    /' "$TMP/out" "$TMP/err" | head; fi

# A reply stopped by a full context; the next turn cannot fit and says so; /reset recovers.
chat_run 'Write a long story about a dragon.\nmore\n/reset\nhi\n/exit\n' -c 64
if [ "$RC" -eq 0 ] && grep -q "context full" "$TMP/err" && grep -q "no longer fits the context of 64 tokens" "$TMP/err" \
    && ! grep -q "cannot truncate" "$TMP/err" && [ "$(grep -c . "$TMP/out")" -eq 2 ]; then pass "full context, clear error, reset recovers"
else fail "full context, clear error, reset recovers (exit $RC)"; sed 's/^/    /' "$TMP/out" "$TMP/err" | head; fi

# A turn that fails in the template leaves the conversation as it was: the turn after it works.
cat >"$TMP/picky.jinja" <<'JINJA'
{% for m in messages %}{% if m.content == 'bad' %}{{ raise_exception('refusing the word bad') }}{% endif %}<|im_start|>{{ m.role }}
{{ m.content }}<|im_end|>
{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant
{% endif %}
JINJA
chat_run 'hi\nbad\nhello\n/exit\n' --template "$TMP/picky.jinja" -n 4
if [ "$RC" -eq 0 ] && [ "$(grep -c "refusing the word bad" "$TMP/err")" -eq 1 ] && [ "$(grep -c . "$TMP/out")" -eq 2 ]; then
  pass "failed turn leaves the conversation intact"
else fail "failed turn leaves the conversation intact (exit $RC)"; sed 's/^/    /' "$TMP/out" "$TMP/err" | head; fi

# Every turn failing is a failed run; an empty rendered prompt says so.
printf '{%% if false %%}never{%% endif %%}' >"$TMP/empty_render.jinja"
chat_run 'hi\nagain\n' --template "$TMP/empty_render.jinja"
if [ "$RC" -eq 1 ] && grep -q "rendered an empty prompt" "$TMP/err" && grep -q "every turn of the conversation failed (2 of 2)" "$TMP/err"; then
  pass "every turn failing exits 1, empty prompt named"
else fail "every turn failing exits 1, empty prompt named (exit $RC)"; sed 's/^/    /' "$TMP/err" | head; fi

# CRLF input: /exit\r ends the chat, so nothing after it runs.
chat_run 'hi\r\n/exit\r\nhello\r\n' -n 3
if [ "$RC" -eq 0 ] && [ "$(grep -c . "$TMP/out")" -eq 1 ]; then pass "CRLF /exit"
else fail "CRLF /exit (exit $RC)"; sed 's/^/    /' "$TMP/out" "$TMP/err" | head; fi

# --template that is empty, a directory or a FIFO: a clear error, and no waiting on the FIFO.
: >"$TMP/empty.jinja"
expect_error "template file empty" "chat template file .*empty.jinja is empty" timeout 20 "$YAK" chat -m "$MODEL" --template "$TMP/empty.jinja"
expect_error "template is a directory" "is a directory, not a regular file" timeout 20 "$YAK" chat -m "$MODEL" --template "$TMP"
mkfifo "$TMP/fifo.jinja"
expect_error "template is a FIFO" "is a FIFO, not a regular file" timeout 20 "$YAK" chat -m "$MODEL" --template "$TMP/fifo.jinja"
expect_error "template missing" "chat template file .*none.jinja: cannot open" timeout 20 "$YAK" chat -m "$MODEL" --template "$TMP/none.jinja"

chat_run 'hi\n/exit\n' -n 2 --seed -1
grep -q "| seed [0-9]* |" "$TMP/err" && pass "chat prints its seed" || fail "chat prints its seed"

# A reply ends before --stop's string, which is not printed.
chat_run 'What is the capital of France?\n/exit\n' --precision exact --stop "."
if [ "$RC" -eq 0 ] && grep -q "Paris" "$TMP/out" && ! grep -q "[.]" "$TMP/out"; then pass "chat --stop"
else fail "chat --stop (exit $RC): $(cat "$TMP/out")"; fi

finish
