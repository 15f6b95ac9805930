#!/usr/bin/env bash
# Paths that are not regular files, and a model file truncated while in use: each is a
# clear error naming the file (exit 1), never a hang or a death by signal.
# Usage: files_test.sh PATH_TO_YAK SOURCE_DIR
set -u
YAK="$1"
SRC="$2"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -f "$MODEL" ] || { echo "FAIL: model missing: $MODEL (run scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }

# A FIFO with no writer: opening it for reading would block for ever.
mkfifo "$TMP/fifo"
expect_error "inspect FIFO" "fifo is a FIFO, not a regular file" timeout 10 "$YAK" inspect "$TMP/fifo"
expect_error "run -m FIFO" "fifo is a FIFO, not a regular file" timeout 10 "$YAK" run -m "$TMP/fifo" -p hi -n 1
expect_error "chat -m FIFO" "fifo is a FIFO, not a regular file" timeout 10 "$YAK" chat -m "$TMP/fifo" </dev/null
expect_error "bench -m FIFO" "fifo is a FIFO, not a regular file" timeout 10 "$YAK" bench -m "$TMP/fifo" -p 4 -n 1
expect_error "tokenize -m FIFO" "fifo is a FIFO, not a regular file" timeout 10 "$YAK" tokenize -m "$TMP/fifo" hi

mkdir "$TMP/dir"
expect_error "inspect directory" "dir is a directory, not a regular file" timeout 10 "$YAK" inspect "$TMP/dir"
expect_error "run -m directory" "dir is a directory, not a regular file" timeout 10 "$YAK" run -m "$TMP/dir" -p hi -n 1
expect_error "inspect /dev/zero" "/dev/zero is a character device, not a regular file" timeout 10 "$YAK" inspect /dev/zero
expect_error "run -m /dev/zero" "/dev/zero is a character device, not a regular file" timeout 10 "$YAK" run -m /dev/zero -p hi -n 1
expect_error "run -m missing" "missing.gguf: cannot open: No such file or directory" timeout 10 "$YAK" run -m "$TMP/missing.gguf" -p hi -n 1

# wait_for FILE PATTERN COUNT: until PATTERN occurs COUNT times in FILE (at most 60 s).
wait_for() {
  local i
  for i in $(seq 600); do
    [ "$(grep -o -- "$2" "$1" 2>/dev/null | wc -l)" -ge "$3" ] && return 0
    sleep 0.1
  done
  return 1
}

# A file truncated in the middle of generation. Whether the cut lands inside a forward pass
# (the weights still read from the mapping fault: zeros instead of SIGBUS) or between two,
# the decode after it fails naming the file.
for precision in fast exact; do
  cp "$MODEL" "$TMP/copy.gguf"
  "$YAK" run -m "$TMP/copy.gguf" --precision "$precision" -p "Once upon a time" -n 3000 --ignore-eos \
    --temp 0 -t 2 >"$TMP/run.out" 2>"$TMP/run.err" &
  pid=$!
  wait_for "$TMP/run.out" " " 5 || echo "    (no output from the run yet)"
  truncate -s 4096 "$TMP/copy.gguf"
  timeout 60 tail --pid="$pid" -f /dev/null
  wait "$pid"
  rc=$?
  if [ "$rc" -eq 1 ] && grep -q "the model file $TMP/copy.gguf was truncated or changed while in use" "$TMP/run.err"; then
    pass "run ($precision): truncated while generating"
  else
    fail "run ($precision): truncated while generating (exit $rc)"; sed 's/^/    /' "$TMP/run.err" | tail -3
  fi
done

# The same in chat, between two turns: the second turn reports it; no signal death.
cp "$MODEL" "$TMP/copy.gguf"
mkfifo "$TMP/chat_in"
"$YAK" chat -m "$TMP/copy.gguf" -n 200 --temp 0 -t 2 <"$TMP/chat_in" >"$TMP/chat.out" 2>"$TMP/chat.err" &
pid=$!
exec 3>"$TMP/chat_in"
echo "Hello" >&3
wait_for "$TMP/chat.err" "> " 2 || echo "    (the first turn did not finish)"
truncate -s 4096 "$TMP/copy.gguf"
echo "How are you?" >&3
exec 3>&-
timeout 60 tail --pid="$pid" -f /dev/null
wait "$pid"
rc=$?
if [ "$rc" -lt 128 ] && grep -q "the model file $TMP/copy.gguf was truncated or changed while in use" "$TMP/chat.err"; then
  pass "chat: truncated between turns"
else
  fail "chat: truncated between turns (exit $rc)"; sed 's/^/    /' "$TMP/chat.err" | tail -3
fi

# A file cut short before it is loaded is a plain error naming it.
head -c 4096 "$MODEL" >"$TMP/short.gguf"
expect_error "run -m short file" "short.gguf" timeout 10 "$YAK" run -m "$TMP/short.gguf" -p hi -n 1

finish
