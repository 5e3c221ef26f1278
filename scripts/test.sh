#!/usr/bin/env bash
# Installs what the tests need, builds, and runs the whole test suite:
#   1. release build: unit tests, fuzz-corpus replays, integration tests with real clients;
#   2. benchmark harness smoke: `bench/run --ci` with the release binaries, every scenario
#      against Postroom, Dovecot and Postfix (installs them), ~1.5 s per measurement; fails only
#      when the harness breaks, never on a figure (skip: POSTROOM_NO_BENCH=1);
#   3. ASan+UBSan build: unit tests and fuzz-corpus replays again (skip: POSTROOM_NO_ASAN=1).
# Run as root on Debian 12 (apt installs); exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export POSTROOM_WITH_TESTS=1
scripts/install-deps.sh
# npm clients for the integration tests (nodemailer), pinned by tests/integration/package-lock.json
if command -v npm >/dev/null 2>&1; then
  (cd tests/integration && npm ci --no-audit --no-fund --loglevel=error)
fi
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the checkout, so a clone in another folder reuses the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(pwd)}"
jobs="${POSTROOM_JOBS:-$(nproc)}"

cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

if [ "${POSTROOM_NO_BENCH:-0}" != 1 ]; then
  POSTROOM_BIN_DIR=build/release/src/bin python3 bench/run --ci --out build/release/bench-smoke
fi

if [ "${POSTROOM_NO_ASAN:-0}" != 1 ]; then
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan -j "$jobs"
fi
