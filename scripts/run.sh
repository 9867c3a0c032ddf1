#!/usr/bin/env bash
# Installs what is missing, builds, and runs `shortener serve` in embedded mode (SQLite in ./data) on
# http://localhost:8080. Any arguments go to `shortener serve` (see `build/shortener --help`).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh run
scripts/build.sh
exec build/shortener serve "$@"
