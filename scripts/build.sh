#!/usr/bin/env bash
# Configures and builds the project into build/. Incremental: a second run only relinks what changed.
# SHORTENER_BUILD_TESTS=ON (set by scripts/test.sh) also builds the test suite; without it the build needs only
# what `scripts/install-deps.sh run` installs. An existing build directory keeps its setting unless one is given.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${SHORTENER_BUILD_DIR:-build}"
# ccache: paths relative to the checkout and no working directory in the hash, so clones and several
# build directories share one cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cached_tests=""
if [ -f "$build_dir/CMakeCache.txt" ]; then
  cached_tests="$(sed -n 's/^SHORTENER_BUILD_TESTS:BOOL=//p' "$build_dir/CMakeCache.txt")"
fi
wanted_tests="${SHORTENER_BUILD_TESTS:-${cached_tests:-OFF}}"
if [ ! -f "$build_dir/build.ninja" ] || [ "$wanted_tests" != "$cached_tests" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" \
    -DSHORTENER_BUILD_TESTS="$wanted_tests" -DSHORTENER_WERROR="${SHORTENER_WERROR:-OFF}"
fi
# Two cores: two compile jobs. ccache (if installed) keeps rebuilds of unchanged files instant.
cmake --build "$build_dir" -- -j"$(nproc)"
# The web UI (frontend/out), rebuilt only when its sources changed (absent in the API image's build stage;
# SHORTENER_SKIP_FRONTEND=1 for a second build directory of the same checkout, as in scripts/check-run-build.sh).
if [ -z "${SHORTENER_SKIP_FRONTEND:-}" ] && [ -x scripts/build-frontend.sh ] && [ -f frontend/package-lock.json ]; then
  scripts/build-frontend.sh
fi
