#!/usr/bin/env bash
# Configure and build Yak: build/ (Release) or, with --asan, build-asan/ (ASan + UBSan).
#
# Usage: scripts/build.sh [--asan] [--debug] [cmake --build options, e.g. --target yak_unit_tests]
# Environment: JOBS (default: number of CPUs), CMAKE_ARGS (extra configure options).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$REPO/build"
build_type=Release
configure=(-DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
build_args=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --asan) build_dir="$REPO/build-asan"; build_type=RelWithDebInfo
            configure+=(-DYAK_SANITIZE=ON) ;;
    --debug) build_type=Debug; [[ "$build_dir" == "$REPO/build" ]] && build_dir="$REPO/build-debug" ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) build_args+=("$1") ;;
  esac
  shift
done
[[ "$build_dir" == "$REPO/build-asan" && "$build_type" == Debug ]] && build_dir="$REPO/build-asan-debug"

# The generator of an existing build folder cannot change; only choose one for a new folder.
if [[ ! -f "$build_dir/CMakeCache.txt" ]] && command -v ninja >/dev/null; then
  configure+=(-G Ninja)
fi
if command -v ccache >/dev/null; then
  configure+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# shellcheck disable=SC2206  # CMAKE_ARGS is a word list on purpose
configure+=(${CMAKE_ARGS:-})

echo "[build] configuring $build_dir ($build_type)"
cmake -S "$REPO" -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" "${configure[@]}"
echo "[build] building with ${JOBS:-$(nproc)} jobs"
cmake --build "$build_dir" -j "${JOBS:-$(nproc)}" "${build_args[@]}"
echo "[build] done: $build_dir"
