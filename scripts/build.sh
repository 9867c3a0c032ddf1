#!/usr/bin/env bash
# Configures (once) and builds the project into build/. Incremental: a second run only relinks what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${SHORTENER_BUILD_DIR:-build}"
# ccache: paths relative to the checkout and no working directory in the hash, so clones and several
# build directories share one cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}"
fi
# Two cores: two compile jobs. ccache (if installed) keeps rebuilds of unchanged files instant.
cmake --build "$build_dir" -- -j"$(nproc)"
# The web UI (frontend/out), rebuilt only when its sources changed (absent in the API image's build stage).
if [ -x scripts/build-frontend.sh ] && [ -f frontend/package-lock.json ]; then
  scripts/build-frontend.sh
fi
