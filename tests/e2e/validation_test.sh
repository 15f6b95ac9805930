#!/usr/bin/env bash
# Hostile and broken model files through the CLI: each must fail with exit code 1 and a
# message naming the problem (never an internal error, exit 2), and text from the file must
# reach the terminal escaped. The files are tiny models written by hostile_gguf.py.
# Usage: validation_test.sh PATH_TO_YAK SOURCE_DIR
set -u
YAK="$1"
SRC="$2"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GEN="$SRC/tests/e2e/hostile_gguf.py"
python3 -c "import gguf, numpy" 2>/dev/null \
  || { echo "FAIL: python3 lacks the gguf or numpy package (run scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }
make_model() {  # make_model CASE: writes $TMP/CASE.gguf
  python3 "$GEN" "$TMP/$1.gguf" "$1" || { echo "FAIL: hostile_gguf.py $1"; exit 1; }
}
for c in ok name-escape byte-token-zz embd-575 embd-48 ff-40 freq-base-inf freq-base-nan \
         freq-base-zero freq-base-negative eps-nan scale-inf small-vocab big-vocab piece-escape; do
  make_model "$c"
done
run_model() { "$YAK" run -m "$TMP/$1.gguf" -p "w1 w2" -n 2 --temp 0 -t 1; }

check "sound tiny model runs" run_model ok

# Float hyperparameters must be finite and in range; the message names key and value.
expect_error "rope.freq_base inf" "llama.rope.freq_base = inf is not a finite number" run_model freq-base-inf
expect_error "rope.freq_base nan" "llama.rope.freq_base = nan is not a finite number" run_model freq-base-nan
expect_error "rope.freq_base 0" "llama.rope.freq_base = 0 is out of range" run_model freq-base-zero
expect_error "rope.freq_base negative" "llama.rope.freq_base = -10000 is out of range" run_model freq-base-negative
expect_error "rms epsilon nan" "llama.attention.layer_norm_rms_epsilon = nan is not a finite number" run_model eps-nan
expect_error "rope scaling factor inf" "llama.rope.scaling.factor = inf is not a finite number" run_model scale-inf

# Shapes are checked in order: the embedding length against the head count comes first.
expect_error "embedding_length 575" "llama.embedding_length = 575 is not a multiple of llama.attention.head_count = 4" run_model embd-575
# Float rows that are not whole 32-element blocks take the exact path instead of failing.
check "embedding_length 48 (fast)" "$YAK" run -m "$TMP/embd-48.gguf" --precision fast -p "w1" -n 2 --temp 0 -t 1
check "feed_forward_length 40 (fast)" "$YAK" run -m "$TMP/ff-40.gguf" --precision fast -p "w1" -n 2 --temp 0 -t 1

# The vocabulary must have exactly one token per embedding row.
expect_error "vocabulary smaller than the embedding" "the tokenizer has 290 tokens (tokenizer.ggml.tokens) but token_embd.weight has 300 rows" run_model small-vocab
expect_error "vocabulary larger than the embedding" "the tokenizer has 300 tokens (tokenizer.ggml.tokens) but token_embd.weight has 290 rows" run_model big-vocab

# A BYTE token that is not <0xNN> (was: exit 2, "stoi").
expect_error "byte token <0xZZ> (run)" "token 68 '<0xZZ>' has type BYTE but is not of the form <0xNN>" run_model byte-token-zz
expect_error "byte token <0xZZ> (tokenize)" "has type BYTE but is not of the form <0xNN>" "$YAK" tokenize -m "$TMP/byte-token-zz.gguf" hi

# general.name with escape sequences, C1 controls, U+202E; a description with invalid UTF-8.
ESC=$'\x1b'
RLO=$'\xe2\x80\xae'
no_raw_controls() {  # no_raw_controls NAME FILE: no ESC byte, no raw U+202E, no raw C1 CSI
  if grep -q "$ESC" "$2" || grep -q "$RLO" "$2" || grep -q $'\xc2\x9b' "$2"; then
    fail "$1: raw control characters in the output"
  else
    pass "$1: no raw control characters"
  fi
}
check "inspect name-escape" "$YAK" inspect "$TMP/name-escape.gguf"
no_raw_controls "inspect text" "$TMP/out"
grep -qF '"evil\x1b[2J\x1b]0;title\x07\u009b31m\u202eabc\xff"' "$TMP/out" && grep -qF '"bad \xff\xfe utf-8"' "$TMP/out" \
  && pass "inspect shows the name and description escaped" || fail "inspect escaped name: $(grep -a general "$TMP/out")"

json_ok() {  # json_ok NAME FILE PYTHON-EXPR: the file is valid UTF-8 JSON and EXPR holds for it as j
  if python3 -c "import json,sys; j=json.loads(open(sys.argv[1],'rb').read().decode('utf-8')); assert $3" "$2"; then
    pass "$1"
  else
    fail "$1"
  fi
}
check "inspect --json name-escape" "$YAK" inspect --json "$TMP/name-escape.gguf"
json_ok "inspect --json is valid JSON" "$TMP/out" \
  "[m['value'] for m in j['metadata'] if m['key']=='general.description'] == ['bad \ufffd\ufffd utf-8']"
check "bench --json name-escape" "$YAK" bench -m "$TMP/name-escape.gguf" -p 4 -n 2 -r 1 -t 1 --json
# Was: exit 2, nlohmann type_error 316 on the invalid UTF-8 of general.name.
json_ok "bench --json is valid JSON" "$TMP/out" "j[0]['model_name'] == 'evil\x1b[2J\x1b]0;title\x07\x9b31m\u202eabc\ufffd'"
check "bench table name-escape" "$YAK" bench -m "$TMP/name-escape.gguf" -p 4 -n 2 -r 1 -t 1
no_raw_controls "bench table" "$TMP/out"

check "run name-escape" "$YAK" run -m "$TMP/name-escape.gguf" -p w1 -n 1 --temp 0 -t 1
no_raw_controls "run banner" "$TMP/err"
echo '{% for m in messages %}{{ m.content }}{% endfor %}' >"$TMP/plain.jinja"
printf '/exit\n' | "$YAK" chat -m "$TMP/name-escape.gguf" --template "$TMP/plain.jinja" >"$TMP/out" 2>"$TMP/err" \
  && pass "chat name-escape" || fail "chat name-escape: $(head -3 "$TMP/err")"
no_raw_controls "chat banner" "$TMP/err"

# Token pieces with ESC and U+202E are printed escaped.
check "tokenize --pieces" "$YAK" tokenize -m "$TMP/piece-escape.gguf" --pieces "ax${ESC}[31mred${RLO}"
no_raw_controls "tokenize pieces" "$TMP/out"
grep -qF "'x\x1b[31mred\u202e'" "$TMP/out" && pass "tokenize shows the piece escaped" \
  || fail "tokenize escaped piece: $(cat -v "$TMP/out")"

# Nothing above may be an internal error.
for c in byte-token-zz embd-575 freq-base-inf eps-nan scale-inf small-vocab big-vocab; do
  "$YAK" run -m "$TMP/$c.gguf" -p hi -n 1 >/dev/null 2>"$TMP/err"
  grep -q "internal error" "$TMP/err" && fail "$c: internal error: $(cat "$TMP/err")"
done

finish
