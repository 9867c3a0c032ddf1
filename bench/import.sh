#!/usr/bin/env bash
# bench/import.sh — `shortener import` of a generated 100,000-row CSV (issue #15: under a minute). Not a test.
#
#   bench/import.sh                        # SQLite (embedded mode) in a fresh temporary data dir
#   TARGETS="sqlite postgres" bench/import.sh   # also PostgreSQL (a private server from scripts/test-services.sh)
#
# Environment: SHORTENER_BIN (default build/shortener), ROWS (default 100000), TARGETS (default sqlite).
# Each target is imported twice: the first run creates every link, the second skips every one (idempotent re-run).
# Rows: a custom slug, a URL, two tags and a created_at each; one row in ten has no slug (a generated one).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SHORTENER_BIN:-build/shortener}
ROWS=${ROWS:-100000}
[ -x "$BIN" ] || { echo "import.sh: $BIN missing (scripts/build.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk -v n="$ROWS" 'BEGIN {
  print "url,slug,domain,title,tags,created_at,expires_at,max_clicks,password"
  for (i = 1; i <= n; i++) {
    slug = (i % 10 == 0) ? "" : sprintf("bench-%07d", i)
    printf "https://example.com/articles/%d?utm_source=import,%s,,\"Article %d, part %d\",bench|batch-%d,2024-01-01T00:00:00Z,,,\n", i, slug, i, i % 7, i % 50
  }
}' > "$work/links.csv"
echo "import.sh: $ROWS rows, $(du -h "$work/links.csv" | cut -f1) CSV; $(nproc) cores; $(date -u +%FT%TZ)"

run() {  # label, then the settings that pick the database
  local label=$1; shift
  for pass in first re-run; do
    local start end
    start=$(date +%s.%N)
    SHORTENER_LOG_LEVEL=warn "$BIN" import --format csv "$work/links.csv" "$@" >"$work/out.txt" 2>/dev/null || true
    end=$(date +%s.%N)
    printf '%-10s %-7s %6.1f s  %s\n' "$label" "$pass" "$(echo "$end - $start" | bc)" "$(head -1 "$work/out.txt")"
  done
}

for target in ${TARGETS:-sqlite}; do
  case $target in
    sqlite) run sqlite --data-dir "$work/data" ;;
    postgres)
      # shellcheck source=scripts/test-services.sh
      source scripts/test-services.sh
      start_test_services
      trap 'stop_test_services; rm -rf "$work"' EXIT
      run postgres --database-url "$SHORTENER_TEST_PG_DSN" ;;
    *) echo "import.sh: unknown target $target" >&2; exit 2 ;;
  esac
done
