#!/usr/bin/env bash
# Build llama.cpp's `llama-bench`, `llama-quantize`, `llama-server`, `llama-perplexity` and
# `llama-imatrix` for benchmarking Yak against it (bench/compare-cpu, bench/compare-serve,
# bench/compare-eval, tests/e2e/imatrix_test.sh) and for making Q4_K_M benchmark models
# (bench/make-models.sh).
#
# llama.cpp comes from PyPI's llama-cpp-python source package, which vendors it: the sdist is
# downloaded with pip (no other network source), unpacked and built with CMake (Release,
# GGML_NATIVE=ON, CPU only; no libcurl, OpenSSL or web UI, so neither the build nor
# llama-server downloads anything) in a cache
# folder outside the repository. Safe to run again: a finished build of all the binaries is
# reused; a build from an older version of this script that lacks one is completed.
#
# Usage: bench/setup-peers.sh [-j JOBS]
#   -j JOBS   parallel compile jobs (default: number of cores)
# Environment:
#   YAK_PEERS_DIR   where to build (default: $HOME/.cache/yak-peers)
#   PYTHON          interpreter whose pip downloads the sdist (default: python3)
# Prints the paths of the binaries at the end.
set -euo pipefail

VERSION="0.3.36"
PEERS="${YAK_PEERS_DIR:-$HOME/.cache/yak-peers}"
PY="${PYTHON:-python3}"
JOBS="$(nproc)"

log() { printf '[setup-peers] %s\n' "$*"; }
die() { printf '[setup-peers] ERROR: %s\n' "$*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    -j) [[ $# -ge 2 ]] || die "-j needs a number"; JOBS="$2"; shift 2 ;;
    -j*) JOBS="${1#-j}"; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "-j wants a positive number, got '$JOBS'"
command -v cmake >/dev/null || die "cmake is not installed"

TARGETS=(llama-bench llama-quantize llama-server llama-perplexity llama-imatrix)
SRC="$PEERS/llama-cpp-python-$VERSION"
BUILD="$PEERS/llama.cpp-build"
BIN="$BUILD/bin"
STAMP="$BUILD/.yak-done-$VERSION"
mkdir -p "$PEERS"

# The stamp lists the targets its build produced, so adding a target here rebuilds.
built_all() {
  [[ -f "$STAMP" && "$(cat "$STAMP")" == "${TARGETS[*]}" ]] || return 1
  local b
  for b in "${TARGETS[@]}"; do [[ -x "$BIN/$b" ]] || return 1; done
}

if built_all; then
  log "llama.cpp (llama-cpp-python $VERSION) already built"
else
  if [[ ! -d "$SRC/vendor/llama.cpp" ]]; then
    dl="$PEERS/download"
    mkdir -p "$dl"
    if ! compgen -G "$dl/llama_cpp_python-$VERSION.tar.gz" >/dev/null; then
      log "downloading llama-cpp-python==$VERSION source package from PyPI"
      "$PY" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
        -d "$dl" "llama-cpp-python==$VERSION"
    fi
    tarball="$(compgen -G "$dl/llama_cpp_python-$VERSION.tar.gz" | head -n1)"
    [[ -n "$tarball" ]] || die "pip did not produce llama_cpp_python-$VERSION.tar.gz in $dl"
    log "unpacking $(basename "$tarball")"
    tar -xzf "$tarball" -C "$PEERS"
    [[ -d "$PEERS/llama_cpp_python-$VERSION" ]] && rm -rf "$SRC" \
      && mv "$PEERS/llama_cpp_python-$VERSION" "$SRC"
    [[ -f "$SRC/vendor/llama.cpp/CMakeLists.txt" ]] \
      || die "the sdist has no vendor/llama.cpp/CMakeLists.txt"
  fi
  log "configuring llama.cpp in $BUILD"
  cmake -S "$SRC/vendor/llama.cpp" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DGGML_NATIVE=ON -DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF \
    -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON -DBUILD_SHARED_LIBS=OFF \
    -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF \
    -DCMAKE_RUNTIME_OUTPUT_DIRECTORY="$BIN" >"$PEERS/cmake-configure.log" 2>&1 \
    || die "cmake configure failed; see $PEERS/cmake-configure.log"
  log "building ${TARGETS[*]} with -j$JOBS (this takes a while)"
  rm -f "$STAMP"
  cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]}" \
    >"$PEERS/cmake-build.log" 2>&1 || die "build failed; see $PEERS/cmake-build.log"
  for b in "${TARGETS[@]}"; do
    [[ -x "$BIN/$b" ]] || die "the build finished but $BIN/$b is missing"
  done
  printf '%s' "${TARGETS[*]}" >"$STAMP"
fi

log "llama-bench:    $BIN/llama-bench"
log "llama-quantize: $BIN/llama-quantize"
log "llama-server:   $BIN/llama-server"
log "llama-perplexity: $BIN/llama-perplexity"
log "llama-imatrix:  $BIN/llama-imatrix"
