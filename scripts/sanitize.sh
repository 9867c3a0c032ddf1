#!/usr/bin/env bash
# The sanitizer tiers (issue #13), each in a build directory of its own with the test suite on:
#
#   scripts/sanitize.sh asan [CTEST-ARGS…]  # ASan + UBSan (build-asan/): unit, store (pg, redis) and e2e tests
#   scripts/sanitize.sh tsan                # ThreadSanitizer (build-tsan/): the test programs of the code that runs
#                                           # threads (sharded cache, live hub, limiter, click queues, click worker)
#
# Any finding fails the test that hit it (halt_on_error / exitcode). The test servers come from the caller's
# environment. scripts/test.sh runs the tsan tier as the ctest entry `tsan` (label sanitize); the asan tier is run by
# hand for now (its e2e pass does not yet fit the test command's time budget next to everything else).
set -euo pipefail
cd "$(dirname "$0")/.."

tier="${1:?usage: $0 asan|tsan [ctest args]}"
shift
case "$tier" in
  asan) sanitize=address labels='unit|pg|redis|e2e' targets=(all) ;;
  tsan) sanitize=thread labels='' targets=(cache_test live_test http_test queue_test queue_redistest app_test) ;;
  *) echo "usage: $0 asan|tsan [ctest args]" >&2; exit 2 ;;
esac
build_dir="${SHORTENER_SANITIZE_BUILD_DIR:-build-$tier}"

export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHORTENER_BUILD_TESTS=ON \
    -DSHORTENER_SANITIZE="$sanitize" >/dev/null
fi
started=$(date +%s)
cmake --build "$build_dir" --target "${targets[@]}" -- -j"$(nproc)"
echo "sanitize: $tier built in $(($(date +%s) - started)) s" >&2

# Leaks are reported at exit (detect_leaks); UBSan findings abort (-fno-sanitize-recover); TSan fails the run.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/support/tsan.supp"
cd "$build_dir"
if [ -n "$labels" ]; then
  exec ctest --output-on-failure --timeout 900 -L "$labels" "$@"
fi
failed=()
for t in "${targets[@]}"; do
  echo "sanitize: tsan: $t" >&2
  "tests/$t" --gtest_brief=1 || failed+=("$t")
done
if ((${#failed[@]})); then
  echo "sanitize: tsan failed: ${failed[*]}" >&2
  exit 1
fi
echo "sanitize: tsan: ${#targets[@]} test programs clean"
