#!/usr/bin/env bash
# clang-tidy with the repository's .clang-tidy over every translation unit of src/ (issue #13), using the
# compile commands of a configured build directory (default build/). Every finding is an error.
#   scripts/check-tidy.sh [BUILD_DIR] [FILE-REGEX]
# ctest runs it as `tidy_check` (label lint); run-clang-tidy runs one clang-tidy per core.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build}"
regex="${2:-^$PWD/src/.*\.cpp\$}"
[ -f "$build_dir/compile_commands.json" ] || { echo "check-tidy: $build_dir/compile_commands.json missing" >&2; exit 1; }
runner="$(command -v run-clang-tidy || command -v run-clang-tidy-14 || true)"
[ -n "$runner" ] || { echo "check-tidy: run-clang-tidy not found (scripts/install-deps.sh test)" >&2; exit 1; }
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
started=$(date +%s)
status=0
"$runner" -p "$build_dir" -quiet -j "$(nproc)" "$regex" >"$log" 2>&1 || status=$?
# Keep the findings, drop the per-file command lines and the "N warnings generated" counts.
grep -E '(warning|error): ' "$log" | sort -u || true
files=$(grep -c '^clang-tidy' "$log" || true)
if [ "$status" -ne 0 ] || grep -qE '(warning|error): ' "$log"; then
  echo "check-tidy: findings above ($files files, $(($(date +%s) - started)) s)" >&2
  exit 1
fi
echo "check-tidy: $files files clean in $(($(date +%s) - started)) s"
