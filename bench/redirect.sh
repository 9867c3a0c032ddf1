#!/usr/bin/env bash
# bench/redirect.sh — bounded, self-stopping redirect benchmark on loopback.
#
# Compares the shortener's `GET /<slug>` (302) against nginx answering a
# static `return 302` in the same run. Both servers listen on 127.0.0.1 only,
# on free ports; wrk runs are bounded by DURATION (and a hard `timeout`), all
# curl calls use --max-time, and a trap stops both servers and removes the
# temp dirs on exit, Ctrl-C or TERM.
#
# Rounds alternate nginx and shortener (ABAB..) to spread machine noise; the
# report shows the median of the rounds per server, plus every round.
#
# Environment:
#   SHORTENER_BIN  shortener binary      (default: <repo>/build/shortener)
#   DURATION       wrk -d per run        (default: 10s; N, Ns, Nm or Nh)
#   THREADS        wrk -t                (default: 2)
#   CONNECTIONS    wrk -c                (default: 64)
#   ROUNDS         rounds per server     (default: 3)
#   OUT            Markdown report file  (default: <repo>/bench/results/redirect-<UTC timestamp>.md)
#   BASELINE_ONLY  1 = run nginx only, no shortener needed (default: 0)
#
# Options:
#   --links N      accepted for compatibility, default 0; see TODO below.
#   -h, --help     show this help.
#
# Note: wrk and the servers share the same cores (2 on the project machines),
# so absolute numbers are lower than on separate load/server hosts; the
# shortener/nginx ratios are the figures to compare between runs.
#
# TODO(bench/memory.sh): pre-loading many links (--links N, e.g. 1e6) is too
# slow via curl loops and belongs to a separate memory benchmark,
# bench/memory.sh. Here --links is parsed, validated and otherwise ignored.

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

SHORTENER_BIN=${SHORTENER_BIN:-$REPO_ROOT/build/shortener}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-3}
BASELINE_ONLY=${BASELINE_ONLY:-0}
OUT=${OUT:-$REPO_ROOT/bench/results/redirect-$(date -u +%Y%m%dT%H%M%SZ).md}
LINKS=0

TARGET_URL='https://example.com/some/long/path'

log() { printf '[redirect.sh] %s\n' "$*" >&2; }
die() { printf '[redirect.sh] error: %s\n' "$*" >&2; exit 1; }

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

# ---------------------------------------------------------------- arguments
while (($# > 0)); do
    case $1 in
        --links) (($# >= 2)) || die "--links needs a value"; LINKS=$2; shift 2 ;;
        --links=*) LINKS=${1#--links=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
done

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_posint() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
is_uint "$LINKS" || die "--links must be a non-negative integer, got '$LINKS'"
is_posint "$THREADS" || die "THREADS must be a positive integer, got '$THREADS'"
is_posint "$CONNECTIONS" || die "CONNECTIONS must be a positive integer, got '$CONNECTIONS'"
((CONNECTIONS >= THREADS)) || die "CONNECTIONS ($CONNECTIONS) must be >= THREADS ($THREADS) for wrk"
is_posint "$ROUNDS" || die "ROUNDS must be a positive integer, got '$ROUNDS'"
[[ $BASELINE_ONLY == 0 || $BASELINE_ONLY == 1 ]] || die "BASELINE_ONLY must be 0 or 1, got '$BASELINE_ONLY'"

# DURATION in whole seconds, for the hard timeout around wrk.
[[ $DURATION =~ ^([0-9]+)([smh]?)$ ]] || die "DURATION must look like 10, 10s, 2m or 1h, got '$DURATION'"
DURATION_S=${BASH_REMATCH[1]}
case ${BASH_REMATCH[2]} in
    m) DURATION_S=$((DURATION_S * 60)) ;;
    h) DURATION_S=$((DURATION_S * 3600)) ;;
esac
((DURATION_S >= 1)) || die "DURATION must be at least 1 second"

if ((LINKS > 0)); then
    log "--links $LINKS: not done here (too slow via curl); see bench/memory.sh. Continuing with 1 link."
fi

# Fail fast on a missing shortener, before starting anything.
if [[ $BASELINE_ONLY != 1 ]]; then
    [[ -e $SHORTENER_BIN ]] || die "shortener binary not found: $SHORTENER_BIN
  build it first (e.g. cmake --build build), set SHORTENER_BIN=/path/to/shortener,
  or run BASELINE_ONLY=1 $0 to benchmark nginx alone."
    [[ -x $SHORTENER_BIN ]] || die "shortener binary is not executable: $SHORTENER_BIN"
fi

# ---------------------------------------------------------------- tools
PATH=$PATH:/usr/sbin:/sbin

apt_install() {
    # $1 = command wanted, rest = package names to try in order.
    local cmd=$1 pkg
    shift
    command -v "$cmd" >/dev/null 2>&1 && return 0
    ((EUID == 0)) || die "'$cmd' is missing and we are not root; install one of: $*"
    log "'$cmd' missing; installing with apt-get ($*)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || log "apt-get update failed; trying the install anyway"
    for pkg in "$@"; do
        if apt-get install -y -qq --no-install-recommends "$pkg" >&2; then
            command -v "$cmd" >/dev/null 2>&1 && return 0
        fi
    done
    die "could not install '$cmd' (tried: $*)"
}

apt_install nginx nginx-light nginx
apt_install wrk wrk
for tool in curl python3 getconf pgrep awk sort timeout; do
    command -v "$tool" >/dev/null 2>&1 || die "required tool missing: $tool"
done

CLK_TCK=$(getconf CLK_TCK)

# More file descriptors if allowed (wrk and both servers hold CONNECTIONS sockets).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# ---------------------------------------------------------------- cleanup
NGINX_PID=''
SHORTENER_PID=''
WRK_PID=''
NGINX_DIR=''
SHORTENER_DIR=''
WORK_DIR=''

stop_tree() {
    # Stop a process and its direct children (nginx workers): TERM, wait up to
    # 5 s, then KILL whatever is left. Only PIDs this script started.
    local pid=$1 kids i
    [[ -n $pid ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kids=$(pgrep -P "$pid" 2>/dev/null || true)
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "process $pid did not stop on TERM; sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    if [[ -n $kids ]]; then
        # shellcheck disable=SC2086 # word splitting of the PID list is intended
        kill -KILL $kids 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n $WRK_PID ]] && kill -0 "$WRK_PID" 2>/dev/null; then
        kill -TERM "$WRK_PID" 2>/dev/null || true
        wait "$WRK_PID" 2>/dev/null || true
    fi
    stop_tree "$SHORTENER_PID"
    stop_tree "$NGINX_PID"
    local d
    for d in "$NGINX_DIR" "$SHORTENER_DIR" "$WORK_DIR"; do
        [[ -n $d && -d $d ]] && rm -rf -- "$d"
    done
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/redirect-bench.XXXXXX")

# ---------------------------------------------------------------- helpers
free_port() {
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
}

# "<http_code> <redirect_url>" of a GET without following redirects.
probe() {
    curl -s -o /dev/null --max-time 2 -w '%{http_code} %{redirect_url}' "$1" 2>/dev/null || true
}

# wait_http URL CODE PID NAME LOGFILE — poll up to 10 s.
wait_http() {
    local url=$1 want=$2 pid=$3 name=$4 logfile=$5 i got
    for ((i = 0; i < 100; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "$name exited during startup; last log lines:"
            tail -n 20 "$logfile" >&2 2>/dev/null || true
            die "$name did not start"
        fi
        got=$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "$url" 2>/dev/null || true)
        [[ $got == "$want" ]] && return 0
        sleep 0.1
    done
    log "$name: $url did not answer $want within 10 s (last: '${got:-none}'); last log lines:"
    tail -n 20 "$logfile" >&2 2>/dev/null || true
    die "$name not ready"
}

# PIDs of a process and its direct children (nginx master + workers).
tree_pids() {
    local pid=$1
    echo "$pid"
    pgrep -P "$pid" 2>/dev/null || true
}

# Sum of utime+stime (fields 14 and 15 of /proc/<pid>/stat, clock ticks).
cpu_ticks() {
    local total=0 pid stat rest
    local -a f
    for pid in $(tree_pids "$1"); do
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        # comm (field 2) may hold spaces/parens: split after the last ')'.
        rest=${stat##*) }
        read -r -a f <<<"$rest"
        # f[0] is field 3, so field 14 is f[11] and field 15 is f[12].
        total=$((total + f[11] + f[12]))
    done
    echo "$total"
}

# utime+stime of the threads of <pid> whose name (comm) is <name>, e.g. the shortener's click-worker.
thread_ticks() {
    local total=0 task stat rest
    local -a f
    for task in /proc/"$1"/task/*; do
        [[ $(cat "$task/comm" 2>/dev/null) == "$2" ]] || continue
        stat=$(cat "$task/stat" 2>/dev/null) || continue
        rest=${stat##*) }
        read -r -a f <<<"$rest"
        total=$((total + f[11] + f[12]))
    done
    echo "$total"
}

# Sum of a /proc/<pid>/status field in kB (VmRSS, VmHWM) over the tree.
status_kb() {
    local root=$1 field=$2 total=0 pid v
    for pid in $(tree_pids "$root"); do
        v=$(awk -v f="$field:" '$1 == f {print $2}' "/proc/$pid/status" 2>/dev/null || true)
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

# parse_wrk FILE -> "rps p50_us p99_us requests non3xx sockerr"
parse_wrk() {
    awk '
        function us(v,   n, u) {
            n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
            if (u == "us") return n
            if (u == "ms") return n * 1000
            if (u == "s")  return n * 1000000
            if (u == "m")  return n * 60000000
            if (u == "h")  return n * 3600000000
            return -1
        }
        BEGIN { rps = -1; p50 = -1; p99 = -1; req = -1; non = 0; sock = 0 }
        $1 == "50%" { p50 = us($2) }
        $1 == "99%" { p99 = us($2) }
        / requests in / { req = $1 }
        /^Requests\/sec:/ { rps = $2 }
        /Non-2xx or 3xx responses:/ { non = $NF }
        /Socket errors:/ {
            line = $0; sub(/.*Socket errors:/, "", line); gsub(/[^0-9]+/, " ", line)
            n = split(line, a, " "); for (i = 1; i <= n; i++) sock += a[i]
        }
        END { printf "%s %s %s %s %s %s\n", rps, p50, p99, req, non, sock }
    ' "$1"
}

median() {
    printf '%s\n' "$@" | sort -g | awk '
        { a[NR] = $1 }
        END {
            if (NR == 0) { print "nan"; exit }
            if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2
        }'
}

fmt() { awk -v v="$1" -v d="${2:-1}" 'BEGIN { if (v == "nan" || v == "") print "n/a"; else printf "%.*f\n", d, v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "nan" || b == "nan") print "n/a"; else printf "%.2f\n", a / b }'; }

# ---------------------------------------------------------------- nginx
NGINX_PORT=$(free_port)
NGINX_DIR=$(mktemp -d "${TMPDIR:-/tmp}/redirect-nginx.XXXXXX")
NGINX_WORKER_CONNECTIONS=$((CONNECTIONS + 256 > 1024 ? CONNECTIONS + 256 : 1024))
mkdir -p "$NGINX_DIR/logs" "$NGINX_DIR/tmp"
cat >"$NGINX_DIR/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/logs/error.log warn;

events {
    worker_connections $NGINX_WORKER_CONNECTIONS;
}

http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
    server_tokens off;

    client_body_temp_path $NGINX_DIR/tmp/body;
    proxy_temp_path       $NGINX_DIR/tmp/proxy;
    fastcgi_temp_path     $NGINX_DIR/tmp/fastcgi;
    uwsgi_temp_path       $NGINX_DIR/tmp/uwsgi;
    scgi_temp_path        $NGINX_DIR/tmp/scgi;

    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            return 302 $TARGET_URL;
        }
    }
}
EOF

NGINX_BIN=$(command -v nginx)
NGINX_VERSION=$("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //')
"$NGINX_BIN" -t -q -p "$NGINX_DIR" -e "$NGINX_DIR/logs/error.log" -c "$NGINX_DIR/nginx.conf" \
    || die "nginx rejected its config: $(cat "$NGINX_DIR/logs/error.log" 2>/dev/null)"
"$NGINX_BIN" -p "$NGINX_DIR" -e "$NGINX_DIR/logs/error.log" -c "$NGINX_DIR/nginx.conf" \
    >"$NGINX_DIR/logs/stdout.log" 2>&1 &
NGINX_PID=$!
NGINX_URL="http://127.0.0.1:$NGINX_PORT/"
wait_http "$NGINX_URL" 302 "$NGINX_PID" nginx "$NGINX_DIR/logs/error.log"
read -r code loc <<<"$(probe "$NGINX_URL")"
[[ $code == 302 && $loc == "$TARGET_URL" ]] || die "nginx answered '$code $loc', expected '302 $TARGET_URL'"
log "nginx $NGINX_VERSION up: pid $NGINX_PID, workers $(pgrep -P "$NGINX_PID" | tr '\n' ' ')on $NGINX_URL"

# ---------------------------------------------------------------- shortener
SHORTENER_URL=''
if [[ $BASELINE_ONLY != 1 ]]; then
    SHORTENER_PORT=$(free_port)
    SHORTENER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/redirect-shortener.XXXXXX")
    SHORTENER_BASE="http://127.0.0.1:$SHORTENER_PORT"
    SHORTENER_LISTEN=127.0.0.1:$SHORTENER_PORT \
        SHORTENER_DATA_DIR=$SHORTENER_DIR \
        SHORTENER_PUBLIC_URL=$SHORTENER_BASE \
        "$SHORTENER_BIN" serve >"$WORK_DIR/shortener.log" 2>&1 &
    SHORTENER_PID=$!
    wait_http "$SHORTENER_BASE/healthz" 200 "$SHORTENER_PID" shortener "$WORK_DIR/shortener.log"

    created=$(curl -s --max-time 5 -X POST -H 'Content-Type: application/json' \
        -d "{\"url\":\"$TARGET_URL\"}" "$SHORTENER_BASE/api/v1/links") \
        || die "POST /api/v1/links failed"
    if command -v jq >/dev/null 2>&1; then
        slug=$(jq -r '.slug // empty' <<<"$created" 2>/dev/null || true)
    else
        slug=$(python3 -c 'import json,sys;print(json.load(sys.stdin).get("slug") or "")' <<<"$created" 2>/dev/null || true)
    fi
    [[ -n $slug ]] || die "POST /api/v1/links returned no slug: $created"

    SHORTENER_URL="$SHORTENER_BASE/$slug"
    # GET, not HEAD: that is the request wrk sends.
    read -r code loc <<<"$(probe "$SHORTENER_URL")"
    [[ $code == 302 ]] || die "GET /$slug answered '$code', expected 302"
    [[ $loc == "$TARGET_URL" ]] || log "warning: GET /$slug redirects to '$loc', expected '$TARGET_URL'"
    probe "$SHORTENER_URL" >/dev/null # warm-up
    log "shortener up: pid $SHORTENER_PID on $SHORTENER_BASE, slug '$slug'"
fi

# ---------------------------------------------------------------- load
WRK_HARD_LIMIT=$((DURATION_S + 30))
declare -a ROWS=()              # per-round rows: "round server rps p50 p99 cpu req non sock"
declare -a N_RPS=() N_P50=() N_P99=() N_CPU=() S_RPS=() S_P50=() S_P99=() S_CPU=() S_WORKER=()
N_ERR=0
S_ERR=0

run_one() {
    # run_one ROUND NAME PID URL
    local round=$1 name=$2 pid=$3 url=$4 out before after worker_before worker_after rc=0 rps p50 p99 req non sock cpu
    out="$WORK_DIR/wrk-$round-$name.txt"
    log "round $round/$ROUNDS: $name (wrk -t$THREADS -c$CONNECTIONS -d$DURATION)"
    kill -0 "$pid" 2>/dev/null || die "$name (pid $pid) is no longer running"
    before=$(cpu_ticks "$pid")
    worker_before=$(thread_ticks "$pid" click-worker)
    timeout -k 5 "$WRK_HARD_LIMIT" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$out" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || rc=$?
    WRK_PID=''
    after=$(cpu_ticks "$pid")
    worker_after=$(thread_ticks "$pid" click-worker)
    ((rc == 0)) || { cat "$out" >&2; die "wrk failed against $name (exit $rc)"; }
    kill -0 "$pid" 2>/dev/null || die "$name (pid $pid) died during the run"

    read -r rps p50 p99 req non sock <<<"$(parse_wrk "$out")"
    if [[ $rps == -1 || $p50 == -1 || $p99 == -1 || $req == -1 ]]; then
        cat "$out" >&2
        die "could not parse wrk output for $name"
    fi
    cpu=$(awk -v d="$((after - before))" -v t="$CLK_TCK" -v r="$req" \
        'BEGIN { if (r > 0) printf "%.3f\n", d * 1000000 / t / r; else print "nan" }')
    ROWS+=("$round $name $rps $p50 $p99 $cpu $req $non $sock")
    if [[ $name == nginx ]]; then
        N_RPS+=("$rps"); N_P50+=("$p50"); N_P99+=("$p99"); N_CPU+=("$cpu")
        N_ERR=$((N_ERR + non + sock))
    else
        S_RPS+=("$rps"); S_P50+=("$p50"); S_P99+=("$p99"); S_CPU+=("$cpu")
        S_WORKER+=("$(awk -v d="$((worker_after - worker_before))" -v t="$CLK_TCK" -v r="$req" \
            'BEGIN { if (r > 0) printf "%.3f\n", d * 1000000 / t / r; else print "nan" }')")
        S_ERR=$((S_ERR + non + sock))
    fi
}

for ((r = 1; r <= ROUNDS; r++)); do
    run_one "$r" nginx "$NGINX_PID" "$NGINX_URL"
    if [[ $BASELINE_ONLY != 1 ]]; then
        run_one "$r" shortener "$SHORTENER_PID" "$SHORTENER_URL"
    fi
done

# Memory after the runs.
NGINX_RSS_KB=$(status_kb "$NGINX_PID" VmRSS)
if [[ $BASELINE_ONLY != 1 ]]; then
    SHORTENER_RSS_KB=$(status_kb "$SHORTENER_PID" VmRSS)
    SHORTENER_HWM_KB=$(status_kb "$SHORTENER_PID" VmHWM)
fi

# ---------------------------------------------------------------- report
COMMIT=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null) || COMMIT=uncommitted

nr=$(median "${N_RPS[@]}"); np50=$(median "${N_P50[@]}"); np99=$(median "${N_P99[@]}"); ncpu=$(median "${N_CPU[@]}")
if [[ $BASELINE_ONLY != 1 ]]; then
    sr=$(median "${S_RPS[@]}"); sp50=$(median "${S_P50[@]}"); sp99=$(median "${S_P99[@]}"); scpu=$(median "${S_CPU[@]}")
    sworker=$(median "${S_WORKER[@]}")
fi

report() {
    echo "# Redirect benchmark: shortener vs nginx \`return 302\`"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- host: nproc $(nproc), $(uname -sr)"
    echo "- commit: $COMMIT"
    echo "- wrk: \`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency\` on 127.0.0.1, $ROUNDS round(s) alternating nginx/shortener, median per server"
    echo "- nginx: $NGINX_VERSION, worker_processes 2, access_log off, keepalive_requests 1000000, RSS after runs $((NGINX_RSS_KB / 1024)) MiB (master + workers)"
    if [[ $BASELINE_ONLY == 1 ]]; then
        echo "- shortener: not run (BASELINE_ONLY=1)"
    else
        echo "- shortener: \`$SHORTENER_BIN\`, 1 link, VmRSS after runs $(fmt "$(awk -v k="$SHORTENER_RSS_KB" 'BEGIN{print k/1024}')") MiB (VmHWM $(fmt "$(awk -v k="$SHORTENER_HWM_KB" 'BEGIN{print k/1024}')") MiB)"
    fi
    echo "- CPU µs/request: server utime+stime delta over the wrk run (CLK_TCK $CLK_TCK) / requests; wrk shares the same cores"
    echo
    echo "| server | req/s | p50 µs | p99 µs | CPU µs/request | errors |"
    echo "|---|---:|---:|---:|---:|---:|"
    echo "| nginx \`return 302\` | $(fmt "$nr" 0) | $(fmt "$np50") | $(fmt "$np99") | $(fmt "$ncpu" 2) | $N_ERR |"
    if [[ $BASELINE_ONLY != 1 ]]; then
        echo "| shortener | $(fmt "$sr" 0) | $(fmt "$sp50") | $(fmt "$sp99") | $(fmt "$scpu" 2) | $S_ERR |"
        echo
        echo "| shortener / nginx | ratio |"
        echo "|---|---:|"
        echo "| req/s | $(ratio "$sr" "$nr") |"
        echo "| p99 latency | $(ratio "$sp99" "$np99") |"
        echo "| CPU/request | $(ratio "$scpu" "$ncpu") |"
        local http_cpu
        http_cpu=$(awk -v a="$scpu" -v b="$sworker" 'BEGIN { printf "%.3f\n", a - b }')
        echo "| CPU/request, HTTP threads only (without storing the click) | $(ratio "$http_cpu" "$ncpu") |"
        echo
        echo "The shortener's CPU/request includes its click worker, which stores every click durably in SQLite"
        echo "(nginx records nothing: access_log off): click worker $(fmt "$sworker" 2) µs/request,"
        echo "HTTP threads $(fmt "$http_cpu" 2) µs/request (medians)."
    fi
    echo
    echo "errors = non-2xx/3xx responses + socket errors (connect, read, write, timeout), summed over the rounds."
    echo
    echo "## Rounds"
    echo
    echo "| round | server | req/s | p50 µs | p99 µs | CPU µs/request | requests | non-2xx/3xx | socket errors |"
    echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
    local row round name rps p50 p99 cpu req non sock
    for row in "${ROWS[@]}"; do
        read -r round name rps p50 p99 cpu req non sock <<<"$row"
        echo "| $round | $name | $(fmt "$rps" 0) | $(fmt "$p50") | $(fmt "$p99") | $(fmt "$cpu" 2) | $req | $non | $sock |"
    done
}

mkdir -p "$(dirname "$OUT")"
report | tee "$OUT"
log "report written to $OUT"
