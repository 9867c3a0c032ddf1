#!/usr/bin/env bash
# The container tier (issue #19; ctest `container`, label container): the real images, built and run with Debian's
# podman on this machine, no registry.
#   1. a Debian base image from mmdebstrap (tests/container/podman-env.sh), then the api, worker and frontend images
#      (`podman build --pull=never --format docker`; api and worker share one build stage) and the stand-ins for the
#      upstream images docker-compose.yml names (postgres, redis, prometheus, pushgateway; tests/container/standins);
#   2. the Kubernetes and Helm files against the built images' metadata (tests/container/k8s-image-check.mjs);
#   3. api and frontend alone: /healthz on a loopback port, the image's HEALTHCHECK, a non-root user, a read-only
#      root file system, a clean exit within 10 s of SIGTERM; the api in embedded mode without a single
#      enrich_data_missing warning;
#   4. docker-compose (1.29) on the podman socket: postgres, redis, migrate, api, worker, frontend, pushgateway and
#      prometheus, health-gated; create a link, follow it, see the click in the stats, scrape /metrics (api, worker,
#      Prometheus), the worker image's own checks on the stack's network, then `down -v` leaves nothing.
# Prints the build times and image sizes. State (podman storage, layer and ccache caches) lives in
# /var/cache/shortener/container-tier (SHORTENER_CONTAINER_STATE) and makes a second run warm; every container,
# volume, network and the podman service are removed on exit, failure included.
#
#   tests/container/run.sh [BUILD_DIR]     # BUILD_DIR: ignored (the state's old place); needs
#                                          # `scripts/install-deps.sh test` and root
#
# Exit 77 (skipped) only where podman cannot run containers at all (rootless, no user namespaces).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
here="$repo/tests/container"
started=$(date +%s)

log() { printf '[container %4ds] %s\n' $(($(date +%s) - started)) "$*"; }
fail() {
  log "FAIL: $*"
  exit 1
}

if ! command -v podman >/dev/null || ! command -v docker-compose >/dev/null || ! command -v mmdebstrap >/dev/null; then
  echo "container tier: podman, docker-compose or mmdebstrap missing (scripts/install-deps.sh test installs them)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "container tier SKIPPED: needs root (rootless podman needs subordinate ids this tier does not set up)" >&2
  exit 77
fi

# shellcheck source=tests/container/podman-env.sh
source "$here/podman-env.sh"
# The state lives outside the checkout (SHORTENER_CONTAINER_STATE), so that a fresh clone on a machine that ran the
# tier before starts warm: CI's clean clone would otherwise make the base image and every layer anew (about 10 min
# on 2 cores). One run at a time per state (flock): a second waits.
state_dir="${SHORTENER_CONTAINER_STATE:-/var/cache/shortener/container-tier}"
mkdir -p "$state_dir"
exec 9>"$state_dir/.lock"
flock 9
podman_env_setup "$state_dir"
if ! podman info >/dev/null 2>&1; then
  echo "container tier SKIPPED: podman cannot run here:" >&2
  podman info 2>&1 | tail -n 5 >&2
  exit 77
fi

# What a killed run (ctest's timeout kills with SIGKILL, no trap runs) may have left: its podman service and
# health-check loop (pids recorded below, checked by command line before they are ended) and its temp dir.
# end_stale PIDFILE PATTERN: ends the recorded process if its command line still matches.
end_stale() {
  if [ -f "$1" ]; then
    local pid
    pid="$(cat "$1")"
    if ps -p "$pid" -o args= 2>/dev/null | grep -q "$2"; then kill "$pid" 2>/dev/null || true; fi
    rm -f "$1"
  fi
}
end_stale "$PODMAN_STATE/service.pid" 'podman system service'
end_stale "$PODMAN_STATE/health.pid" 'tests/container/run.sh'
rm -rf "$PODMAN_STATE"/tmp/run.*
work="$(mktemp -d "$PODMAN_STATE/tmp/run.XXXXXX")"
project="shortener-ct"
compose_file="$work/compose.yml"
service_pid=""
health_pid=""
export DOCKER_HOST="unix://$work/podman.sock" COMPOSE_PROJECT_NAME="$project"

# Everything this tier starts lives in its own storage (PODMAN_STATE): containers, pods, volumes and networks there
# are all ours, from this run or from one that was killed.
remove_everything() {
  buildah rm --all >/dev/null 2>&1 || true # working containers of an interrupted build
  podman pod rm -af -t 0 >/dev/null 2>&1 || true
  podman rm -af -t 0 >/dev/null 2>&1 || true
  podman volume prune -f >/dev/null 2>&1 || true
  podman network ls --format '{{.Name}}' 2>/dev/null | grep -v '^podman$' | xargs -r podman network rm -f >/dev/null 2>&1 || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$health_pid" ]; then kill "$health_pid" 2>/dev/null || true; fi
  rm -f "$PODMAN_STATE/health.pid" "$PODMAN_STATE/service.pid"
  if [ -S "$work/podman.sock" ] && [ -f "$compose_file" ]; then
    if [ "$rc" -ne 0 ]; then
      log "logs of the compose stack (failure):"
      docker-compose -f "$compose_file" logs --no-color --tail=40 2>/dev/null | sed 's/^/    /' || true
    fi
    docker-compose -f "$compose_file" down -v --remove-orphans -t 10 >/dev/null 2>&1 || true
  fi
  if [ -n "$service_pid" ]; then
    kill "$service_pid" 2>/dev/null || true
    wait "$service_pid" 2>/dev/null || true
  fi
  # Images stay, dangling ones included: they are the layer cache of the next run (`podman image prune` by hand).
  remove_everything
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
remove_everything

# A free loopback port.
free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
# wait_http URL SECONDS: until URL answers 2xx.
wait_http() {
  local i
  for ((i = 0; i < $2 * 4; i++)); do
    if curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; then return 0; fi
    sleep 0.25
  done
  return 1
}

# 1. Images. The host's extra CA certificates (a TLS-inspecting proxy) go into the builds' RUN steps, so that npm
#    reaches the registry before the Dockerfiles install ca-certificates.
build_args=(--pull=never --format docker --layers)
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  build_args+=(-v /usr/local/share/ca-certificates:/usr/local/share/ca-certificates:ro)
fi
# The host's ccache (filled by the test build of these sources) serves the api image's compile: same compiler and
# headers from the same Debian packages, same flags (see the Dockerfile's CCACHE_DIR).
host_ccache="$(ccache -k cache_dir 2>/dev/null || true)"
if [ -n "$host_ccache" ] && [ -d "$host_ccache" ]; then
  api_cache_args=(--build-arg CCACHE_DIR=/host-ccache -v "$host_ccache:/host-ccache")
else
  api_cache_args=()
fi
declare -A build_seconds
# build NAME TAG ARGS…: podman build, timed, its output in $work/build-NAME.log (shown on failure).
build() {
  local name="$1" tag="$2" t0
  shift 2
  t0=$(date +%s)
  if ! podman build "${build_args[@]}" -t "$tag" "$@" >"$work/build-$name.log" 2>&1; then
    tail -n 60 "$work/build-$name.log" | sed 's/^/    /'
    fail "podman build of $name"
  fi
  build_seconds[$name]=$(($(date +%s) - t0))
  log "built $name ($tag) in ${build_seconds[$name]} s"
}
t0=$(date +%s)
base_image_ensure
log "Debian base image ready ($(($(date +%s) - t0)) s)"
build api localhost/shortener-api:local -f deploy/docker/shortener.Dockerfile --target api "${api_cache_args[@]}" .
build worker localhost/shortener-worker:local -f deploy/docker/shortener.Dockerfile --target worker "${api_cache_args[@]}" .
grep -E 'cache (hits|misses)|Hits:|Misses:' "$work/build-api.log" | sed 's/^/    ccache: /' || true
build frontend localhost/shortener-frontend:local -f deploy/docker/frontend.Dockerfile --target frontend .
standins="$here/standins"
build postgres docker.io/library/postgres:15-bookworm -f "$standins/postgres.Dockerfile" "$standins"
build redis docker.io/library/redis:7-bookworm -f "$standins/redis.Dockerfile" "$standins"
build prometheus docker.io/prom/prometheus:v2.53.0 -f "$standins/prometheus.Dockerfile" --target prometheus "$standins"
build pushgateway docker.io/prom/pushgateway:v1.9.0 -f "$standins/prometheus.Dockerfile" --target pushgateway "$standins"
log "stand-ins (Debian packages on the same base, tagged with the upstream names docker-compose.yml uses):" \
  "postgres:15-bookworm, redis:7-bookworm, prom/prometheus:v2.53.0, prom/pushgateway:v1.9.0; grafana/grafana has" \
  "no Debian package and is left out of the stack"

# 2. The Kubernetes and Helm files describe these images.
for image in api worker frontend postgres redis; do
  case "$image" in
    postgres) ref=docker.io/library/postgres:15-bookworm ;;
    redis) ref=docker.io/library/redis:7-bookworm ;;
    *) ref="localhost/shortener-$image:local" ;;
  esac
  podman image inspect "$ref" >"$work/inspect-$image.json"
done
podman run --rm localhost/shortener-api:local --help >"$work/help.txt" 2>&1 || true
podman run --rm --entrypoint sh docker.io/library/postgres:15-bookworm -c 'postgres --version' >"$work/postgres-version.txt"
podman run --rm --entrypoint sh docker.io/library/redis:7-bookworm -c 'redis-server --version' >"$work/redis-version.txt"
# k8s/base as written, and each overlay as kustomize renders it (when kubectl is there; scripts/check-deploy.sh).
manifests=("$work/k8s-base.yaml")
for f in k8s/base/*.yaml; do cat "$f"; echo '---'; done >"$work/k8s-base.yaml"
if command -v kubectl >/dev/null; then
  for overlay in dev prod; do
    kubectl kustomize "k8s/overlays/$overlay" >"$work/k8s-$overlay.yaml"
    manifests+=("$work/k8s-$overlay.yaml")
  done
fi
node "$here/k8s-image-check.mjs" "$work" "${manifests[@]}" || fail "k8s/ or helm/ do not match the images"
log "PASS k8s/ and helm/ match the images (names, ports, probes, users, commands, environment, secrets)"

# 3. One image alone. check_image NAME IMAGE CONTAINER_PORT [podman run options…]: the container as Kubernetes runs
#    it (read-only root, every capability dropped, no privilege escalation, tmpfs /tmp; the data directory is the
#    image's VOLUME or a -v option, an anonymous volume) on a free loopback port. Podman's complaints about the
#    missing systemd (no health-check timers) go to $work/podman.log.
check_image() {
  local name="$1" image="$2" port="$3" host_port uid exit_code t0 status
  shift 3
  host_port="$(free_port)"
  podman run -d --name "ct-$name" -p "127.0.0.1:$host_port:$port" --read-only --tmpfs /tmp --cap-drop ALL \
    --security-opt no-new-privileges "$@" "$image" >/dev/null 2>>"$work/podman.log"
  wait_http "http://127.0.0.1:$host_port/healthz" 30 || {
    podman logs "ct-$name" 2>&1 | tail -n 30
    fail "$name: /healthz on 127.0.0.1:$host_port"
  }
  status="$(podman healthcheck run "ct-$name" 2>&1)" || fail "$name: HEALTHCHECK failed: $status"
  uid="$(podman exec "ct-$name" id -u)"
  [ "$uid" != 0 ] || fail "$name: runs as root"
  log "PASS $name: /healthz on 127.0.0.1:$host_port, HEALTHCHECK ${status:-healthy}, uid $uid, read-only root"
  t0=$(date +%s%N)
  podman kill --signal TERM "ct-$name" >/dev/null 2>>"$work/podman.log"
  exit_code="$(timeout 12 podman wait "ct-$name")" || fail "$name: still running 10 s after SIGTERM"
  local ms=$((($(date +%s%N) - t0) / 1000000))
  [ "$ms" -le 10000 ] || fail "$name: took $ms ms to stop after SIGTERM"
  [ "$exit_code" = 0 ] || {
    podman logs "ct-$name" 2>&1 | tail -n 20
    fail "$name: exit status $exit_code after SIGTERM"
  }
  podman logs "ct-$name" >"$work/logs-$name.txt" 2>&1
  podman rm -v "ct-$name" >/dev/null 2>>"$work/podman.log"
  log "PASS $name: exit 0 ${ms} ms after SIGTERM"
}
# enrichment_complete NAME LOGFILE: the enricher loaded every data file.
enrichment_complete() {
  if grep -q enrich_data_missing "$2"; then
    grep enrich_data_missing "$2"
    fail "$1: enrichment data missing in the image"
  fi
  grep -q '"enrich_ready".*"data_files_missing":"0"' "$2" || {
    tail -n 20 "$2"
    fail "$1: no enrich_ready line with data_files_missing 0 in its log"
  }
  log "PASS $1: enrichment data complete, no enrich_data_missing warning"
}
# Embedded mode: the in-process worker loads the enrichment data at start.
check_image api localhost/shortener-api:local 8080
enrichment_complete api "$work/logs-api.txt"
check_image frontend localhost/shortener-frontend:local 8080

# 4. The compose stack on the podman socket. Podman runs no health-check timer here (no systemd): a loop runs the
#    containers' health checks so that depends_on: service_healthy can turn true.
podman system service --time=0 "$DOCKER_HOST" >"$work/podman-service.log" 2>&1 &
service_pid=$!
echo "$service_pid" >"$PODMAN_STATE/service.pid"
for _ in $(seq 1 40); do [ -S "$work/podman.sock" ] && break; sleep 0.25; done
[ -S "$work/podman.sock" ] || fail "podman system service did not open its socket"
(
  while true; do
    for c in $(podman ps --filter health=starting --filter health=unhealthy --format '{{.Names}}' 2>/dev/null); do
      podman healthcheck run "$c" >/dev/null 2>&1 || true
    done
    sleep 1
  done
) &
health_pid=$!
echo "$health_pid" >"$PODMAN_STATE/health.pid"

api_port="$(free_port)"
ui_port="$(free_port)"
prom_port="$(free_port)"
push_port="$(free_port)"
grafana_port="$(free_port)"
export SHORTENER_API_PORT="$api_port" SHORTENER_UI_PORT="$ui_port" PROMETHEUS_PORT="$prom_port" \
  PUSHGATEWAY_PORT="$push_port" GRAFANA_PORT="$grafana_port"
# The repository's compose file, unchanged but for a faster Prometheus scrape (the test waits for one).
sed 's|--storage.tsdb.retention.time=7d|--storage.tsdb.retention.time=1d|' docker-compose.yml >"$compose_file"
sed 's/scrape_interval: 15s/scrape_interval: 2s/' prometheus/prometheus-compose.yml >"$work/prometheus.yml"
# Relative paths (./prometheus, ./deploy) resolve against the repository: --project-directory.
compose() { docker-compose -f "$compose_file" --project-directory "$repo" "$@"; }
mkdir -p "$work/prometheus"
sed -i "s|./prometheus/prometheus-compose.yml:|$work/prometheus.yml:|" "$compose_file"
services=(postgres redis migrate api worker frontend pushgateway prometheus)
t0=$(date +%s)
compose up -d --no-build "${services[@]}" >"$work/compose-up.log" 2>&1 || {
  cat "$work/compose-up.log"
  fail "docker-compose up"
}
log "compose up (${services[*]}) in $(($(date +%s) - t0)) s"
wait_http "http://127.0.0.1:$api_port/readyz" 60 || fail "api /readyz through compose"
[ "$(podman inspect -f '{{.State.ExitCode}}' "${project}_migrate_1")" = 0 ] || fail "migrate did not exit 0"

slug="$(curl -fsS -X POST "http://127.0.0.1:$api_port/api/v1/links" -H 'Content-Type: application/json' \
  -d '{"url": "https://example.com/container-tier"}' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).slug))')"
[ -n "$slug" ] || fail "create a link"
t_click=$(date +%s%N)
location="$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -A 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' \
  "http://127.0.0.1:$api_port/$slug")"
[ "$location" = "302 https://example.com/container-tier" ] || fail "follow $slug: $location"
clicks=0
for _ in $(seq 1 40); do
  clicks="$(curl -fsS "http://127.0.0.1:$api_port/api/v1/links/$slug" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).clicks))')"
  [ "$clicks" -ge 1 ] && break
  sleep 0.25
done
[ "$clicks" -ge 1 ] || fail "the click on $slug never reached the stats"
log "PASS compose: link $slug created, 302 followed, the click in its stats $((($(date +%s%N) - t_click) / 1000000)) ms later"
# (Into a variable first: grep -q stopping early would fail the pipeline with curl's SIGPIPE.)
metrics="$(curl -fsS "http://127.0.0.1:$api_port/metrics")" || fail "api /metrics"
grep -q '^shortener_' <<<"$metrics" || fail "api /metrics has no shortener_ series"
metrics="$(podman exec "${project}_worker_1" curl -fsS http://127.0.0.1:9464/metrics)" || fail "worker /metrics"
grep -q '^shortener_' <<<"$metrics" || fail "worker /metrics has no shortener_ series"
curl -fsS -o /dev/null "http://127.0.0.1:$ui_port/" || fail "frontend through compose"
for _ in $(seq 1 60); do
  up="$(curl -fsS "http://127.0.0.1:$prom_port/api/v1/query?query=up%7Bjob%3D%22shortener-api%22%7D" 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).data.result;console.log(r.length?r[0].value[1]:"")})' || true)"
  [ "$up" = 1 ] && break
  sleep 0.5
done
[ "$up" = 1 ] || fail "Prometheus never scraped the api (up=$up)"
log "PASS compose: /metrics of api and worker, Prometheus scraped the api (up=1), UI on :$ui_port"
podman logs "${project}_worker_1" >"$work/logs-worker-compose.txt" 2>&1
enrichment_complete worker "$work/logs-worker-compose.txt"

# The worker image's own checks, as a second worker on the stack's network.
network="$(podman inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' "${project}_worker_1")"
check_image worker localhost/shortener-worker:local 9464 --network "$network" \
  -v /var/lib/shortener \
  -e DATABASE_URL=postgres://shortener:shortener@postgres:5432/shortener -e REDIS_URL=redis://redis:6379
enrichment_complete worker "$work/logs-worker.txt"

t0=$(date +%s)
compose down -v -t 10 >"$work/compose-down.log" 2>&1 || {
  cat "$work/compose-down.log"
  fail "docker-compose down -v"
}
left="$(podman ps -aq | wc -l) containers, $(podman volume ls -q | wc -l) volumes, $(podman network ls -q --filter name="$project" | wc -l) networks"
[ "$left" = "0 containers, 0 volumes, 0 networks" ] || fail "down -v left $left"
log "PASS compose down -v in $(($(date +%s) - t0)) s: nothing left"

log "image sizes (uncompressed; api and worker share every layer but their metadata):"
for image in shortener-api shortener-worker shortener-frontend; do
  size="$(podman image inspect -f '{{.Size}}' "localhost/$image:local")"
  printf '    %-20s %4d MB\n' "$image" $((size / 1000000))
done
log "build times: $(for k in api worker frontend postgres redis prometheus pushgateway; do printf '%s %ss, ' "$k" "${build_seconds[$k]:-?}"; done)"
log "container tier passed in $(($(date +%s) - started)) s"
