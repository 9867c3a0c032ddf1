#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang into build-fuzz/ (SHORTENER_FUZZ=ON: ASan + UBSan +
# coverage on every library they use) and runs each for a bounded time, starting from its committed corpus
# in tests/fuzz/corpus/<target>/. Fails on any crash, leak, undefined behaviour, hang or violated invariant,
# and prints the input that reproduces it.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   # SECONDS per target (default 30); targets: url_policy slug
#                                           # links_json http_request import_formats tls_names
#                                           # (default: all)
#   scripts/fuzz.sh --merge TARGET          # after a long run: fold the new inputs that add coverage into
#                                           # the committed corpus (keep it small: review before committing)
#
# Reproduce a finding: build-fuzz/fuzz/<target>_fuzzer <file>. Exit status 77 (skipped) when clang or its
# libFuzzer runtime is missing, except under CI, where that is a failure (scripts/install-deps.sh test
# installs clang-14 and libclang-rt-14-dev).
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(url_policy slug links_json http_request import_formats tls_names)
build_dir="${SHORTENER_FUZZ_BUILD_DIR:-build-fuzz}"

merge=""
if [ "${1:-}" = "--merge" ]; then
  merge="${2:?usage: $0 --merge TARGET}"
  set -- 0 "$merge"
fi
seconds="${1:-30}"
if [ $# -gt 0 ]; then shift; fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=("${all_targets[@]}"); fi

skip() {
  echo "fuzz: $*" >&2
  if [ -n "${CI:-}" ]; then exit 1; fi
  exit 77
}
clang="${SHORTENER_FUZZ_CXX:-$(command -v clang++-14 || command -v clang++ || true)}"
[ -n "$clang" ] || skip "clang++ not found (scripts/install-deps.sh test installs clang-14)"
fuzzer_rt="$("$clang" -print-file-name=libclang_rt.fuzzer-x86_64.a)"
[ -f "$fuzzer_rt" ] || skip "libFuzzer runtime missing for $clang (install libclang-rt-14-dev)"

export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$clang" \
    -DSHORTENER_FUZZ=ON -DSHORTENER_BUILD_TESTS=OFF >/dev/null
fi
build_targets=()
for t in "${targets[@]}"; do build_targets+=("${t}_fuzzer"); done
started=$(date +%s)
cmake --build "$build_dir" --target "${build_targets[@]}" -- -j"$(nproc)"
echo "fuzz: built ${build_targets[*]} in $(( $(date +%s) - started )) s" >&2

if [ -n "$merge" ]; then
  work="$build_dir/fuzz/corpus-$merge"
  [ -d "$work" ] || { echo "fuzz: nothing to merge ($work missing)" >&2; exit 1; }
  # Edges only (no hit counts): an input is kept only if it reaches code nothing committed reaches.
  "$build_dir/fuzz/${merge}_fuzzer" -merge=1 -use_counters=0 "tests/fuzz/corpus/$merge" "$work"
  echo "fuzz: tests/fuzz/corpus/$merge now holds $(find "tests/fuzz/corpus/$merge" -type f | wc -l) files" >&2
  exit 0
fi

# Per target: the longest input tried.
declare -A max_len=([url_policy]=4200 [slug]=128 [links_json]=4096 [http_request]=4096 [import_formats]=4096 [tls_names]=600)
failed=()
for t in "${targets[@]}"; do
  [ -d "tests/fuzz/corpus/$t" ] || { echo "fuzz: unknown target $t" >&2; exit 2; }
  work="$build_dir/fuzz/corpus-$t"           # inputs found by this machine's runs (not committed)
  artifacts="$build_dir/fuzz/artifacts/$t/"  # crash-*, leak-*, timeout-*, oom-*
  log="$build_dir/fuzz/$t.log"
  mkdir -p "$work" "$artifacts"
  rm -f "$artifacts"*
  echo "fuzz: $t for ${seconds} s" >&2
  dict=()
  if [ -f "tests/fuzz/$t.dict" ]; then dict=(-dict="tests/fuzz/$t.dict"); fi
  status=0
  "$build_dir/fuzz/${t}_fuzzer" "${dict[@]}" -max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=20 \
    -rss_limit_mb=3072 -print_final_stats=1 -artifact_prefix="$artifacts" \
    "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^#[0-9]+ +DONE' "$log" | sed "s/^/fuzz: $t: /" >&2 || true
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $status); last lines of $log:" >&2
    grep -E 'ERROR|SUMMARY|invariant violated|runtime error|Test unit written' "$log" | head -20 >&2 || tail -40 "$log" >&2
    for f in "$artifacts"*; do
      [ -f "$f" ] && echo "fuzz: reproduce with: $build_dir/fuzz/${t}_fuzzer $f" >&2
    done
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no findings in ${targets[*]} (${seconds} s each)" >&2
