#!/usr/bin/env bash
# Analytics benchmarks (issue #5), embedded mode, results in docs/benchmarks.md:
#  1. click-to-event latency at an SSE subscriber under RATE redirects/s (default 5000) for SECONDS (10);
#  2. stats latency for a link with ~10 million clicks over 90 days (rollup rows generated in SQL);
#  3. memory per idle SSE connection with IDLE (10000) connections.
# Usage: SHORTENER_BIN=build/shortener bench/analytics.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${SHORTENER_BIN:-build/shortener}"
rate="${RATE:-5000}"; seconds="${SECONDS_LOAD:-10}"; idle="${IDLE:-10000}"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true  # 10,000 SSE connections need as many descriptors (each side)
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
SHORTENER_DATA_DIR="$dir" SHORTENER_LISTEN="127.0.0.1:$port" SHORTENER_MAX_CONNECTIONS=$((idle + 1000)) \
  SHORTENER_LOG_LEVEL=warn "$bin" serve 2>"$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
mk() { curl -sf -XPOST "$base/api/v1/links" -H 'content-type: application/json' -d "{\"url\":\"https://example.com/$1\",\"slug\":\"$1\"}" >/dev/null; }
mk benchlive; mk benchstats; mk benchidle

echo "== click-to-event latency, $rate redirects/s for $seconds s"
node bench/analytics-load.mjs latency "$base" benchlive "$rate" "$seconds"

echo "== stats latency, ~10M clicks over 90 days"
db="$dir/shortener.db"
id=$(sqlite3 "$db" "SELECT id FROM links WHERE slug = 'benchstats'")
now_ms=$(( $(date +%s) * 1000 ))
start=$(( (now_ms / 86400000 - 90) * 86400000 ))
sqlite3 "$db" <<SQL
PRAGMA busy_timeout = 10000;
BEGIN;
WITH RECURSIVE q(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM q WHERE i < 90 * 96 - 1)
INSERT INTO link_clicks_quarter SELECT $id, $start + i * 900000, 1155, 1050, 105 FROM q;
WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < 89)
INSERT INTO link_clicks_day SELECT $id, $start + i * 86400000, 110880, 100800, 10080, 5000, 4500 FROM d;
WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < 89),
     v(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM v WHERE j < 49),
     facets(name) AS (VALUES ('geo'), ('agent'), ('referrer'), ('language'))
INSERT INTO link_dimension_day SELECT $id, name, $start + i * 86400000,
  CASE name WHEN 'geo' THEN 'C' || j || char(31) || 'region' || j || char(31) || 'city' || j
            WHEN 'agent' THEN 'browser' || j || char(31) || 'os' || j || char(31) || 'device' || j
            WHEN 'referrer' THEN 'host' || j || '.example class' || (j % 5) ELSE 'lang' || j END,
  2217, 2016, 201 FROM d, v, facets;
UPDATE links SET clicks = 90 * 110880 WHERE id = $id;
COMMIT;
SQL
from=$(date -u -d "@$((start / 1000))" +%Y-%m-%dT%H:%M:%SZ)
to=$(date -u -d "@$((start / 1000 + 90 * 86400))" +%Y-%m-%dT%H:%M:%SZ)
for q in "interval=day&tz=UTC" "interval=hour&tz=Europe/Berlin" "interval=day&tz=Asia/Kolkata" \
         "interval=week&tz=America/New_York&bots=include" "interval=day&tz=Australia/Lord_Howe"; do
  node bench/analytics-load.mjs stats "$base" "/api/v1/links/benchstats/stats?from=$from&to=$to&$q" 300
done

echo "== memory per idle SSE connection ($idle connections)"
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
before=$(rss)
coproc IDLE { node bench/analytics-load.mjs idle "$port" benchidle "$idle"; }
read -r line <&"${IDLE[0]}"
sleep 1
after=$(rss)
echo "$line"
echo "{\"rss_before_kib\": $before, \"rss_after_kib\": $after, \"bytes_per_connection\": $(( (after - before) * 1024 / idle ))}"
eval "exec ${IDLE[1]}>&-"
wait "$IDLE_PID" 2>/dev/null || true
