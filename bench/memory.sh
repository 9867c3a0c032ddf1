#!/usr/bin/env bash
# Memory with many links: creates LINKS links (default 1,000,000) through the real API (each create also
# puts the link in the in-process cache) and reports the server's RSS before and after, per cached link. Loopback only; bounded by the link count; stops by itself.
#
#   LINKS=1000000 SHORTENER_BIN=build/shortener bench/memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."

LINKS="${LINKS:-1000000}"
BIN="${SHORTENER_BIN:-build/shortener}"
OUT="${OUT:-bench/results/memory-$(date -u +%Y%m%dT%H%M%SZ).md}"
[ -x "$BIN" ] || { echo "memory.sh: $BIN not found; run scripts/build.sh first" >&2; exit 1; }
command -v wrk >/dev/null || scripts/install-deps.sh bench

tmp="$(mktemp -d)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
SHORTENER_LISTEN="127.0.0.1:$port" SHORTENER_DATA_DIR="$tmp/data" SHORTENER_CACHE_SIZE="$((LINKS + 1000))" \
  SHORTENER_LOG_LEVEL=warn "$BIN" serve 2>"$tmp/server.log" &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
rss_start="$(rss)"

# Each wrk thread takes its own range of numbers, so every request is a distinct link m<number>.
cat >"$tmp/create.lua" <<'LUA'
local counter = 0
local threads = {}
function setup(thread) thread:set("id", #threads); table.insert(threads, thread) end
function init(args) counter = id * 1000000000 + tonumber(args[1]) * 10000000 end
request = function()
  counter = counter + 1
  local n = string.format("%d", counter)
  local body = '{"url":"https://example.com/articles/' .. n .. '/a-fairly-typical-long-path?utm_source=newsletter","slug":"m' .. n .. '"}'
  return wrk.format("POST", "/api/v1/links", {["Content-Type"] = "application/json"}, body)
end
LUA

links_now() { sqlite3 "$tmp/data/shortener.db" "SELECT count(*) FROM links" 2>/dev/null || echo 0; }
start=$(date +%s)
# wrk has no request count limit: run it in slices and stop once enough links exist (bounded by time too).
slice=0
while [ "$(links_now)" -lt "$LINKS" ] && [ $(( $(date +%s) - start )) -lt 900 ]; do
  # Each slice numbers its links from its own offset, so no slug is ever requested twice.
  wrk -t2 -c16 -d5s -s "$tmp/create.lua" "http://127.0.0.1:$port" -- "$slice" >/dev/null
  slice=$((slice + 1))
done
created="$(links_now)"
create_seconds=$(( $(date +%s) - start ))
rss_created="$(rss)"
# Creating a link puts it in the cache (the shorten flow warms it), so every link is cached now.
sleep 1
cached="$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^shortener_l1_cache_entries/ {print $2}')"
rss_end="$(rss)"
db_bytes="$(du -b "$tmp/data" | awk '{print $1}')"

mkdir -p "$(dirname "$OUT")"
{
  echo "# Memory with many links"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo uncommitted), nproc $(nproc)"
  echo "- links created: $created in ${create_seconds}s (wrk, 2 threads x 16 connections; note wrk's slices overshoot the target)"
  echo "- links in the L1 cache: ${cached}"
  echo
  echo "| stage | RSS MiB |"
  echo "|---|---:|"
  echo "| empty server | $((rss_start / 1024)) |"
  echo "| after creating | $((rss_created / 1024)) |"
  echo "| one second later | $((rss_end / 1024)) |"
  echo
  echo "- RSS per cached link: $(( (rss_end - rss_start) * 1024 / (cached > 0 ? cached : 1) )) bytes"
  echo "- SQLite data dir: $((db_bytes / 1024 / 1024)) MiB"
} | tee "$OUT"
