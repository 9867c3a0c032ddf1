#!/usr/bin/env bash
# Analytics benchmarks in distributed mode (issue #5): PostgreSQL + Redis on loopback (scripts/test-services.sh),
# two API replicas and one worker. Click-to-event latency at an SSE subscriber on replica B while RATE
# redirects/s go to replica A (worker -> Redis pub/sub -> B), and stats latency for a link with ~10 million
# clicks over 90 days (rollup rows generated in SQL). Results in docs/benchmarks.md.
# Usage: SHORTENER_BIN=build/shortener bench/analytics-distributed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${SHORTENER_BIN:-build/shortener}"
rate="${RATE:-5000}"; seconds="${SECONDS_LOAD:-10}"
source scripts/test-services.sh
start_test_services
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; stop_test_services; rm -rf "$dir"; }
trap cleanup EXIT
export DATABASE_URL="$SHORTENER_TEST_PG_DSN" REDIS_URL="$SHORTENER_TEST_REDIS_URL" SHORTENER_REDIS_PREFIX="bench:" \
  SHORTENER_LOG_LEVEL=warn SHORTENER_DATA_DIR="$dir"
pa=$((20000 + RANDOM % 20000)); pb=$((pa + 1))
SHORTENER_LISTEN="127.0.0.1:$pa" "$bin" serve 2>"$dir/a.log" & pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$pa/healthz" >/dev/null && break; sleep 0.1; done
SHORTENER_LISTEN="127.0.0.1:$pb" "$bin" serve 2>"$dir/b.log" & pids+=($!)
"$bin" worker 2>"$dir/w.log" & pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$pb/healthz" >/dev/null && break; sleep 0.1; done
a="http://127.0.0.1:$pa"; b="http://127.0.0.1:$pb"
mk() { curl -sf -XPOST "$a/api/v1/links" -H 'content-type: application/json' -d "{\"url\":\"https://example.com/$1\",\"slug\":\"$1\"}" >/dev/null; }
mk benchlive; mk benchstats
sleep 1

echo "== click-to-event latency through Redis pub/sub: $rate redirects/s to replica A, subscriber on replica B"
node bench/analytics-load.mjs latency "$a" benchlive "$rate" "$seconds" "$b"

echo "== stats latency (PostgreSQL), ~10M clicks over 90 days"
id=$(psql "$DATABASE_URL" -Atc "SELECT id FROM links WHERE slug = 'benchstats'")
psql -q "$DATABASE_URL" <<SQL
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO link_clicks_quarter SELECT $id, g, 1155, 1050, 105
  FROM generate_series(date_trunc('day', now()) - interval '90 days', date_trunc('day', now()) - interval '15 minutes', interval '15 minutes') g;
INSERT INTO link_clicks_day SELECT $id, g, 110880, 100800, 10080, 5000, 4500
  FROM generate_series(date_trunc('day', now()) - interval '90 days', date_trunc('day', now()) - interval '1 day', interval '1 day') g;
INSERT INTO link_dimension_day SELECT $id, g::date, d,
  CASE d WHEN 'geo' THEN concat_ws(chr(31), 'C' || v, 'region' || v, 'city' || v)
         WHEN 'agent' THEN concat_ws(chr(31), 'browser' || v, 'os' || v, 'device' || v)
         WHEN 'referrer' THEN 'host' || v || '.example class' || (v % 5) ELSE 'lang' || v END,
  2217, 2016, 201
  FROM generate_series(date_trunc('day', now()) - interval '90 days', date_trunc('day', now()) - interval '1 day', interval '1 day') g,
       unnest(ARRAY['geo','agent','referrer','language']) d, generate_series(1, 50) v;
UPDATE links SET clicks = 90 * 110880 WHERE id = $id;
COMMIT;
ANALYZE;
SQL
from=$(date -u -d "$(date -u +%F) - 90 days" +%Y-%m-%dT%H:%M:%SZ); to=$(date -u +%FT00:00:00Z)
for q in "interval=day&tz=UTC" "interval=hour&tz=Europe/Berlin" "interval=day&tz=Asia/Kolkata" \
         "interval=week&tz=America/New_York&bots=include" "interval=day&tz=Australia/Lord_Howe"; do
  node bench/analytics-load.mjs stats "$b" "/api/v1/links/benchstats/stats?from=$from&to=$to&$q" 300
done
