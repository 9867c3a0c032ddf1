#!/usr/bin/env bash
# bench/redirect.sh — realistic redirects against nginx's `return 302` in the same run (issue #18). Loopback only,
# bounded (every wrk run by DURATION and a hard timeout, each drain by 10 min) and self-stopping.
#
#   bench/redirect.sh                          # embedded mode: 10,000 slugs and the single-slug row
#   TARGETS="embedded distributed" bench/redirect.sh   # also serve + worker + Redis + PostgreSQL
#
# What is sent and counted is described in bench/redirect.py. Environment:
#   SHORTENER_BIN  binary (default build/shortener)     TARGETS   embedded and/or distributed (default embedded)
#   LINKS          slugs cycled (default 10000)         SINGLE    1 = add the single-slug row (default 1)
#   DURATION       seconds per wrk run (default 8)      ROUNDS    alternating rounds, medians (default 3)
#   THREADS, CONNECTIONS  wrk -t / -c (default 2 / 64)
#   COMPARE_BIN    an earlier build measured in the same run (before/after rows)
#   SHORTENER_EXTRA_ENV   "NAME=VALUE ..." given to the shortener (e.g. a setting under test)
#   OUT            Markdown report (default bench/results/redirect-<UTC time>.md)
# Distributed mode starts a private PostgreSQL 15 and Redis 7 (scripts/test-services.sh: fsync off, as in the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
PATH=$PATH:/usr/sbin:/sbin
for tool in wrk nginx python3 psql; do
  command -v "$tool" >/dev/null || scripts/install-deps.sh bench
done
[ -x "${SHORTENER_BIN:-build/shortener}" ] || { echo "redirect.sh: build/shortener missing (scripts/build.sh)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [[ " ${TARGETS:-embedded} " == *" distributed "* ]]; then
  # shellcheck source=scripts/test-services.sh
  source scripts/test-services.sh
  start_test_services
  trap stop_test_services EXIT
fi
python3 bench/redirect.py
