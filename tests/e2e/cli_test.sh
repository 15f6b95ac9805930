#!/usr/bin/env bash
# Drives the `yak` binary as a user would and checks what it prints and how it exits.
# Usage: cli_test.sh PATH_TO_YAK SOURCE_DIR
set -u
YAK="$1"
SRC="$2"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -f "$MODEL" ] || { echo "FAIL: model missing: $MODEL (run scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }

# Greedy generation is deterministic and prints speed figures on stderr.
check "run greedy" "$YAK" run -m "$MODEL" -p "The capital of France is" -n 12 --temp 0 -t 2
grep -q "decode:" "$TMP/err" && grep -q "prefill:" "$TMP/err" || { failed=$((failed + 1)); echo "FAIL run prints speed"; }
grep -q "Paris" "$TMP/out" || { failed=$((failed + 1)); echo "FAIL run answer mentions Paris: $(cat "$TMP/out")"; }
cp "$TMP/out" "$TMP/first"
check "run greedy again" "$YAK" run -m "$MODEL" -p "The capital of France is" -n 12 --temp 0 -t 1
cmp -s "$TMP/out" "$TMP/first" && { passed=$((passed + 1)); echo "PASS greedy output independent of threads"; } \
  || { failed=$((failed + 1)); echo "FAIL greedy output differs with 1 thread"; }

# Both precisions (fast: 8-bit activations, the default; exact: float32) give the same answer.
check "run fast precision" "$YAK" run -m "$MODEL" --precision fast -p "The capital of France is" -n 12 --temp 0 -t 2
grep -q "Paris" "$TMP/out" || { failed=$((failed + 1)); echo "FAIL fast answer mentions Paris: $(cat "$TMP/out")"; }
check "run exact precision" "$YAK" run -m "$MODEL" --precision exact -p "The capital of France is" -n 12 --temp 0 -t 2
grep -q "Paris" "$TMP/out" || { failed=$((failed + 1)); echo "FAIL exact answer mentions Paris: $(cat "$TMP/out")"; }

# Same seed, same text; sampling flags accepted.
check "run seeded" "$YAK" run -m "$MODEL" -p "Once upon a time" -n 16 --temp 0.9 --top-k 50 --top-p 0.9 --min-p 0.02 --repeat-penalty 1.1 --seed 42
cp "$TMP/out" "$TMP/seeded"
check "run seeded again" "$YAK" run -m "$MODEL" -p "Once upon a time" -n 16 --temp 0.9 --top-k 50 --top-p 0.9 --min-p 0.02 --repeat-penalty 1.1 --seed 42
cmp -s "$TMP/out" "$TMP/seeded" && { passed=$((passed + 1)); echo "PASS same seed same text"; } \
  || { failed=$((failed + 1)); echo "FAIL same seed gave different text"; }

# Output constraints: a JSON Schema's output parses and has the required field; a GBNF
# grammar's output is one of its sentences; a schema or grammar that cannot be used is an error
# naming the problem.
check "run json schema" "$YAK" run -m "$MODEL" -p "A person as JSON:" -n 200 --temp 0.7 --seed 3 \
  -j '{"type":"object","properties":{"age":{"type":"integer","minimum":0,"maximum":99}},"required":["age"]}'
python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); assert 0 <= v["age"] <= 99, v' "$TMP/out" \
  && pass "run json schema output validates" || fail "run json schema output: $(cat "$TMP/out")"
check "run grammar" "$YAK" run -m "$MODEL" -p "Is the sky blue?" -n 20 --temp 1 --seed 4 --grammar 'root ::= "yes" | "no"'
grep -qxE "yes|no" "$TMP/out" && pass "run grammar output is a sentence" || fail "run grammar output: $(cat "$TMP/out")"
expect_error "run unsupported schema keyword" "unsupported JSON Schema keyword 'not'" \
  "$YAK" run -m "$MODEL" -p "x" -n 2 -j '{"not":{}}'
expect_error "run undefined grammar rule" "undefined" "$YAK" run -m "$MODEL" -p "x" -n 2 --grammar 'root ::= missing'
expect_error "run two constraints" "json-schema" "$YAK" run -m "$MODEL" -p "x" -n 2 --grammar 'root ::= "a"' -j '{}'

# The default model is found without -m when run from the source tree.
(cd "$SRC" && check "run default model" "$YAK" run -p "Hi" -n 2 --temp 0)

check "inspect" "$YAK" inspect "$MODEL"
grep -q "token_embd.weight" "$TMP/out" && grep -qi "param" "$TMP/out" || { failed=$((failed + 1)); echo "FAIL inspect lists tensors and parameters"; }
grep -q "family             llama" "$TMP/out" && grep -q "dense, width 1536, silu gated" "$TMP/out" \
  && { passed=$((passed + 1)); echo "PASS inspect shows the architecture"; } \
  || { failed=$((failed + 1)); echo "FAIL inspect shows the architecture"; }
# A family with sliding layers and experts (scripts/setup.sh writes these random models).
GEMMA="$SRC/models/families/gemma3.gguf"
MIXTRAL="$SRC/models/families/mixtral.gguf"
check "inspect gemma3 architecture" "$YAK" inspect --json --no-tensors "$GEMMA"
cp "$TMP/out" "$TMP/gemma3.json"
check "its sliding layers and norms" python3 -c "
import json; a = json.load(open('$TMP/gemma3.json'))['architecture']
assert a['runnable'] and a['name'] == 'gemma3', a
assert a['activation'] == 'gelu-tanh' and a['post_norms'] and a['qk_norm'], a
assert a['sliding_window'] > 0 and True in a['layer_sliding'] and False in a['layer_sliding'], a
assert a['rope_freq_base_sliding'] != a['rope_freq_base'], a"
check "inspect mixtral" "$YAK" inspect --no-tensors "$MIXTRAL"
grep -q "of .* experts per token" "$TMP/out" && { passed=$((passed + 1)); echo "PASS inspect shows the experts"; } \
  || { failed=$((failed + 1)); echo "FAIL inspect shows the experts: $(grep feed-forward "$TMP/out")"; }
check "inspect a vocabulary-only file" "$YAK" inspect --no-tensors "${YAK_SHARED_DIR:-$SRC/../shared}/data/tokenizer/ggml-vocab-phi-3.gguf"
grep -q "not runnable by Yak: .*token_embd.weight" "$TMP/out" && { passed=$((passed + 1)); echo "PASS inspect says why a file cannot run"; } \
  || { failed=$((failed + 1)); echo "FAIL inspect says why a file cannot run: $(grep runnable "$TMP/out")"; }
check "help" "$YAK" run --help

# yak bench: llama-bench-style figures; --json gives one object per test.
check "bench json" "$YAK" bench -m "$MODEL" -p 16 -n 4 -r 2 -t 2 --json
python3 - "$TMP/out" <<'PY' && { passed=$((passed + 1)); echo "PASS bench json fields"; } \
  || { failed=$((failed + 1)); echo "FAIL bench json fields"; }
import json, sys
r = json.load(open(sys.argv[1]))
assert [x["test"] for x in r] == ["pp16", "tg4", "ttft"], r
assert all(len(x["samples_ns"]) == 2 and x["avg_ns"] > 0 for x in r)
assert r[0]["avg_ts"] > 0 and r[1]["avg_ts"] > 0 and r[0]["n_prompt"] == 16 and r[1]["n_gen"] == 4
assert r[0]["decode_read_bytes"] == r[0]["model_size"] > 0  # SmolLM2 ties embedding and output
PY
check "bench table" "$YAK" bench -m "$MODEL" -p 8 -n 2 -r 1 --tokens text
grep -q "| pp8 " "$TMP/out" && grep -q "| tg2 " "$TMP/out" && grep -q "| ttft " "$TMP/out" \
  && { passed=$((passed + 1)); echo "PASS bench table rows"; } \
  || { failed=$((failed + 1)); echo "FAIL bench table rows: $(cat "$TMP/out")"; }
expect_error "bench nothing to measure" "nothing to measure" "$YAK" bench -m "$MODEL" -p 0 -n 0
check "bench help" "$YAK" bench --help

# yak serve's chat page: its built-in files listed with sizes, without loading a model.
check "serve help" "$YAK" serve --help
grep -q -- "--no-webui" "$TMP/out" && pass "serve help has --no-webui" || fail "serve help has --no-webui"
check "serve list web assets" "$YAK" serve --list-web-assets
grep -q "^/ .*text/html" "$TMP/out" && grep -q "^/assets/vendor/katex.min.js .*text/javascript" "$TMP/out" \
  && grep -q "^total: [0-9]* files, [0-9]* bytes" "$TMP/out" \
  && pass "serve web asset list" || fail "serve web asset list: $(head -3 "$TMP/out")"

# Chat: several turns through the model's template, /system, /reset and /exit. With 8-bit
# activations (the fast default) this 135M model answers the question with "L'Etoile, la
# Marseillaise...", exactly as llama.cpp's llama-completion does on the same file, so the
# check of the answer runs the exact path, whose greedy answer is transformers'.
printf 'What is the capital of France?\n/system You are a pirate.\nHello\n/reset\nHi\n/exit\n' \
  | "$YAK" chat -m "$MODEL" --precision exact --temp 0 -n 24 -t 2 >"$TMP/out" 2>"$TMP/err"
if [ $? -eq 0 ] && grep -q "Paris" "$TMP/out" && [ "$(grep -c . "$TMP/out")" -ge 3 ] \
    && grep -q "system prompt set" "$TMP/err" && grep -q "conversation reset" "$TMP/err" \
    && ! grep -q "error" "$TMP/err"; then
  passed=$((passed + 1)); echo "PASS chat turns"
else
  failed=$((failed + 1)); echo "FAIL chat turns"; sed 's/^/    /' "$TMP/out" "$TMP/err" | head -20
fi

# Tokenize: ids of the default model, and a vocabulary-only file.
check "tokenize ids" "$YAK" tokenize -m "$MODEL" --ids "Hello world"
[ "$(cat "$TMP/out")" = "19556 905" ] && { passed=$((passed + 1)); echo "PASS tokenize ids"; } \
  || { failed=$((failed + 1)); echo "FAIL tokenize ids: $(cat "$TMP/out")"; }
check "tokenize vocab-only" "$YAK" tokenize -m "$SRC/../shared/data/tokenizer/ggml-vocab-llama-spm.gguf" --ids "Hello world"
[ "$(cat "$TMP/out")" = "1 15043 3186" ] && { passed=$((passed + 1)); echo "PASS tokenize vocab-only ids"; } \
  || { failed=$((failed + 1)); echo "FAIL tokenize vocab-only ids: $(cat "$TMP/out")"; }

# Bad input: a clear error and exit code 1, never a crash.
printf 'GGUF\x03\x00\x00\x00' >"$TMP/truncated.gguf"
expect_error "truncated file" "truncated.gguf" "$YAK" run -m "$TMP/truncated.gguf" -p hi
printf 'NOPE0000000000000000000000000' >"$TMP/bad_magic.gguf"
expect_error "bad magic" "magic" "$YAK" inspect "$TMP/bad_magic.gguf"
expect_error "missing file" "cannot open" "$YAK" run -m "$TMP/nope.gguf" -p hi
expect_error "vocab-only file cannot run" "missing tensor token_embd.weight" "$YAK" run -m "$SRC/../shared/data/tokenizer/ggml-vocab-llama-spm.gguf" -p hi
expect_error "unsupported architecture" "architecture .gpt2. is not supported" "$YAK" run -m "$SRC/../shared/data/tokenizer/ggml-vocab-gpt-2.gguf" -p hi

finish
