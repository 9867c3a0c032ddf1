#!/usr/bin/env bash
# Sourced by scripts/test.sh: starts throw-away PostgreSQL 15 and Redis 7 servers on loopback, in a
# temporary directory, on free ports, and PgBouncer in front of that PostgreSQL, and exports their addresses:
#   SHORTENER_TEST_PG_DSN         postgres://shortener@127.0.0.1:<port>/shortener_test
#   SHORTENER_TEST_REDIS_URL      redis://127.0.0.1:<port>
#   SHORTENER_TEST_PGBOUNCER_DSN  postgres://shortener@127.0.0.1:<port>/shortener_test through PgBouncer in
#                                 transaction mode (any database name routes to the same server); unset when
#                                 pgbouncer is not installed
# stop_test_services stops them all and removes the directory.

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_test_services() {
  SERVICES_DIR="$(mktemp -d /tmp/shortener-services.XXXXXX)"
  chmod 755 "$SERVICES_DIR"
  local pg_bin=/usr/lib/postgresql/15/bin
  local pg_port redis_port pgbouncer_port run_as=()
  pg_port="$(free_port)"
  redis_port="$(free_port)"
  pgbouncer_port="$(free_port)"

  # PostgreSQL refuses to run as root: run it as the postgres user the package created.
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$SERVICES_DIR"
    run_as=(runuser -u postgres --)
  fi
  "${run_as[@]}" "$pg_bin/initdb" -D "$SERVICES_DIR/pg" -U shortener -A trust -E UTF8 --no-locale >"$SERVICES_DIR/initdb.log" 2>&1
  "${run_as[@]}" "$pg_bin/pg_ctl" -D "$SERVICES_DIR/pg" -l "$SERVICES_DIR/pg.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $SERVICES_DIR -c fsync=off -c full_page_writes=off -c max_connections=200" start >/dev/null
  "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U shortener shortener_test

  redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --daemonize yes \
    --dir "$SERVICES_DIR" --pidfile "$SERVICES_DIR/redis.pid" --logfile "$SERVICES_DIR/redis.log"
  for _ in $(seq 50); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done

  export SHORTENER_TEST_PG_DSN="postgres://shortener@127.0.0.1:$pg_port/shortener_test"
  export SHORTENER_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
  export SERVICES_DIR
  unset SHORTENER_TEST_PGBOUNCER_DSN
  local pgbouncer_note="no PgBouncer (not installed)"
  if [ -x /usr/sbin/pgbouncer ]; then
    start_test_pgbouncer "$pg_port" "$pgbouncer_port" "${run_as[@]}"
    export SHORTENER_TEST_PGBOUNCER_DSN="postgres://shortener@127.0.0.1:$pgbouncer_port/shortener_test"
    pgbouncer_note="PgBouncer on 127.0.0.1:$pgbouncer_port"
  fi
  echo "test services: PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port, $pgbouncer_note" >&2
}

# PgBouncer (Debian 12: 1.18) in transaction mode in front of the test PostgreSQL, as the API and worker may run
# behind it (docs/capacity.md). Three server connections per database, so client connections really take turns on
# them: a statement prepared on one is missing on the next. The wildcard entry routes every database name (the
# tests' per-test databases) to the same server, always as user shortener (auth_type any: no password). The
# `options` startup parameter is refused: a per-connection search_path would not survive transaction pooling.
# PgBouncer refuses to run as root: then it runs as postgres, like the server.
# Arguments: the PostgreSQL port, its own port, the run-as prefix (may be empty).
start_test_pgbouncer() {
  local pg_port="$1" port="$2"
  shift 2
  cat >"$SERVICES_DIR/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$pg_port user=shortener

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 3
max_client_conn = 1000
server_idle_timeout = 30
logfile = $SERVICES_DIR/pgbouncer.log
pidfile = $SERVICES_DIR/pgbouncer.pid
EOF
  "$@" /usr/sbin/pgbouncer -d -q "$SERVICES_DIR/pgbouncer.ini"
  for _ in $(seq 50); do
    /usr/lib/postgresql/15/bin/pg_isready -q -h 127.0.0.1 -p "$port" -d shortener_test -U shortener && break
    sleep 0.1
  done
}

stop_test_services() {
  [ -n "${SERVICES_DIR:-}" ] || return 0
  local run_as=()
  [ "$(id -u)" -eq 0 ] && run_as=(runuser -u postgres --)
  "${run_as[@]}" /usr/lib/postgresql/15/bin/pg_ctl -D "$SERVICES_DIR/pg" -m immediate stop >/dev/null 2>&1 || true
  if [ -f "$SERVICES_DIR/redis.pid" ]; then kill "$(cat "$SERVICES_DIR/redis.pid")" 2>/dev/null || true; fi
  if [ -f "$SERVICES_DIR/pgbouncer.pid" ]; then kill "$(cat "$SERVICES_DIR/pgbouncer.pid")" 2>/dev/null || true; fi
  rm -rf "$SERVICES_DIR"
}
