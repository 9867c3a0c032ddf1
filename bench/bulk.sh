#!/usr/bin/env bash
# Bulk create throughput (issue #15): creates LINKS links (default 100,000) through POST /api/v1/links/bulk on the
# embedded server (SQLite), BATCH links per request (default 1,000, the maximum), CONCURRENCY requests at a time
# (default 2), and reports links/s. Generated slugs, tags, a typical long URL. For comparison it then creates SINGLE
# links (default 10,000) one request each through POST /api/v1/links, 16 at a time, on the same server. Loopback only;
# stops by itself.
#
#   LINKS=100000 SHORTENER_BIN=build/shortener bench/bulk.sh
set -euo pipefail
cd "$(dirname "$0")/.."

LINKS="${LINKS:-100000}"
BATCH="${BATCH:-1000}"
CONCURRENCY="${CONCURRENCY:-2}"
SINGLE="${SINGLE:-10000}"
BIN="${SHORTENER_BIN:-build/shortener}"
OUT="${OUT:-bench/results/bulk-$(date -u +%Y%m%dT%H%M%SZ).md}"
[ -x "$BIN" ] || { echo "bulk.sh: $BIN not found; run scripts/build.sh first" >&2; exit 1; }

tmp="$(mktemp -d)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
SHORTENER_LISTEN="127.0.0.1:$port" SHORTENER_DATA_DIR="$tmp/data" SHORTENER_LOG_LEVEL=warn \
  SHORTENER_RATE_LIMIT_CREATE=off SHORTENER_RATE_LIMIT_API=off "$BIN" serve 2>"$tmp/server.log" &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

result="$(node --input-type=module - "$port" "$LINKS" "$BATCH" "$CONCURRENCY" <<'JS'
const [port, links, batch, concurrency] = process.argv.slice(2).map(Number);
const requests = Math.ceil(links / batch);
let next = 0, created = 0, failed = 0;
async function lane() {
  for (let r; (r = next++) < requests;) {
    const n = Math.min(batch, links - r * batch);
    const body = JSON.stringify(Array.from({ length: n }, (_, i) =>
      ({ url: `https://example.com/articles/${r * batch + i}/a-fairly-typical-long-path?utm_source=newsletter`, tags: ['bulk'] })));
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/links/bulk`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
    for (const item of (await res.json()).results) item.status === 201 ? ++created : ++failed;
  }
}
const start = process.hrtime.bigint();
await Promise.all(Array.from({ length: concurrency }, lane));
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ created, failed, seconds, rate: Math.round(created / seconds) }));
JS
)"
created="$(node -e 'console.log(JSON.parse(process.argv[1]).created)' "$result")"
failed="$(node -e 'console.log(JSON.parse(process.argv[1]).failed)' "$result")"
seconds="$(node -e 'console.log(JSON.parse(process.argv[1]).seconds.toFixed(1))' "$result")"
rate="$(node -e 'console.log(JSON.parse(process.argv[1]).rate)' "$result")"
single="$(node --input-type=module - "$port" "$SINGLE" <<'JS'
const [port, links] = process.argv.slice(2).map(Number);
let next = 0, created = 0;
async function lane() {
  for (let i; (i = next++) < links;) {
    const body = JSON.stringify({ url: `https://example.com/single/${i}/a-fairly-typical-long-path?utm_source=newsletter`, tags: ['single'] });
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/links`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    if (res.status === 201) ++created;
  }
}
const start = process.hrtime.bigint();
await Promise.all(Array.from({ length: 16 }, lane));
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`${created} in ${seconds.toFixed(1)}s, ${Math.round(created / seconds)} links/s`);
JS
)"
stored="$(sqlite3 "$tmp/data/shortener.db" "SELECT count(*) FROM links" 2>/dev/null || echo '?')"

mkdir -p "$(dirname "$OUT")"
{
  echo "# Bulk create"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo uncommitted), nproc $(nproc)"
  echo "- embedded mode (SQLite), $BATCH links per request, $CONCURRENCY requests at a time"
  echo "- created: $created (failed items: $failed; rows in links: $stored) in ${seconds}s"
  echo "- **$rate links/s**"
  echo "- for comparison, single creates (POST /api/v1/links, 16 at a time, same server): $single"
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine counts)"
} | tee "$OUT"
