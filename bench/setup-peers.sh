#!/usr/bin/env bash
# Build llama.cpp's `llama-bench` and `llama-quantize` for benchmarking Yak against it
# (bench/compare-cpu) and for making Q4_K_M benchmark models (bench/make-models.sh).
#
# llama.cpp comes from PyPI's llama-cpp-python source package, which vendors it: the sdist is
# downloaded with pip (no other network source), unpacked and built with CMake (Release,
# GGML_NATIVE=ON, CPU only) in a cache folder outside the repository. Safe to run again: a
# finished build is reused.
#
# Usage: bench/setup-peers.sh [-j JOBS]
#   -j JOBS   parallel compile jobs (default: number of cores)
# Environment:
#   YAK_PEERS_DIR   where to build (default: $HOME/.cache/yak-peers)
#   PYTHON          interpreter whose pip downloads the sdist (default: python3)
# Prints the paths of the two binaries at the end.
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

SRC="$PEERS/llama-cpp-python-$VERSION"
BUILD="$PEERS/llama.cpp-build"
BIN="$BUILD/bin"
mkdir -p "$PEERS"

if [[ -x "$BIN/llama-bench" && -x "$BIN/llama-quantize" && -f "$BUILD/.yak-done-$VERSION" ]]; then
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
    -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=ON -DBUILD_SHARED_LIBS=OFF \
    -DCMAKE_RUNTIME_OUTPUT_DIRECTORY="$BIN" >"$PEERS/cmake-configure.log" 2>&1 \
    || die "cmake configure failed; see $PEERS/cmake-configure.log"
  log "building llama-bench and llama-quantize with -j$JOBS (this takes a while)"
  cmake --build "$BUILD" -j "$JOBS" --target llama-bench llama-quantize \
    >"$PEERS/cmake-build.log" 2>&1 || die "build failed; see $PEERS/cmake-build.log"
  for b in llama-bench llama-quantize; do
    [[ -x "$BIN/$b" ]] || die "the build finished but $BIN/$b is missing"
  done
  touch "$BUILD/.yak-done-$VERSION"
fi

log "llama-bench:    $BIN/llama-bench"
log "llama-quantize: $BIN/llama-quantize"
