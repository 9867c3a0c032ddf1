#!/bin/sh
# As the upstream image does: without a config file Redis 7 answers only loopback clients (protected mode), so the
# server is started with protected mode off; the container network is the boundary.
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  exec redis-server --protected-mode no "$@"
fi
exec "$@"
