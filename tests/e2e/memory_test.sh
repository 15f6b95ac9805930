#!/usr/bin/env bash
# Memory follows what a command uses, not its flags: a large -b costs nothing until a batch
# that large runs, and a context that can never fit is refused up front with the figures.
# Usage: memory_test.sh PATH_TO_YAK SOURCE_DIR
set -u
YAK="$1"
SRC="$2"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -f "$MODEL" ] || { echo "FAIL: model missing: $MODEL (run scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }

# within_ratio NAME BASE_KIB KIB: KIB at most 1.5 times BASE_KIB
within_ratio() {
  if [ "$3" -le $(( $2 * 3 / 2 )) ]; then
    pass "$1 (${3} KiB vs ${2} KiB)"
  else
    fail "$1 (${3} KiB vs ${2} KiB, over 1.5x)"
  fi
}

QWEN="$SRC/models/qwen2.5-coder-0.5b-instruct.q4_k_m.gguf"
for model in "$MODEL" "$QWEN"; do
  [ -f "$model" ] || continue
  name="$(basename "$model" .gguf)"
  peak_rss_kib "$YAK" run -m "$model" -p hi -n 1 -t 2
  base=$RSS_KIB
  [ "$model" = "$MODEL" ] && default_base=$RSS_KIB
  [ "$RC" -eq 0 ] || fail "$name: run -p hi -n 1 (exit $RC)"
  peak_rss_kib "$YAK" run -m "$model" -p hi -n 1 -t 2 -b 65536
  [ "$RC" -eq 0 ] || fail "$name: run -b 65536 (exit $RC)"
  within_ratio "$name: run -b 65536 peak RSS" "$base" "$RSS_KIB"
  peak_rss_kib "$YAK" bench -m "$model" -p 16 -n 4 -r 1 -t 2
  bench_base=$RSS_KIB
  peak_rss_kib "$YAK" bench -m "$model" -p 16 -n 4 -r 1 -t 2 -b 65536
  [ "$RC" -eq 0 ] || fail "$name: bench -b 65536 (exit $RC)"
  within_ratio "$name: bench -b 65536 peak RSS" "$bench_base" "$RSS_KIB"
done

expect_error "run -c 16777216 is refused with the figures" \
  "a context of 16777216 tokens needs 720.0 GiB of KV cache (45.0 KiB per token); .* of memory is available: use a context of [0-9]* tokens or less" \
  "$YAK" run -m "$MODEL" -c 16777216 -p hi -n 1
expect_error "chat -c 16777216 is refused with the figures" "needs 720.0 GiB of KV cache" \
  "$YAK" chat -m "$MODEL" -c 16777216 </dev/null
expect_error "bench of 2M tokens is refused with the figures" "of KV cache (45.0 KiB per token)" \
  "$YAK" bench -m "$MODEL" -p 1048576 -n 1048576

# A context that fits is allocated as it fills: 100k tokens (4.4 GiB when full) for 5 tokens.
peak_rss_kib "$YAK" run -m "$MODEL" -c 100000 -p hi -n 4 -t 2
[ "$RC" -eq 0 ] || fail "run -c 100000 (exit $RC)"
within_ratio "run -c 100000 peak RSS" "$default_base" "$RSS_KIB"

# -c is exact: the prompt must fit in exactly that many tokens, not a multiple of 32.
prompt="$(printf 'one two three four five six seven eight nine ten %.0s' $(seq 10))"
"$YAK" tokenize -m "$MODEL" --ids "$prompt" >"$TMP/ids" 2>/dev/null
n=$(wc -w <"$TMP/ids")
expect_error "run -c one less than the prompt" "the prompt has $n tokens but the context holds only $((n - 1))" \
  "$YAK" run -m "$MODEL" -c $((n - 1)) -p "$prompt" -n 1
check "run -c the prompt exactly" "$YAK" run -m "$MODEL" -c "$n" -p "$prompt" -n 1 -t 2

finish
