#!/usr/bin/env bash
# `yak imatrix` and `yak quantize --imatrix`: both file formats, the summary, agreement with
# llama-imatrix on the same text (names, counts, values), each tool's matrix accepted by the
# other's quantizer, and bad inputs refused clearly. The llama.cpp checks need its binaries
# (bench/setup-peers.sh; $LLAMA_CPP_BIN overrides where) and say SKIP with the reason without.
# Usage: imatrix_test.sh PATH_TO_YAK SOURCE_DIR
set -u
YAK="$1"
SRC="$2"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COMPARE="$SRC/tools/compare_imatrix.py"
TEXT_SRC="$SRC/../shared/data/eval/wikitext-2/wiki.test.raw"
[ -f "$TEXT_SRC" ] || TEXT_SRC="/work/shared/data/eval/wikitext-2/wiki.test.raw"
LLAMA_BIN="${LLAMA_CPP_BIN:-$HOME/.cache/yak-peers/llama.cpp-build/bin}"

[ -f "$MODEL" ] || { echo "FAIL: model missing: $MODEL (run scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }
[ -f "$TEXT_SRC" ] || { echo "FAIL: wikitext-2 missing: $TEXT_SRC (run scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }
python3 -c 'import gguf, numpy' 2>/dev/null || { echo "FAIL: the gguf Python package is missing (scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }
head -c 30000 "$TEXT_SRC" >"$TMP/text.txt"
ARGS=(-f "$TMP/text.txt" -c 128 --chunks 3 -t 2)

check "yak imatrix -> GGUF (exact)" "$YAK" imatrix -m "$MODEL" "${ARGS[@]}" -o "$TMP/yak.gguf" --precision exact --json
python3 - "$TMP/out" <<'PY' && pass "summary: 3 windows of 128, 210 entries" || fail "summary"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["n_chunks"] == 3 and s["n_ctx"] == 128 and s["n_entries"] == 210, s
PY
grep -q "ETA" "$TMP/err" && pass "progress and ETA on stderr" || fail "progress and ETA on stderr"
check "yak imatrix -> legacy .dat" "$YAK" imatrix -m "$MODEL" "${ARGS[@]}" -o "$TMP/yak.dat" --precision exact
check "the .dat and the GGUF hold the same matrix" python3 "$COMPARE" "$TMP/yak.gguf" "$TMP/yak.dat" --rtol 1e-6 --first-rtol 1e-6
head -c 4 "$TMP/yak.gguf" | grep -q GGUF && ! head -c 4 "$TMP/yak.dat" | grep -q GGUF &&
  pass "the format follows the extension" || fail "the format follows the extension"

"$YAK" quantize "$MODEL" "$TMP/f16.gguf" F16 -t 2 >/dev/null 2>&1 || fail "dequantize to F16"
check "yak quantize --imatrix (own GGUF)" "$YAK" quantize "$TMP/f16.gguf" "$TMP/q4.gguf" Q4_0 --imatrix "$TMP/yak.gguf" -t 2
grep -q "210 tensors weighted, 0 without an entry" "$TMP/out" && pass "every block matrix weighted" || fail "every block matrix weighted"
python3 - "$TMP/q4.gguf" "$TMP/yak.gguf" <<'PY' && pass "quantize.imatrix.* metadata" || fail "quantize.imatrix.* metadata"
import sys, gguf
r = gguf.GGUFReader(sys.argv[1])
def val(k):
    f = r.fields[k]
    return f.contents() if hasattr(f, "contents") else f.parts[f.data[0]]
assert str(val("quantize.imatrix.file")) == sys.argv[2], val("quantize.imatrix.file")
assert int(val("quantize.imatrix.entries_count")) == 210
assert int(val("quantize.imatrix.chunks_count")) == 3
assert str(val("quantize.imatrix.dataset")).endswith("text.txt")
PY
check "the weighted Q4_0 file generates" "$YAK" run -m "$TMP/q4.gguf" -p "The capital of France is" -n 4 -t 2

if [ -x "$LLAMA_BIN/llama-imatrix" ] && [ -x "$LLAMA_BIN/llama-quantize" ]; then
  check "llama-imatrix on the same text" "$LLAMA_BIN/llama-imatrix" -m "$MODEL" "${ARGS[@]}" --no-ppl -o "$TMP/llama.gguf"
  check "llama-imatrix --output-format dat" "$LLAMA_BIN/llama-imatrix" -m "$MODEL" "${ARGS[@]}" --no-ppl --output-format dat -o "$TMP/llama.dat"
  check "same entries, counts; values within llama.cpp's 8-bit drift" python3 "$COMPARE" "$TMP/yak.gguf" "$TMP/llama.gguf"
  check "legacy files agree too" python3 "$COMPARE" "$TMP/yak.dat" "$TMP/llama.dat"
  trailer=$((8 + ${#TMP} + 9))  # i32 chunk count, i32 length, "$TMP/text.txt"
  cmp -s <(tail -c "$trailer" "$TMP/yak.dat") <(tail -c "$trailer" "$TMP/llama.dat") && pass "legacy trailer (chunks, dataset) byte-identical" || fail "legacy trailer (chunks, dataset) byte-identical"
  for f in llama.gguf llama.dat; do
    check "yak quantize --imatrix $f" "$YAK" quantize "$TMP/f16.gguf" "$TMP/q3.$f.gguf" Q3_K_S --imatrix "$TMP/$f" -t 2
  done
  for f in yak.gguf yak.dat; do
    check "llama-quantize --imatrix $f" "$LLAMA_BIN/llama-quantize" --imatrix "$TMP/$f" "$TMP/f16.gguf" "$TMP/lq.$f.gguf" Q4_0 2
    grep -q "loaded 210 importance matrix entries" "$TMP/out" && pass "llama-quantize loaded 210 entries of $f" || fail "llama-quantize loaded 210 entries of $f"
  done
else
  echo "SKIP comparison with llama-imatrix and llama-quantize: not built in $LLAMA_BIN (bench/setup-peers.sh)"
fi

expect_error "no text" "give it with -f" "$YAK" imatrix -m "$MODEL" -o "$TMP/x.gguf"
head -c 200 "$TEXT_SRC" >"$TMP/short.txt"
expect_error "text too short" "tokens" "$YAK" imatrix -m "$MODEL" -f "$TMP/short.txt" -o "$TMP/x.gguf"
printf 'not an importance matrix' >"$TMP/bad.dat"
expect_error "a corrupt matrix is named" "bad.dat" "$YAK" quantize "$TMP/f16.gguf" "$TMP/x.gguf" Q4_0 --imatrix "$TMP/bad.dat"
python3 - "$TMP/narrow.dat" <<'PY'
import struct, sys
name = b"blk.0.attn_q.weight"
open(sys.argv[1], "wb").write(struct.pack("<ii", 1, len(name)) + name + struct.pack("<ii", 1, 10) +
                              struct.pack("<10f", *([1.0] * 10)) + struct.pack("<ii", 1, 0))
PY
expect_error "a matrix of another model names the tensor" "blk.0.attn_q.weight" "$YAK" quantize "$TMP/f16.gguf" "$TMP/x.gguf" Q4_0 --imatrix "$TMP/narrow.dat"
[ ! -e "$TMP/x.gguf" ] && [ ! -e "$TMP/x.gguf.part" ] && pass "no output left by a failure" || fail "no output left by a failure"
finish
