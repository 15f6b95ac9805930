#!/usr/bin/env bash
# `yak eval perplexity` and `yak eval kld` through the CLI: Yak's own invariants (the same
# perplexity whatever the batch size, the --json fields, a base file saved and reused,
# a model against itself diverging by nothing) and every bad input giving a clear error.
# The comparison with llama.cpp's llama-perplexity is bench/compare-eval (CI builds no peers).
# Usage: eval_test.sh PATH_TO_YAK SOURCE_DIR
set -u
YAK="$1"
SRC="$2"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WIKI="${YAK_SHARED_DIR:-$SRC/../shared}/data/eval/wikitext-2/wiki.test.raw"
if [ ! -f "$WIKI" ]; then
  echo "FAIL: $WIKI is missing (the shared evaluation data)"; echo "0 passed, 1 failed"; exit 1
fi
TEXT="$TMP/wiki.txt"
head -c 40000 "$WIKI" >"$TEXT"   # about 9,000 tokens: 4 windows of 128 are plenty
PPL=("$YAK" eval perplexity -m "$MODEL" -f "$TEXT" -c 128 -t 2 --chunks 4)

ppl_of() { sed -n 's/^Final estimate: PPL = \([0-9.]*\) +\/- .*/\1/p' "$1"; }

"${PPL[@]}" -b 512 >"$TMP/b512" 2>&1
"${PPL[@]}" -b 128 >"$TMP/b128" 2>&1
"${PPL[@]}" -b 50 >"$TMP/b50" 2>&1
A="$(ppl_of "$TMP/b512")"; B="$(ppl_of "$TMP/b128")"; C="$(ppl_of "$TMP/b50")"
if [ -n "$A" ] && python3 -c "import sys; a,b,c=map(float,sys.argv[1:]); sys.exit(0 if abs(a-b)<=1e-3*a and abs(a-c)<=1e-3*a else 1)" "$A" "$B" "$C"; then
  pass "same PPL for -b 512, 128, 50 ($A, $B, $C)"
else
  fail "PPL differs with the batch size: '$A' '$B' '$C'"; head -5 "$TMP/b512"
fi
if grep -q '^\[1\][0-9.]*,\[2\][0-9.]*,\[3\][0-9.]*,\[4\][0-9.]*,$' "$TMP/b128" \
  && grep -q 'seconds per window - ETA' "$TMP/b128"; then
  pass "progress per chunk with an ETA"
else
  fail "progress lines"; cat "$TMP/b128"
fi

"${PPL[@]}" --json >"$TMP/ppl.json" 2>"$TMP/ppl.err"
check "perplexity --json: one object with every figure" python3 - "$TMP/ppl.json" "$A" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for k in ["model", "text_file", "precision", "n_ctx", "n_batch", "n_threads", "n_text_tokens",
          "n_chunks", "n_scored", "ppl", "ppl_uncertainty", "nll", "seconds",
          "tokens_per_second", "running_ppl"]:
    assert k in j, k
assert j["n_ctx"] == 128 and j["n_chunks"] == 4 and j["n_scored"] == 4 * 63, j
assert abs(j["ppl"] - float(sys.argv[2])) <= 1e-3 * j["ppl"], (j["ppl"], sys.argv[2])
assert len(j["running_ppl"]) == 4 and j["ppl_uncertainty"] > 0
PY
grep -q '^\[1\]' "$TMP/ppl.err" && pass "--json sends progress to stderr" || fail "--json progress"

# KLD: a model against itself (same precision) diverges by nothing; the base file reused
# without loading the base gives the same figures.
BASE="$TMP/base.yakb"
KLD=("$YAK" eval kld -m "$MODEL" -c 128 -t 2 --chunks 4)
check "kld against itself, saving the base" "${KLD[@]}" --base "$MODEL" -f "$TEXT" --base-logits "$BASE" --json
cp "$TMP/out" "$TMP/self.json"
check "kld --json fields; itself: KLD 0, same top 100%" python3 - "$TMP/self.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for k in ["ppl", "ppl_base", "ppl_correlation", "ln_ppl_ratio", "ppl_ratio", "delta_ppl", "kld",
          "delta_p", "same_top", "n_positions", "top_k", "tokens_per_second"]:
    assert k in j, k
for k in ["mean", "uncertainty", "median", "p90", "p95", "p99", "p99_9", "max"]:
    assert k in j["kld"], k
assert "rms" in j["delta_p"]
assert j["n_positions"] == 4 * 63
assert abs(j["kld"]["mean"]) < 1e-5 and j["kld"]["max"] < 1e-4, j["kld"]
assert j["same_top"]["value"] == 1.0
PY
check "kld from the saved base file alone" "${KLD[@]}" --base-logits "$BASE" --json
cp "$TMP/out" "$TMP/reuse.json"
check "the saved base gives the same figures" python3 -c "
import json, sys
a, b = json.load(open('$TMP/self.json')), json.load(open('$TMP/reuse.json'))
assert a['kld'] == b['kld'] and a['ppl'] == b['ppl'], (a['kld'], b['kld'])
# The base file keeps the text it was made from, so a reused base records it too.
assert a['text_file'] == b['text_file'] == '$TEXT', (a['text_file'], b['text_file'])"
check "kld exact base vs fast model" "${KLD[@]}" --base "$MODEL" -f "$TEXT" --base-precision exact --precision fast
grep -q '^Mean    KLD:' "$TMP/out" && grep -q '^Same top p:' "$TMP/out" && grep -q '^RMS Δp' "$TMP/out" \
  && pass "kld text summary" || fail "kld text summary"

# Bad input: each a clear error, exit 1.
printf '' >"$TMP/empty.txt"
head -c 300 "$WIKI" >"$TMP/short.txt"
expect_error "perplexity: missing text file" "cannot open: No such file" "$YAK" eval perplexity -m "$MODEL" -f "$TMP/none.txt"
expect_error "perplexity: no -f" "give it with -f" "$YAK" eval perplexity -m "$MODEL"
expect_error "perplexity: empty text" "is empty" "$YAK" eval perplexity -m "$MODEL" -f "$TMP/empty.txt"
expect_error "perplexity: text shorter than two windows" "needs at least 1024" "$YAK" eval perplexity -m "$MODEL" -f "$TMP/short.txt" -c 512
expect_error "perplexity: a directory" "directory\|not a regular" "$YAK" eval perplexity -m "$MODEL" -f "$TMP"
expect_error "perplexity: -c 2" "ctx-size" "$YAK" eval perplexity -m "$MODEL" -f "$TEXT" -c 2
expect_error "eval without a subcommand" "subcommand" "$YAK" eval
expect_error "kld: no base" "kld needs the base" "${KLD[@]}"
expect_error "kld: base file missing" "does not exist" "${KLD[@]}" --base-logits "$TMP/none.yakb"
expect_error "kld: not a base file" "is not a Yak base file" "${KLD[@]}" --base-logits "$TEXT"
head -c 1000 "$BASE" >"$TMP/cut.yakb"
expect_error "kld: truncated base file" "damaged" "${KLD[@]}" --base-logits "$TMP/cut.yakb"
expect_error "kld: -c differs from the base file's" "was made with -c 128, not 64" "$YAK" eval kld -m "$MODEL" -c 64 --base-logits "$BASE"
expect_error "kld: -f with a base file alone" "-f is for making the base file" "${KLD[@]}" --base-logits "$BASE" -f "$TEXT"
QWEN="$SRC/models/qwen2.5-coder-0.5b-instruct.q4_k_m.gguf"
if [ -f "$QWEN" ]; then
  expect_error "kld: base of another vocabulary" "KL divergence needs the same vocabulary" "$YAK" eval kld -m "$QWEN" --base-logits "$BASE" -t 2
else
  fail "kld: another vocabulary ($QWEN missing; run scripts/setup.sh)"
fi
finish
