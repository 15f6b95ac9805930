#!/usr/bin/env bash
# `yak quantize`: the default model (Q4_1) dequantized to F16, that F16 file quantized to the
# types the gguf package can also make (identical bytes), a K mix that loads and generates,
# metadata carried over, memory bounded by a few tensors, and bad inputs refused clearly.
# Usage: quantize_test.sh PATH_TO_YAK SOURCE_DIR
set -u
YAK="$1"
SRC="$2"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CHECK="$SRC/tests/e2e/quant_check.py"

[ -f "$MODEL" ] || { echo "FAIL: model missing: $MODEL (run scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }
python3 -c 'import gguf' 2>/dev/null || { echo "FAIL: the gguf Python package is missing (scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }

F16="$TMP/model.F16.gguf"
check "dequantize Q4_1 -> F16" "$YAK" quantize "$MODEL" "$F16" F16 -t 2
check "F16 bytes are the gguf package's dequantized Q4_1" python3 "$CHECK" bytes "$MODEL" "$F16:F16"
check "metadata carried over, file type 1" python3 "$CHECK" metadata "$MODEL" "$F16" 1

# Memory: the F16 file is ~260 MB; quantizing it holds a slab and a tensor, not the model.
peak_rss_kib "$YAK" quantize "$F16" "$TMP/model.Q8_0.gguf" q8_0 -t 2
if [ "$SANITIZED" -eq 1 ] && [ "$RC" -eq 0 ]; then
  echo "SKIP F16 -> Q8_0 memory bound: a sanitizer build's shadow memory and quarantine inflate RSS ($RSS_KIB KiB)"
elif [ "$RC" -eq 0 ] && [ "$RSS_KIB" -lt 100000 ]; then pass "F16 -> Q8_0 streams (peak RSS $RSS_KIB KiB)"
else fail "F16 -> Q8_0 streams (exit $RC, peak RSS $RSS_KIB KiB, want < 100000)"; sed 's/^/    /' "$TMP/err" | head -5; fi

pairs=("$TMP/model.Q8_0.gguf:Q8_0")
for t in BF16 Q4_0 Q4_1 Q5_0 Q5_1; do
  check "F16 -> $t" "$YAK" quantize "$F16" "$TMP/model.$t.gguf" "$t" -t 2
  pairs+=("$TMP/model.$t.gguf:$t")
done
check "Q8_0 BF16 Q4_0 Q4_1 Q5_0 Q5_1 bytes are the gguf package's" python3 "$CHECK" bytes "$F16" "${pairs[@]}"

check "F16 -> Q4_K_M (json)" "$YAK" quantize "$F16" "$TMP/model.Q4_K_M.gguf" Q4_K_M -t 2 --json
python3 - "$TMP/out" <<'PY' && pass "Q4_K_M summary: file type 15, llama.cpp's types" || fail "Q4_K_M summary"
import json, sys
s = json.load(open(sys.argv[1]))
types = {t["name"]: t["to"] for t in s["tensors"]}
assert s["file_type"] == 15 and s["type"] == "Q4_K_M", s["file_type"]
# SmolLM2: 30 layers, tied embeddings, rows of 576 (not a multiple of 256: K types fall back).
assert types["token_embd.weight"] == "Q8_0", types["token_embd.weight"]
assert types["blk.0.attn_v.weight"] == "Q8_0" and types["blk.4.attn_v.weight"] == "Q5_0"
assert types["blk.0.ffn_down.weight"] == "Q6_K" and types["blk.4.ffn_down.weight"] == "Q4_K"
assert types["blk.5.ffn_down.weight"] == "Q6_K" and types["blk.29.ffn_down.weight"] == "Q6_K"
assert types["output_norm.weight"] == "F32"
assert 5.5 < s["out_bits_per_weight"] < 6.5, s["out_bits_per_weight"]
PY
check "metadata carried over, file type 15" python3 "$CHECK" metadata "$F16" "$TMP/model.Q4_K_M.gguf" 15
check "the Q4_K_M file generates" "$YAK" run -m "$TMP/model.Q4_K_M.gguf" -p "The capital of France is" -n 8 -t 2
check "requantize Q4_1 -> Q6_K" "$YAK" quantize "$MODEL" "$TMP/model.Q6_K.gguf" Q6_K -t 2
grep -q "requantized" "$TMP/err" && pass "requantizing warns" || fail "requantizing warns"
check "the requantized file generates" "$YAK" run -m "$TMP/model.Q6_K.gguf" -p "Hello" -n 4 -t 2

expect_error "unknown type" "unknown quantization type 'Q9_X'" "$YAK" quantize "$MODEL" "$TMP/x.gguf" Q9_X
expect_error "same path" "is the input file" "$YAK" quantize "$MODEL" "$MODEL" Q8_0
expect_error "missing input" "missing.gguf" "$YAK" quantize "$TMP/missing.gguf" "$TMP/x.gguf" Q8_0
printf 'not a gguf file at all' > "$TMP/bad.gguf"
expect_error "not a GGUF file" "bad.gguf" "$YAK" quantize "$TMP/bad.gguf" "$TMP/x.gguf" Q8_0
expect_error "unwritable output" "cannot open for writing" "$YAK" quantize "$MODEL" "$TMP/no/such/dir/x.gguf" Q8_0
[ ! -e "$TMP/x.gguf" ] && [ ! -e "$TMP/x.gguf.part" ] && pass "no output left by a failure" || fail "no output left by a failure"
finish
