#!/usr/bin/env bash
# bench/redirect-instructions.sh — instructions per redirect, counted by valgrind's callgrind (issue #18).
#
# Instruction counts do not depend on what else the machine is doing, so two builds can be compared on a busy
# machine where req/s and CPU time cannot. The traffic is bench/redirect.py's (LINKS slugs cycled, iPhone Safari
# headers, Referer, X-Forwarded-For through a trusted proxy, every click stored); the count covers a fixed wrk run
# after a warm-up pass, counted until every click of that run is stored. It reports the HTTP threads' instructions (those that ran HandleRedirect) per request wrk
# completed, and the other threads' (click worker: enrichment, SQLite, live events) per click stored in the window.
# Loopback only; bounded (wrk -d, timeouts); stops what it starts.
#
#   bench/redirect-instructions.sh [BINARY ...]     # default build/shortener; several binaries: one row each
# Environment: LINKS (default 1000), DURATION (wrk seconds, default 20), CONNECTIONS (default 8); KEEP=DIR keeps
# the callgrind files (one per thread) for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in valgrind wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "redirect-instructions.sh: $tool missing (scripts/install-deps.sh bench; valgrind)" >&2; exit 1; }
done
LINKS="${LINKS:-1000}" DURATION="${DURATION:-20}" CONNECTIONS="${CONNECTIONS:-8}"
work="$(mktemp -d /tmp/redirect-instructions.XXXXXX)"
vpid=""
cleanup() { [ -n "$vpid" ] && kill "$vpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
python3 - "$work/bench.lua" <<'PY'
import re, sys
src = open("bench/redirect.py").read()
open(sys.argv[1], "w").write(re.search(r'LUA = r"""(.*?)"""', src, re.S).group(1))
PY
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
stored() { curl -s "http://127.0.0.1:$port/metrics" | sed -n 's/^shortener_clicks_stored_total \([0-9]*\).*/\1/p'; }
# Waits (at most 10 min) until the click worker has stored $1 clicks in all, or stored nothing new for 10 s.
drain() {
  local last=-1 now same=0
  for _ in $(seq 600); do
    now="$(stored)"
    [ "$now" -ge "$1" ] && return
    if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; fi
    [ "$same" -ge 10 ] && return
    last="$now"
    sleep 1
  done
}
printf '| binary | requests | HTTP threads, instructions per redirect | clicks stored | other threads (click path), per stored click |\n'
printf '|---|---:|---:|---:|---:|\n'
for bin in "${@:-build/shortener}"; do
  name="$(basename "$bin")-$RANDOM"
  mkdir -p "$work/$name"
  SHORTENER_LISTEN="127.0.0.1:$port" SHORTENER_DATA_DIR="$work/$name" SHORTENER_TRUSTED_PROXIES=127.0.0.1/32 \
    SHORTENER_RATE_LIMIT_CREATE=0 SHORTENER_RATE_LIMIT_API=0 SHORTENER_LOG_LEVEL=warn SHORTENER_HEALTH_INTERVAL_S=0 \
    valgrind --tool=callgrind --separate-threads=yes --instr-atstart=no \
    --callgrind-out-file="$work/$name/cg.%p.out" "$bin" serve >"$work/$name.log" 2>&1 &
  vpid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
  seq 0 $((LINKS - 1)) | xargs -P8 -I{} curl -s -o /dev/null -X POST "http://127.0.0.1:$port/api/v1/links" \
    -H 'Content-Type: application/json' \
    -d '{"url":"https://example.com/articles/{}/a-typical-long-path?utm_source=bench","slug":"rl-{}"}'
  export BENCH_LINKS="$LINKS" BENCH_PREFIX=rl-
  timeout 60 wrk -t1 -c"$CONNECTIONS" -d5s -s "$work/bench.lua" "http://127.0.0.1:$port" >/dev/null  # warm-up
  drain 999999999  # the warm-up's clicks: until nothing new is stored
  stored_before="$(stored)"
  callgrind_control -i on "$vpid" >/dev/null 2>&1 || { echo "redirect-instructions.sh: callgrind_control failed" >&2; exit 1; }
  requests="$(timeout $((DURATION + 60)) wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s "$work/bench.lua" \
    "http://127.0.0.1:$port" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')"
  drain $((stored_before + requests))  # every click of the window stored: the backlog is part of the cost
  callgrind_control -i off "$vpid" >/dev/null 2>&1
  clicks=$(($(stored) - stored_before))
  kill "$vpid"; wait "$vpid" 2>/dev/null || true; vpid=""
  http=0 other=0
  for f in "$work/$name"/cg.*.out-*; do
    total="$(sed -n 's/^totals: //p' "$f")"
    if grep -q 'HandleRedirect' "$f"; then http=$((http + total)); else other=$((other + total)); fi
  done
  printf '| %s | %d | %d | %d | %d |\n' "$bin" "$requests" $((http / requests)) "$clicks" $((other / clicks))
  if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp -r "$work/$name" "$KEEP/"; fi
done
