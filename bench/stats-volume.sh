#!/usr/bin/env bash
# Stats at volume on PostgreSQL (issue #18): the stats of one link with 10 million raw clicks over 90 days, and the
# overview over 10,000 links with 90 days of rollups each, measured while clicks are written at WRITE_RATE/s (spread
# over the 10,000 links, stored by a worker). The raw clicks are generated in SQL and every rollup and facet row of
# that link is built from them (as migration 0009 does), so the edges of a range (minutes, distinct visitors of
# partial days) read real rows. PostgreSQL 15 and Redis 7 on loopback from scripts/test-services.sh; one API
# process and one worker. Results in docs/benchmarks.md.
# COMPARE_BIN=path/to/an/older/shortener: a second API process of that binary on the same database answers the same
# requests right before each measurement of this one (a before/after pair from one run), with JIT on as before
# migration 0012 (COMPARE_JIT=off to compare the code alone).
# UNCACHED=1: a third API process of this binary with the overview cache off (SHORTENER_OVERVIEW_CACHE_MS=0), so the
# overview's computation itself is measured too ("nocache" rows).
# Each measurement stops after COUNT requests or 60 s, whichever comes first.
# WRITE_RATE=0: no background load (the cost of the stats alone).
# Usage: SHORTENER_BIN=build/shortener bench/stats-volume.sh   (CLICKS=10000000 LINKS=10000 WRITE_RATE=10000 COUNT=300)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${SHORTENER_BIN:-build/shortener}"
clicks="${CLICKS:-10000000}"; links="${LINKS:-10000}"; write_rate="${WRITE_RATE:-10000}"; count="${COUNT:-300}"
source scripts/test-services.sh
start_test_services
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; stop_test_services; rm -rf "$dir"; }
trap cleanup EXIT
export DATABASE_URL="$SHORTENER_TEST_PG_DSN" REDIS_URL="$SHORTENER_TEST_REDIS_URL" SHORTENER_REDIS_PREFIX="bench:" \
  SHORTENER_LOG_LEVEL=warn SHORTENER_DATA_DIR="$dir" SHORTENER_RATE_LIMIT_CREATE=off SHORTENER_RATE_LIMIT_API=off
port=$((20000 + RANDOM % 20000))
SHORTENER_LISTEN="127.0.0.1:$port" "$bin" serve 2>"$dir/serve.log" & pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
targets=("$base")
labels=("this  ")
if [ -n "${COMPARE_BIN:-}" ]; then
  # JIT as a database without migration 0012 has it (PostgreSQL's default), so "before" is the old state whole.
  PGOPTIONS="-c jit=${COMPARE_JIT:-on}" SHORTENER_LISTEN="127.0.0.1:$((port + 1))" "$COMPARE_BIN" serve \
    2>"$dir/compare.log" & pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$((port + 1))/healthz" >/dev/null && break; sleep 0.1; done
  targets=("http://127.0.0.1:$((port + 1))" "${targets[@]}")
  labels=("before" "${labels[@]}")
fi
if [ "${UNCACHED:-0}" = 1 ]; then
  SHORTENER_OVERVIEW_CACHE_MS=0 SHORTENER_LISTEN="127.0.0.1:$((port + 2))" "$bin" serve 2>"$dir/nocache.log" & pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$((port + 2))/healthz" >/dev/null && break; sleep 0.1; done
  targets+=("http://127.0.0.1:$((port + 2))")
  labels+=("nocache")
fi
curl -sf -XPOST "$base/api/v1/links" -H 'content-type: application/json' \
  -d '{"url":"https://example.com/benchstats","slug":"benchstats"}' >/dev/null

echo "== seeding: $clicks raw clicks over 90 days on one link, $links more links with 90 days of rollups"
started=$(date +%s)
psql -q "$DATABASE_URL" <<SQL
\set ON_ERROR_STOP on
SELECT ensure_click_partitions(2, now() - interval '100 days');
CREATE TEMP TABLE seed AS SELECT id FROM links WHERE slug = 'benchstats';
-- Spread evenly over the 90 days before the start of today (UTC); 50 countries x 4 regions, 12 agents, 8
-- referrers, 6 languages; 10% bots; about 5,000 visitors a day.
INSERT INTO clicks (link_id, ts, event_id, is_bot, country, region, city, browser, os, device, referrer_host,
                    referrer_class, language, visitor_id)
SELECT (SELECT id FROM seed),
       date_trunc('day', now(), 'UTC') - interval '90 days' + (i * (interval '90 days' / $clicks)),
       md5(i::text)::uuid, i % 10 = 0, 'C' || (i % 50), 'R' || (i % 200), 'City' || (i % 200),
       (ARRAY['Safari','Chrome','Firefox','Edge'])[1 + i % 4], (ARRAY['iOS','Android','Windows'])[1 + i % 3],
       (ARRAY['mobile','desktop'])[1 + i % 2], (ARRAY['','google.com','t.co','news.example'])[1 + i % 4],
       (ARRAY['direct','search','social','other'])[1 + i % 4], (ARRAY['en','de','fr','es','it','nl'])[1 + i % 6],
       'v' || ((i * 7919) % 5003)
FROM generate_series(0::bigint, $clicks - 1) i;
INSERT INTO link_clicks_quarter
SELECT link_id, date_bin('15 minutes', ts, timestamptz 'epoch'), count(*), count(*) FILTER (WHERE NOT is_bot),
       count(*) FILTER (WHERE is_bot)
FROM clicks WHERE link_id = (SELECT id FROM seed) GROUP BY 1, 2;
INSERT INTO link_clicks_day
SELECT link_id, date_trunc('day', ts, 'UTC'), count(*), count(*) FILTER (WHERE NOT is_bot),
       count(*) FILTER (WHERE is_bot), count(DISTINCT visitor_id), count(DISTINCT visitor_id) FILTER (WHERE NOT is_bot)
FROM clicks WHERE link_id = (SELECT id FROM seed) GROUP BY 1, 2;
INSERT INTO link_dimension_day (link_id, day, dimension, value, clicks, human_clicks, bot_clicks)
SELECT link_id, (ts AT TIME ZONE 'UTC')::date, f.dimension, f.value, count(*), count(*) FILTER (WHERE NOT is_bot),
       count(*) FILTER (WHERE is_bot)
FROM clicks CROSS JOIN LATERAL (VALUES ('geo', concat_ws(chr(31), country, region, city)),
                                       ('agent', concat_ws(chr(31), browser, os, device)),
                                       ('referrer', referrer_host || ' ' || referrer_class),
                                       ('language', language)) f(dimension, value)
WHERE link_id = (SELECT id FROM seed) GROUP BY 1, 2, 3, 4;
INSERT INTO link_visitors_day (link_id, day, visitor_id, is_bot, first_q, last_q)
SELECT link_id, (ts AT TIME ZONE 'UTC')::date, visitor_id, bool_and(is_bot),
       min((extract(epoch FROM ts)::bigint % 86400) / 900), max((extract(epoch FROM ts)::bigint % 86400) / 900)
FROM clicks WHERE link_id = (SELECT id FROM seed) GROUP BY 1, 2, 3;
-- The quarter hours' first and last visitors, as migration 0011 builds them.
INSERT INTO link_clicks_quarter AS r (link_id, bucket, clicks, human_clicks, bot_clicks, first_visitors,
                                      human_first_visitors, last_visitors, human_last_visitors)
SELECT link_id, bucket, 0, 0, 0, sum(f), coalesce(sum(f) FILTER (WHERE NOT is_bot), 0), sum(l),
       coalesce(sum(l) FILTER (WHERE NOT is_bot), 0)
FROM (SELECT link_id, day::timestamp AT TIME ZONE 'UTC' + first_q * interval '15 minutes' AS bucket, 1 AS f, 0 AS l, is_bot
      FROM link_visitors_day
      UNION ALL
      SELECT link_id, day::timestamp AT TIME ZONE 'UTC' + last_q * interval '15 minutes', 0, 1, is_bot
      FROM link_visitors_day) v
GROUP BY 1, 2
ON CONFLICT (link_id, bucket) DO UPDATE SET first_visitors = excluded.first_visitors,
    human_first_visitors = excluded.human_first_visitors, last_visitors = excluded.last_visitors,
    human_last_visitors = excluded.human_last_visitors;
UPDATE links SET clicks = (SELECT sum(clicks) FROM link_clicks_day WHERE link_id = links.id),
                 human_clicks = (SELECT sum(human_clicks) FROM link_clicks_day WHERE link_id = links.id)
WHERE id = (SELECT id FROM seed);
-- The other links: 90 days of day rows each (what the overview reads), 1 to 300 clicks a day.
INSERT INTO links (slug, long_url, created_at, updated_at)
SELECT 'ov' || n, 'https://example.com/ov/' || n, now() - interval '91 days', now() - interval '91 days'
FROM generate_series(0, $links - 1) n;
INSERT INTO link_clicks_day
SELECT l.id, g, 1 + (l.id * 31 + extract(doy FROM g)::int) % 300, 1 + (l.id * 31 + extract(doy FROM g)::int) % 300, 0, 1, 1
FROM links l, generate_series(date_trunc('day', now(), 'UTC') - interval '90 days',
                              date_trunc('day', now(), 'UTC') - interval '1 day', interval '1 day') g
WHERE l.slug LIKE 'ov%';
VACUUM ANALYZE;
SQL
echo "seeded in $(( $(date +%s) - started )) s: $(psql "$DATABASE_URL" -Atc "SELECT pg_size_pretty(pg_database_size(current_database()))")"

"$bin" worker 2>"$dir/worker.log" & pids+=($!)
sleep 1
seconds=1200  # stopped once the measurements are done
load=
if [ "$write_rate" -gt 0 ]; then
  echo "== background: $write_rate redirects/s over $links links for up to $seconds s, every click stored by the worker"
  node bench/pipeline-load.mjs "$port" "ov*$links" "$write_rate" "$seconds" 32 >"$dir/load.json" & load=$!; pids+=($load)
  sleep 5
else
  echo "== no background load (WRITE_RATE=0)"
fi
before=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM clicks WHERE link_id <> (SELECT id FROM links WHERE slug = 'benchstats')")
t0=$(date +%s.%N)

from=$(date -u -d "$(date -u +%F) - 90 days" +%Y-%m-%dT%H:%M:%SZ); to=$(date -u +%FT00:00:00Z)
measure() {
  for i in "${!targets[@]}"; do
    echo -n "${labels[$i]} "
    node bench/analytics-load.mjs stats "${targets[$i]}" "$1" "$count" 60
  done
}
for q in "interval=day&tz=UTC" "interval=hour&tz=Europe/Berlin" "interval=day&tz=Asia/Kolkata" \
         "interval=week&tz=America/New_York&bots=include" "interval=day&tz=Australia/Lord_Howe"; do
  measure "/api/v1/links/benchstats/stats?from=$from&to=$to&$q"
done
measure "/api/v1/stats?from=$from&to=$to&limit=10"
measure "/api/v1/stats?from=$from&to=$to&limit=10&bots=include"

after=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM clicks WHERE link_id <> (SELECT id FROM links WHERE slug = 'benchstats')")
echo "clicks stored during the measurement: $(( after - before )) in $(echo "$(date +%s.%N) - $t0" | bc) s"
if [ -n "$load" ]; then
  kill "$load" 2>/dev/null || true
  wait "$load" 2>/dev/null || true
fi
