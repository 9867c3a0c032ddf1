#!/usr/bin/env bash
# bench/pipeline.sh — the distributed pipeline under load on loopback: API (shortener serve) -> Redis
# Streams -> shortener worker -> PostgreSQL, beside nginx's static 302 in the same run. Bounded and
# self-stopping: private PostgreSQL 15 and Redis 7 (scripts/test-services.sh) in a temp dir on free ports,
# every wrk run bounded by DURATION (and a hard `timeout`), everything stopped and removed on exit.
#
# Reports: redirects/s with an L1 hit (vs nginx), with an L2 (Redis) hit (L1 off) and with a database hit
# (L1 and L2 off); clicks stored/s while redirects run and for a backlog drained by one worker; queue lag
# (stream length) sampled every second at a fixed LAG_RATE redirects/s; click-to-row latency p50/p99 under
# light traffic (LIGHT_RATE clicks/s; a bench-only trigger stamps each row's arrival time).
#
# First (REALISTIC=1, the default) it runs `TARGETS=distributed bench/redirect.sh`: realistic traffic (10,000 slugs,
# browser headers, forwarded addresses) against nginx in one run, CPU per redirect split into serve's HTTP threads,
# serve's other threads, the worker, Redis and PostgreSQL, counted until every click is stored.
#
# Environment:
#   REALISTIC      1 = run the realistic comparison first (default 1)
#   SHORTENER_BIN  binary (default: <repo>/build/shortener)
#   DURATION       seconds per wrk run (default 10)
#   THREADS, CONNECTIONS   wrk -t / -c (default 2 / 64)
#   ROUNDS         alternating nginx / L1-hit runs for the ratio, median reported (default 3)
#   LAG_RATE, LAG_SECONDS  fixed-rate phase (default 10000 redirects/s for 20 s)
#   LIGHT_RATE, LIGHT_SECONDS  light-traffic latency phase (default 20 clicks/s for 10 s)
#   OUT            Markdown report (default: <repo>/bench/results/pipeline-<UTC timestamp>.md)
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ ${REALISTIC:-1} == 1 ]]; then
    TARGETS=distributed OUT="${OUT:-$REPO_ROOT/bench/results/pipeline-$(date -u +%Y%m%dT%H%M%SZ).md}.realistic.md" \
        bash "$REPO_ROOT/bench/redirect.sh"
fi
SHORTENER_BIN=${SHORTENER_BIN:-$REPO_ROOT/build/shortener}
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
LAG_RATE=${LAG_RATE:-10000}
LAG_SECONDS=${LAG_SECONDS:-20}
LIGHT_RATE=${LIGHT_RATE:-20}
LIGHT_SECONDS=${LIGHT_SECONDS:-10}
OUT=${OUT:-$REPO_ROOT/bench/results/pipeline-$(date -u +%Y%m%dT%H%M%SZ).md}
TARGET_URL='https://example.com/some/long/path'
PREFIX='bench:'

log() { printf '[pipeline.sh] %s\n' "$*" >&2; }
die() { printf '[pipeline.sh] error: %s\n' "$*" >&2; exit 1; }
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || die "DURATION must be whole seconds, got '$DURATION'"
[[ -x $SHORTENER_BIN ]] || die "shortener binary not found: $SHORTENER_BIN (build it, or set SHORTENER_BIN)"
PATH=$PATH:/usr/sbin:/sbin
for tool in wrk nginx node psql redis-cli curl python3 timeout; do
    command -v "$tool" >/dev/null 2>&1 || die "required tool missing: $tool (scripts/install-deps.sh bench)"
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# ------------------------------------------------------------------ cleanup
WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pipeline-bench.XXXXXX")
declare -a PIDS=()
cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        timeout 10 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    done
    [[ -n ${NGINX_PID:-} ]] && { pkill -P "$NGINX_PID" 2>/dev/null || true; }
    stop_test_services >/dev/null 2>&1 || true
    rm -rf -- "$WORK_DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=scripts/test-services.sh
source "$REPO_ROOT/scripts/test-services.sh"
start_test_services
PG_DSN=$SHORTENER_TEST_PG_DSN
REDIS_URL_BENCH=$SHORTENER_TEST_REDIS_URL
REDIS_PORT=${REDIS_URL_BENCH##*:}
sql() { psql "$PG_DSN" -qAtc "$1"; }
xlen() { redis-cli -p "$REDIS_PORT" XLEN "${PREFIX}clicks"; }

# ------------------------------------------------------------------ processes
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_log() {  # wait_log FILE PATTERN PID
    local i
    for ((i = 0; i < 200; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || { tail -20 "$1" >&2; die "process $3 exited"; }
        sleep 0.05
    done
    tail -20 "$1" >&2
    die "no '$2' in $1"
}
start_serve() {  # start_serve NAME [ENV=VALUE...] -> sets PORT_<NAME>
    local name=$1 port
    shift
    port=$(free_port)
    env DATABASE_URL="$PG_DSN" REDIS_URL="$REDIS_URL_BENCH" SHORTENER_REDIS_PREFIX="$PREFIX" \
        SHORTENER_LISTEN="127.0.0.1:$port" SHORTENER_DATA_DIR="$WORK_DIR/$name" "$@" \
        "$SHORTENER_BIN" serve >"$WORK_DIR/$name.log" 2>&1 &
    PIDS+=($!)
    wait_log "$WORK_DIR/$name.log" '"msg":"listening"' $!
    printf -v "PORT_$name" '%s' "$port"
}
WORKER_PID=''
start_worker() {
    env DATABASE_URL="$PG_DSN" REDIS_URL="$REDIS_URL_BENCH" SHORTENER_REDIS_PREFIX="$PREFIX" \
        SHORTENER_DATA_DIR="$WORK_DIR/worker" "$SHORTENER_BIN" worker >>"$WORK_DIR/worker.log" 2>&1 &
    WORKER_PID=$!
    PIDS+=("$WORKER_PID")
    wait_log "$WORK_DIR/worker.log" '"msg":"worker_started"' "$WORKER_PID"
}
stop_worker() {
    kill -TERM "$WORKER_PID"
    timeout 30 tail --pid="$WORKER_PID" -f /dev/null || kill -KILL "$WORKER_PID"
}

NGINX_PORT=$(free_port)
mkdir -p "$WORK_DIR/nginx/logs" "$WORK_DIR/nginx/tmp"
cat >"$WORK_DIR/nginx/nginx.conf" <<CONF
daemon off; master_process on; worker_processes 2; pid $WORK_DIR/nginx/nginx.pid;
error_log $WORK_DIR/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off; keepalive_requests 1000000; server_tokens off;
    client_body_temp_path $WORK_DIR/nginx/tmp/b; proxy_temp_path $WORK_DIR/nginx/tmp/p;
    fastcgi_temp_path $WORK_DIR/nginx/tmp/f; uwsgi_temp_path $WORK_DIR/nginx/tmp/u; scgi_temp_path $WORK_DIR/nginx/tmp/s;
    server { listen 127.0.0.1:$NGINX_PORT; location / { return 302 $TARGET_URL; } }
}
CONF
nginx -p "$WORK_DIR/nginx" -e "$WORK_DIR/nginx/logs/error.log" -c "$WORK_DIR/nginx/nginx.conf" >/dev/null 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")

start_serve api
start_worker
SLUG=$(curl -s --max-time 5 -X POST -H 'Content-Type: application/json' -d "{\"url\":\"$TARGET_URL\"}" \
    "http://127.0.0.1:$PORT_api/api/v1/links" | python3 -c 'import json,sys;print(json.load(sys.stdin)["slug"])')
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT_api/$SLUG") == 302 ]] || die "redirect failed"
stored() { sql "SELECT clicks FROM links WHERE slug = '$SLUG'"; }
wait_stored() {  # wait_stored N TIMEOUT_S -> seconds it took (or "timeout")
    local want=$1 deadline=$((SECONDS + $2)) t0
    t0=$(date +%s.%N)
    while (($(stored) < want)); do
        ((SECONDS < deadline)) || { echo timeout; return; }
        sleep 0.05
    done
    echo "$(date +%s.%N) - $t0" | bc -l
}
log "up: nginx :$NGINX_PORT, api :$PORT_api, slug $SLUG"

# wrk NAME URL -> "rps p50_us p99_us requests errors"
run_wrk() {
    local out="$WORK_DIR/wrk-$1.txt"
    timeout -k 5 $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$2" >"$out" 2>&1
    awk '
        function us(v, n, u) { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
            return u == "us" ? n : u == "ms" ? n * 1000 : u == "s" ? n * 1e6 : -1 }
        $1 == "50%" { p50 = us($2) } $1 == "99%" { p99 = us($2) } / requests in / { req = $1 }
        /^Requests\/sec:/ { rps = $2 } /Non-2xx or 3xx/ { err += $NF }
        /Socket errors:/ { l = $0; sub(/.*errors:/, "", l); gsub(/[^0-9]+/, " ", l); n = split(l, a, " "); for (i = 1; i <= n; i++) err += a[i] }
        END { printf "%d %d %d %d %d\n", rps, p50, p99, req, err + 0 }' "$out"
}

# ------------------------------------------------------------------ 1. light traffic: click-to-row latency
sql "CREATE TABLE bench_arrivals (event_id uuid, ts timestamptz, arrived timestamptz);
     CREATE FUNCTION bench_arrival() RETURNS trigger LANGUAGE plpgsql AS
       \$\$ BEGIN INSERT INTO bench_arrivals VALUES (NEW.event_id, NEW.ts, clock_timestamp()); RETURN NULL; END \$\$;
     CREATE TRIGGER bench_arrival AFTER INSERT ON clicks FOR EACH ROW EXECUTE FUNCTION bench_arrival();"
before=$(stored)
log "light traffic: $LIGHT_RATE clicks/s for $LIGHT_SECONDS s"
node "$REPO_ROOT/bench/pipeline-load.mjs" "$PORT_api" "$SLUG" "$LIGHT_RATE" "$LIGHT_SECONDS" 1 >"$WORK_DIR/light.json"
light_n=$((LIGHT_RATE * LIGHT_SECONDS))
wait_stored $((before + light_n)) 30 >/dev/null
read -r LAT_P50 LAT_P99 LAT_MAX <<<"$(sql "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY d)::numeric, 1),
    round(percentile_cont(0.99) WITHIN GROUP (ORDER BY d)::numeric, 1), round(max(d)::numeric, 1)
    FROM (SELECT extract(epoch FROM arrived - ts) * 1000 AS d FROM bench_arrivals) x" | tr '|' ' ')"
sql "DROP TRIGGER bench_arrival ON clicks; DROP FUNCTION bench_arrival(); DROP TABLE bench_arrivals;"
log "click-to-row: p50 $LAT_P50 ms, p99 $LAT_P99 ms"

# ------------------------------------------------------------------ 2. L1-hit redirects vs nginx, clicks stored meanwhile
read -r N_RPS N_P50 N_P99 N_REQ N_ERR <<<"$(run_wrk nginx "http://127.0.0.1:$NGINX_PORT/")"
log "nginx: $N_RPS req/s"
N_ALL=("$N_RPS")
before=$(stored)
( while :; do xlen >>"$WORK_DIR/lag-l1.txt"; sleep 1; done ) &
SAMPLER=$!
t0=$(date +%s.%N)
read -r S_RPS S_P50 S_P99 S_REQ S_ERR <<<"$(run_wrk l1 "http://127.0.0.1:$PORT_api/$SLUG")"
drain=$(wait_stored $((before + S_REQ)) 180)
kill "$SAMPLER" 2>/dev/null || true
total_t=$(echo "$(date +%s.%N) - $t0" | bc -l)
STORED_RATE=$(echo "$S_REQ / $total_t" | bc -l | xargs printf '%.0f')
L1_LAG_MAX=$(sort -n "$WORK_DIR/lag-l1.txt" | tail -1)
log "shortener L1: $S_RPS req/s; $S_REQ clicks stored in $(printf '%.1f' "$total_t") s (drain after wrk: $drain s)"
S_ALL=("$S_RPS")
EXTRA_REQ=0
AFTER_L1=$((before + S_REQ))
# More alternating rounds (nginx, shortener, ...) for the ratio: the machine is shared, single runs are noisy.
for ((r = 2; r <= ROUNDS; r++)); do
    read -r rps _ <<<"$(run_wrk "nginx-$r" "http://127.0.0.1:$NGINX_PORT/")"
    N_ALL+=("$rps")
    read -r rps _ _ req _ <<<"$(run_wrk "l1-$r" "http://127.0.0.1:$PORT_api/$SLUG")"
    S_ALL+=("$rps")
    EXTRA_REQ=$((EXTRA_REQ + req))
    log "round $r: nginx ${N_ALL[-1]}, shortener ${S_ALL[-1]} req/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)) }'; }
N_MED=$(median "${N_ALL[@]}")
S_MED=$(median "${S_ALL[@]}")

# ------------------------------------------------------------------ 3. one worker draining a backlog
# Let the extra rounds' clicks drain before the worker stops (the worker is slower than the L1 path).
log "draining the extra rounds' $EXTRA_REQ clicks"
wait_stored $((AFTER_L1 + EXTRA_REQ)) 600 >/dev/null
stop_worker
before=$(stored)
read -r B_RPS _ _ B_REQ _ <<<"$(run_wrk backlog "http://127.0.0.1:$PORT_api/$SLUG")"
sleep 1
BACKLOG=$(xlen)  # entries
start_worker
drain=$(wait_stored $((before + B_REQ)) 300)
WORKER_RATE=$(echo "$B_REQ / $drain" | bc -l | xargs printf '%.0f')
log "worker: backlog of $BACKLOG entries ($B_REQ clicks) drained in $drain s = $WORKER_RATE clicks/s"

# ------------------------------------------------------------------ 4. queue lag at a fixed rate
before=$(stored)
( while :; do xlen >>"$WORK_DIR/lag-fixed.txt"; sleep 1; done ) &
SAMPLER=$!
node "$REPO_ROOT/bench/pipeline-load.mjs" "$PORT_api" "$SLUG" "$LAG_RATE" "$LAG_SECONDS" 32 >"$WORK_DIR/fixed.json"
kill "$SAMPLER" 2>/dev/null || true
FIXED=$(cat "$WORK_DIR/fixed.json")
FIXED_OK=$(python3 -c 'import json,sys;print(json.load(sys.stdin)["ok"])' <<<"$FIXED")
FIXED_ACH=$(python3 -c 'import json,sys;print(json.load(sys.stdin)["achieved_rate"])' <<<"$FIXED")
fixed_drain=$(wait_stored $((before + FIXED_OK)) 120)
LAG_SAMPLES=$(tr '\n' ' ' <"$WORK_DIR/lag-fixed.txt")
LAG_MAX=$(sort -n "$WORK_DIR/lag-fixed.txt" | tail -1)
log "fixed rate: $FIXED; stream length samples: $LAG_SAMPLES; drained $fixed_drain s after"

# ------------------------------------------------------------------ 5. L2 hit and database hit
start_serve l2 SHORTENER_CACHE_SIZE=0
read -r L2_RPS L2_P50 L2_P99 L2_REQ L2_ERR <<<"$(run_wrk l2 "http://127.0.0.1:$PORT_l2/$SLUG")"
start_serve db SHORTENER_CACHE_SIZE=0 SHORTENER_REDIS_CACHE_TTL_S=0
read -r DB_RPS DB_P50 DB_P99 DB_REQ DB_ERR <<<"$(run_wrk db "http://127.0.0.1:$PORT_db/$SLUG")"
log "L2 hit: $L2_RPS req/s; database hit: $DB_RPS req/s"
all=$((before + FIXED_OK + L2_REQ + DB_REQ))  # `before`: stored when the fixed-rate phase began
final_drain=$(wait_stored "$all" 300)
FINAL=$(stored)
DROPPED=$(grep -ho '"clicks_dropped":"[0-9]*"' "$WORK_DIR"/*.log | grep -o '[0-9]*' | paste -sd+ | bc 2>/dev/null || echo 0)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mkdir -p "$(dirname "$OUT")"
{
    echo "## Distributed pipeline (\`bench/pipeline.sh\`, $(date -u +%Y-%m-%d))"
    echo
    echo "$(nproc) cores shared by wrk, nginx/shortener, Redis $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-), PostgreSQL 15 and the worker; wrk -t$THREADS -c$CONNECTIONS, ${DURATION} s per run."
    echo
    echo "| redirect path | req/s | p50 | p99 | vs nginx | errors |"
    echo "|---|---:|---:|---:|---:|---:|"
    echo "| nginx static 302 (median of $ROUNDS: ${N_ALL[*]}) | $N_MED | ${N_P50} µs | ${N_P99} µs | 1.00 | $N_ERR |"
    echo "| shortener, L1 hit, worker storing (median of $ROUNDS: ${S_ALL[*]}) | $S_MED | ${S_P50} µs | ${S_P99} µs | $(ratio "$S_MED" "$N_MED") | $S_ERR |"
    echo "| shortener, L1 hit, worker stopped (clicks -> Redis stream only) | $B_RPS | | | $(ratio "$B_RPS" "$N_MED") | |"
    echo "| shortener, L2 (Redis) hit, L1 off | $L2_RPS | ${L2_P50} µs | ${L2_P99} µs | $(ratio "$L2_RPS" "$N_MED") | $L2_ERR |"
    echo "| shortener, database hit, L1 and L2 off | $DB_RPS | ${DB_P50} µs | ${DB_P99} µs | $(ratio "$DB_RPS" "$N_MED") | $DB_ERR |"
    echo
    echo "p50/p99 are wrk's, from the first round. Stream lengths count entries (up to 256 clicks each)."
    echo
    echo "| click pipeline | value |"
    echo "|---|---:|"
    echo "| clicks stored/s while L1-hit redirects run (first round: wrk run + drain) | $STORED_RATE |"
    echo "| max stream length during that run | $L1_LAG_MAX entries |"
    echo "| one worker draining a backlog of $B_REQ clicks ($BACKLOG entries) | $WORKER_RATE clicks/s |"
    echo "| fixed rate: $LAG_RATE redirects/s asked, $FIXED_ACH sent, for $LAG_SECONDS s | stream entries each second: $LAG_SAMPLES |"
    echo "| drained after the fixed-rate phase | $fixed_drain s |"
    echo "| click-to-row latency at $LIGHT_RATE clicks/s (p50 / p99 / max) | $LAT_P50 / $LAT_P99 / $LAT_MAX ms |"
    echo "| clicks stored in total / expected | $FINAL / $all (dropped: ${DROPPED:-0}) |"
} | tee "$OUT"
log "report: $OUT"
