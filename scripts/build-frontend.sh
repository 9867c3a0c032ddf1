#!/usr/bin/env bash
# Builds the web UI (frontend/, Next.js static export) into frontend/out, which `shortener serve` serves.
# Quick when nothing changed: `npm ci` only when node_modules is missing or package-lock.json changed, and
# `next build` only when a source file changed since the last build (hash stamp in frontend/out/.build-stamp).
#
#   scripts/build-frontend.sh            # install if needed, build if needed
#   scripts/build-frontend.sh --deps     # only the npm ci step (scripts/install-deps.sh)
#   SHORTENER_SKIP_FRONTEND=1            # skip entirely (C++-only builds)
set -euo pipefail
cd "$(dirname "$0")/../frontend"

[ "${SHORTENER_SKIP_FRONTEND:-0}" = 1 ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
  echo "build-frontend: npm not found (scripts/install-deps.sh installs it); the built-in page is served" >&2
  exit 0
fi

# One build at a time in this checkout (several build directories share frontend/).
exec 9>"${TMPDIR:-/tmp}/shortener-frontend-$(pwd | sha256sum | cut -c1-12).lock"
flock 9

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
deps_stamp=node_modules/.package-lock.sha256
if [ ! -f "$deps_stamp" ] || [ "$(cat "$deps_stamp")" != "$lock_hash" ]; then
  echo "build-frontend: npm ci in frontend" >&2
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$deps_stamp"
fi
[ "${1:-}" = --deps ] && exit 0

# Everything that goes into the export (generated public/countries-110m.json comes from the lock file; in a
# fresh clone public/ holds nothing else yet, so it may not exist).
mkdir -p public
src_hash="$( (echo "$lock_hash"; node --version
  find app components lib scripts public next.config.mjs tsconfig.json package.json -type f \
    ! -name countries-110m.json -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1)"
build_stamp=out/.build-stamp
if [ -f out/index.html ] && [ -f "$build_stamp" ] && [ "$(cat "$build_stamp")" = "$src_hash" ]; then
  exit 0
fi
echo "build-frontend: next build" >&2
NEXT_TELEMETRY_DISABLED=1 npm run --silent build >/dev/null
echo "$src_hash" >"$build_stamp"
