#!/usr/bin/env bash
# Web UI benchmark (issue #6): the link dashboard with 90 days of data (rollup rows generated in SQL, as in
# bench/analytics.sh), loaded RUNS times (default 5) in headless Chromium with a cold cache: JavaScript
# transferred (gzip bodies) and time to first render of the filled dashboard. Results in docs/benchmarks.md.
# Usage: SHORTENER_BIN=build/shortener bench/ui.sh   (needs scripts/build-frontend.sh and chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${SHORTENER_BIN:-build/shortener}"
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
SHORTENER_DATA_DIR="$dir" SHORTENER_LISTEN="127.0.0.1:$port" SHORTENER_LOG_LEVEL=warn \
  SHORTENER_WEB_DIR="$PWD/frontend/out" "$bin" serve 2>"$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
curl -sf -XPOST "$base/api/v1/links" -H 'content-type: application/json' \
  -d '{"url":"https://example.com/bench-ui","slug":"benchui"}' >/dev/null

db="$dir/shortener.db"
id=$(sqlite3 "$db" "SELECT id FROM links WHERE slug = 'benchui'")
now_ms=$(( $(date +%s) * 1000 ))
start=$(( (now_ms / 86400000 - 89) * 86400000 ))
# 90 days × 24 h of clicks (a daily wave), 9 dimensions × 30 values a day, ~1.6 M clicks in all.
sqlite3 "$db" >/dev/null <<SQL
PRAGMA busy_timeout = 10000;
BEGIN;
WITH RECURSIVE q(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM q WHERE i < 90 * 96 - 1)
INSERT INTO link_clicks_quarter SELECT $id, $start + i * 900000, 175 + (i / 4 % 24) * 10, 162 + (i / 4 % 24) * 9,
  13 + (i / 4 % 24) FROM q;
WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < 89)
INSERT INTO link_clicks_day SELECT $id, $start + i * 86400000, 17760 + i * 10, 16644 + i * 9, 1116 + i, 9000, 8500 FROM d;
WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < 89),
     v(j, cc, city, br, os, dev, lang, ref) AS (VALUES
       (0,'US','US/New York','Chrome','Windows','desktop','en','google.com search'),
       (1,'DE','DE/Berlin','Mobile Safari','iOS','mobile','de','t.co social'),
       (2,'GB','GB/London','Firefox','Mac OS X','desktop','en-GB',' direct'),
       (3,'FR','FR/Paris','Chrome Mobile','Android','mobile','fr','facebook.com social'),
       (4,'JP','JP/Tokyo','Safari','Mac OS X','desktop','ja','bing.com search'),
       (5,'BR','BR/São Paulo','Samsung Internet','Android','mobile','pt','news.ycombinator.com other'),
       (6,'IN','IN/Mumbai','Edge','Windows','desktop','hi','linkedin.com social'),
       (7,'CA','CA/Toronto','Chrome','Linux','desktop','en','duckduckgo.com search'),
       (8,'AU','AU/Sydney','Mobile Safari','iOS','tablet','en','mail.google.com email'),
       (9,'ES','ES/Madrid','Opera','Windows','desktop','es','reddit.com social')),
     facets(name) AS (VALUES ('geo'), ('agent'), ('language'), ('referrer'))
INSERT OR IGNORE INTO link_dimension_day
SELECT $id, name, $start + i * 86400000,
       CASE name WHEN 'geo' THEN cc || char(31) || char(31) || substr(city, 4)
                 WHEN 'agent' THEN br || char(31) || os || char(31) || dev
                 WHEN 'language' THEN lang ELSE ref END,
       1776 - j * 150, 1664 - j * 140, 112 - j * 10
FROM d, v, facets;
UPDATE links SET clicks = (SELECT sum(clicks) FROM link_clicks_day WHERE link_id = $id) WHERE id = $id;
COMMIT;
SQL
node bench/ui-dashboard.mjs "$base/app/link/?slug=benchui&range=90" "${RUNS:-5}"
