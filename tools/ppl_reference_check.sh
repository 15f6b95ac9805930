#!/usr/bin/env bash
# Perplexity of one GGUF file by Yak (fast and exact), llama-perplexity and, with --hf,
# transformers (tools/ppl_transformers.py), on the same windows; then, with --bisect, the
# same for copies with the K-type tensors, the other quantized tensors, or all of them
# dequantized to F32 (tools/gguf_dequantize_tensors.py), and each engine's mean KLD against
# its own float run of the same weights. docs/eval-references.md has the figures.
#
# Usage: tools/ppl_reference_check.sh FILE.gguf [--chunks 6] [--hf] [--bisect] [--work DIR]
# Needs build/bin/yak and llama.cpp's tools in $LLAMA_BIN (default
# ~/.cache/yak-peers/llama.cpp-build/bin); --hf needs torch and transformers.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
YAK="${YAK:-$REPO/build/bin/yak}"
LLAMA_BIN="${LLAMA_BIN:-$HOME/.cache/yak-peers/llama.cpp-build/bin}"
TEXT="${TEXT:-$REPO/../shared/data/eval/wikitext-2/wiki.test.raw}"
THREADS="${THREADS:-2}"

model="" chunks=6 hf=0 bisect=0 work="${TMPDIR:-/tmp}/yak-ppl-reference"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --chunks) chunks="$2"; shift ;;
    --hf) hf=1 ;;
    --bisect) bisect=1 ;;
    --work) work="$2"; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) model="$1" ;;
  esac
  shift
done
[[ -f "$model" ]] || { echo "ppl_reference_check: no model file '$model'" >&2; exit 1; }
[[ -x "$YAK" ]] || { echo "ppl_reference_check: no yak binary at $YAK" >&2; exit 1; }
[[ -x "$LLAMA_BIN/llama-perplexity" ]] || {
  echo "ppl_reference_check: no llama-perplexity in $LLAMA_BIN" >&2; exit 1; }
mkdir -p "$work"
window_args=(-c 512 -b 512 -t "$THREADS" --chunks "$chunks")

json_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }

# Prints one line: the file's perplexity by each engine and each one's offset from Yak exact.
perplexities() {
  local file="$1" name
  name="$(basename "$file" .gguf)"
  "$YAK" eval perplexity -m "$file" -f "$TEXT" "${window_args[@]}" --precision fast --json \
    2>/dev/null >"$work/$name.fast.json"
  "$YAK" eval perplexity -m "$file" -f "$TEXT" "${window_args[@]}" --precision exact --json \
    2>/dev/null >"$work/$name.exact.json"
  "$LLAMA_BIN/llama-perplexity" -m "$file" -f "$TEXT" "${window_args[@]}" \
    >"$work/$name.llama.log" 2>&1
  local fast exact llama hf_ppl=""
  fast="$(json_field "$work/$name.fast.json" "['ppl']")"
  exact="$(json_field "$work/$name.exact.json" "['ppl']")"
  llama="$(grep -o 'Final estimate: PPL = [0-9.]*' "$work/$name.llama.log" | awk '{print $NF}')"
  if [[ $hf -eq 1 ]]; then
    python3 "$REPO/tools/ppl_transformers.py" -m "$file" -f "$TEXT" -c 512 --chunks "$chunks" \
      -t "$THREADS" --json 2>/dev/null >"$work/$name.hf.json"
    hf_ppl="$(json_field "$work/$name.hf.json" "['ppl']")"
  fi
  python3 - "$name" "$exact" "$fast" "$llama" "$hf_ppl" <<'EOF'
import sys
name, exact, fast, llama = sys.argv[1], *map(float, sys.argv[2:5])
rel = lambda x: f"{100 * (x / exact - 1):+.3f}%"
line = f"{name:28} yak exact {exact:.4f}  yak fast {fast:.4f} ({rel(fast)})  " \
       f"llama {llama:.4f} ({rel(llama)})  llama/fast {100 * (llama / fast - 1):+.3f}%"
if sys.argv[5]:
    line += f"  transformers {float(sys.argv[5]):.4f} ({rel(float(sys.argv[5]))})"
print(line)
EOF
}

perplexities "$model"
[[ $bisect -eq 1 ]] || exit 0

base="$(basename "$model" .gguf)"
dequant="$REPO/tools/gguf_dequantize_tensors.py"
k_types=Q2_K,Q3_K,Q4_K,Q5_K,Q6_K
python3 "$dequant" "$model" "$work/$base-f32.gguf"
python3 "$dequant" "$model" "$work/$base-noK.gguf" --types "$k_types"
python3 "$dequant" "$model" "$work/$base-onlyK.gguf" --types "$k_types" --invert
for variant in f32 noK onlyK; do perplexities "$work/$base-$variant.gguf"; done

# Mean KLD of each engine's quantized activations against its float run of the same weights.
"$LLAMA_BIN/llama-perplexity" -m "$work/$base-f32.gguf" -f "$TEXT" "${window_args[@]}" \
  --kl-divergence-base "$work/$base.llama-base.bin" >"$work/$base.llama-base.log" 2>&1
"$YAK" eval kld -m "$model" --base "$model" --base-precision exact --precision fast -f "$TEXT" \
  --base-logits "$work/$base.yak-base.bin" "${window_args[@]}" --json \
  2>/dev/null >"$work/$base.kld.json"
for file in "$model" "$work/$base-noK.gguf" "$work/$base-onlyK.gguf"; do
  name="$(basename "$file" .gguf)"
  "$LLAMA_BIN/llama-perplexity" -m "$file" "${window_args[@]}" --kl-divergence \
    --kl-divergence-base "$work/$base.llama-base.bin" >"$work/$name.llama-kld.log" 2>&1
  [[ "$file" == "$model" ]] || "$YAK" eval kld -m "$file" --base-logits "$work/$base.yak-base.bin" \
    --precision fast -b 512 -t "$THREADS" --json 2>/dev/null >"$work/$name.kld.json"
  llama_kld="$(grep -E 'Mean +KLD' "$work/$name.llama-kld.log" | awk '{print $3, $4, $5}')"
  yak_kld="$(json_field "$work/$name.kld.json" "['kld']['mean']")"
  printf '%-28s mean KLD vs float: llama %s  yak fast %.6f\n' "$name" "$llama_kld" "$yak_kld"
done
