#!/usr/bin/env bash
# bench/rules.sh — the redirect of a link with 25 rules and a split against a plain link and nginx's `return 302`, in
# one run (issue #17). Embedded mode, loopback, one slug per target, wrk with a desktop browser's headers. The 25
# rules are built so that none matches (country, device, language and query conditions, the country one last, so every
# rule is evaluated and the GeoIP lookup happens), and the split then picks the variant.
#
#   bench/rules.sh        DURATION (seconds per wrk run, default 5), ROUNDS (alternating, default 3), THREADS,
#                         CONNECTIONS (wrk -t / -c, default 2 / 32), SHORTENER_BIN (default build/shortener)
#
# Prints a Markdown table (medians of the rounds): req/s, p99 and CPU per redirect (nginx: all its processes; the
# shortener: its HTTP threads). On a shared machine req/s is noisy; CPU per redirect much less so.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH=$PATH:/usr/sbin:/sbin
for tool in wrk nginx curl python3; do command -v "$tool" >/dev/null || { echo "rules.sh: $tool missing" >&2; exit 1; }; done
BIN=${SHORTENER_BIN:-build/shortener}
DURATION=${DURATION:-5} ROUNDS=${ROUNDS:-3} THREADS=${THREADS:-2} CONNECTIONS=${CONNECTIONS:-32}
GEOIP=../shared/testdata/maxmind/test-data/GeoIP2-City-Test.mmdb
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

nginx_port=$(free_port)
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off; master_process on; worker_processes 2; pid $work/nginx/nginx.pid; error_log $work/nginx/logs/error.log;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:$nginx_port; location / { return 302 https://example.com/; } } }
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" & pids+=($!)

port=$(free_port)
env SHORTENER_DATA_DIR="$work/data" SHORTENER_LISTEN="127.0.0.1:$port" SHORTENER_LOG_LEVEL=warn \
  SHORTENER_TRUSTED_PROXIES=127.0.0.1/32 SHORTENER_RATE_LIMIT_CREATE=0 SHORTENER_RATE_LIMIT_API=0 \
  ${GEOIP:+SHORTENER_GEOIP_DB=$GEOIP} "$BIN" serve >"$work/shortener.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

rules=$(python3 - <<'EOF'
import json
rules = []
for i in range(25):
    cond = [{"query": {"campaign": f"c{i}"}}, {"language": ["ja", "ko"]}, {"device": ["ios", "android"]},
            {"country": ["JP", "KR"]}][i % 4]
    rules.append({"if": cond, "url": f"https://example.com/rule{i}"})
rules[-1] = {"if": {"country": ["JP"]}, "url": "https://example.com/jp"}  # last: a GeoIP lookup on every request
print(json.dumps({"url": "https://example.com/", "rules": rules,
                  "split": [{"url": "https://example.com/a", "weight": 70}, {"url": "https://example.com/b", "weight": 30}]}))
EOF
)
create() { curl -fsS -X POST "http://127.0.0.1:$port/api/v1/links" -H 'content-type: application/json' -d "$1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["slug"])'; }
plain=$(create '{"url": "https://example.com/"}')
routed=$(create "$rules")

UA='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36'
# The routed link must answer with a split variant (no rule matching), else the run measures something else.
where=$(curl -s -o /dev/null -w '%{redirect_url}' -H "User-Agent: $UA" -H 'X-Forwarded-For: 81.2.69.142' \
  "http://127.0.0.1:$port/$routed")
case $where in https://example.com/a | https://example.com/b) ;; *) echo "rules.sh: routed link went to $where" >&2; exit 1 ;; esac
# CPU ticks (utime + stime) of nginx (master and workers; WHAT=all) or of the shortener's HTTP threads (http-*;
# WHAT=http): what a redirect costs the threads that answer it, which other load on the cores disturbs less than req/s.
cpu_ticks() {
  python3 - "$1" "$2" <<'PY'
import os, sys
ticks = 0
for pid in sys.argv[1].split(","):
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except FileNotFoundError:
            continue
        if sys.argv[2] == "http" and not stat[stat.index("(") + 1:stat.rindex(")")].startswith("http-"):
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        ticks += int(fields[11]) + int(fields[12])
print(ticks)
PY
}
# rps, p99 (ms) and CPU µs per redirect of one wrk run: measure URL PIDS WHAT (PIDS and WHAT as for cpu_ticks)
measure() {
  local before after
  before=$(cpu_ticks "$2" "$3")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "User-Agent: $UA" -H 'Accept-Language: en-US,en;q=0.9' \
    -H 'X-Forwarded-For: 81.2.69.142' "$1" >"$work/wrk.txt"
  after=$(cpu_ticks "$2" "$3")
  python3 -c '
import os, re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
n = int(re.search(r"(\d+) requests in", t).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)", t)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
print(rps, p99, (int(sys.argv[3]) - int(sys.argv[2])) * 1e6 / os.sysconf("SC_CLK_TCK") / n)' "$work/wrk.txt" "$before" "$after"
}
nginx_pids="$(cat "$work/nginx/nginx.pid"),$(pgrep -d, -P "$(cat "$work/nginx/nginx.pid")")"
shortener_pid=${pids[1]}
declare -A rps p99 cpu
for _ in $(seq "$ROUNDS"); do
  for target in nginx plain routed; do
    case $target in
      nginx) args=("http://127.0.0.1:$nginx_port/x" "$nginx_pids" all) ;;
      plain) args=("http://127.0.0.1:$port/$plain" "$shortener_pid" http) ;;
      routed) args=("http://127.0.0.1:$port/$routed" "$shortener_pid" http) ;;
    esac
    read -r r p c < <(measure "${args[@]}")
    rps[$target]+="$r " p99[$target]+="$p " cpu[$target]+="$c "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| target | req/s (median of $ROUNDS) | p99 ms | CPU µs per redirect | req/s ÷ nginx | CPU ÷ nginx |"
echo "|---|---:|---:|---:|---:|---:|"
n=$(echo "${rps[nginx]}" | median)
nc=$(echo "${cpu[nginx]}" | median)
for target in nginx plain routed; do
  r=$(echo "${rps[$target]}" | median)
  p=$(echo "${p99[$target]}" | median)
  c=$(echo "${cpu[$target]}" | median)
  echo "| $target | $r | $p | $(python3 -c "print(f'{$c:.2f}')") | $(python3 -c "print(f'{$r/$n:.2f}')") | $(python3 -c "print(f'{$c/$nc:.2f}')") |"
done
echo
echo "routed = 25 rules (none matching; the last asks the GeoIP database) + a 70/30 split. CPU: nginx master + workers, the shortener's HTTP threads (its click worker not counted). $(nproc) CPUs, shared; wrk -t$THREADS -c$CONNECTIONS, ${DURATION}s runs."
