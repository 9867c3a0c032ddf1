#!/usr/bin/env bash
# Every C++ file of the tree is formatted with the repository's .clang-format (clang-format 14, from
# `scripts/install-deps.sh test`). Prints the files that are not and exits 1; `scripts/check-format.sh --fix`
# formats them in place. ctest runs the check as `format_check` (label lint).
set -euo pipefail
cd "$(dirname "$0")/.."

files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files -- 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'bench/*.cpp' 'bench/*.hpp')
else
  mapfile -t files < <(find src tests bench -name '*.cpp' -o -name '*.hpp' | sort)
fi
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  printf 'not clang-formatted: %s\n' "${bad[@]}" >&2
  echo "check-format: ${#bad[@]} of ${#files[@]} files differ; run scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
