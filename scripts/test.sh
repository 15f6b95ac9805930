#!/usr/bin/env bash
# Install, build and run every test: unit tests and end-to-end CLI tests (through CTest), and the
# tests of the Python tools and of bench/serve. Safe to run again; set-up and build steps already
# done are skipped.
#
# Usage: scripts/test.sh [--asan] [ctest options, e.g. -R Gguf]
#   --asan   build with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) and run there
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
build_dir="$REPO/build"
build_flags=()
ctest_args=()
for arg in "$@"; do
  case "$arg" in
    --asan) build_dir="$REPO/build-asan"; build_flags+=(--asan) ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) ctest_args+=("$arg") ;;
  esac
done

"$REPO/scripts/setup.sh"
"$REPO/scripts/build.sh" "${build_flags[@]}"

echo "[test] Python tool tests"
"$PY" -m unittest discover -s "$REPO/tools/tests" 2>&1 | tail -4
echo "[test] compare-serve's load generator and prompt sets (bench/serve)"
"$PY" -m unittest discover -s "$REPO/bench/serve" 2>&1 | tail -4

echo "[test] unit and end-to-end tests"
export YAK_SHARED_DIR="${YAK_SHARED_DIR:-$REPO/../shared}"
# Sanitizer reports must fail the run, not just print.
# A 64 MiB quarantine (ASan's default is 256) still catches use-after-free of recent memory
# and lets the tests that bound a render's memory measure the render, not the quarantine.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:quarantine_size_mb=64}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 1200 "${ctest_args[@]}"
