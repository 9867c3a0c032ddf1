#!/usr/bin/env bash
# The README's first command must build with what `scripts/install-deps.sh run` installs (issue #12). This check
# configures and builds the product the way scripts/run.sh does (scripts/build.sh, tests off) in a fresh build
# directory, inside a private mount namespace in which the test-only packages' headers, CMake packages and
# pkg-config files are hidden (bind mounts of an empty directory and /dev/null). A configure or build that reaches
# for GoogleTest, Google Benchmark or ZBar fails here; then `build/shortener --help` must run.
# ctest label `build` (needs root or unprivileged user namespaces; skipped with 77 otherwise, except under CI).
set -euo pipefail
cd "$(dirname "$0")/.."

hidden_dirs=(/usr/lib/x86_64-linux-gnu/cmake/GTest /usr/lib/x86_64-linux-gnu/cmake/benchmark /usr/include/gtest
  /usr/include/gmock /usr/include/benchmark /usr/include/zbar /usr/src/googletest)
hidden_files=(/usr/lib/x86_64-linux-gnu/pkgconfig/zbar.pc /usr/include/zbar.h /usr/lib/x86_64-linux-gnu/pkgconfig/gtest.pc
  /usr/lib/x86_64-linux-gnu/pkgconfig/gtest_main.pc /usr/lib/x86_64-linux-gnu/pkgconfig/gmock.pc
  /usr/lib/x86_64-linux-gnu/pkgconfig/benchmark.pc)

# The build directory is inside the checkout (git-ignored) and as deep as build/, so that ccache's paths, made
# relative to the compiler's working directory (`-I../src`), match the test build's and its objects are reused: the
# check costs a configure and a link, not a second full build. Its log and the empty directory live elsewhere.
build="$PWD/build-run-check"
work="$(mktemp -d /tmp/check-run-build.XXXXXX)"
rm -rf "$build"
mkdir -p "$work/empty"
trap 'rm -rf "$work" "$build"' EXIT
mounts="mount --make-rprivate /"
for d in "${hidden_dirs[@]}"; do [ -d "$d" ] && mounts+=" && mount --bind '$work/empty' '$d'"; done
for f in "${hidden_files[@]}"; do [ -e "$f" ] && mounts+=" && mount --bind /dev/null '$f'"; done

if ! unshare -m true 2>/dev/null; then
  echo "check-run-build: cannot make a mount namespace here (needs root)" >&2
  if [ -n "${CI:-}" ]; then exit 1; fi
  exit 77
fi

# The proof that the namespace hides them: a test-only header must be gone inside it.
probe="test ! -e /usr/include/gtest/gtest.h && ! pkg-config --exists zbar"
# SHORTENER_BUILD_TESTS unset, as in scripts/run.sh: a new build directory is configured with the tests off.
# -Werror as in the test build (same flags, so ccache hits); it changes nothing about which packages are needed.
unshare -m bash -c "$mounts && $probe && env -u SHORTENER_BUILD_TESTS SHORTENER_BUILD_DIR='$build' \
  SHORTENER_SKIP_FRONTEND=1 SHORTENER_WERROR=ON scripts/build.sh" >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log"
  echo "check-run-build: building the product without the test-only packages failed" >&2
  exit 1
}
grep -q '^SHORTENER_BUILD_TESTS:BOOL=OFF' "$build/CMakeCache.txt"
"$build/shortener" --help >/dev/null
echo "check-run-build: the product configures and builds with the test-only packages hidden (${#hidden_dirs[@]} dirs, ${#hidden_files[@]} files checked)"
