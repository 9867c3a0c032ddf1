#!/usr/bin/env bash
# Installs what is missing, builds, starts the test servers (PostgreSQL 15 and Redis 7 on loopback, in
# temporary directories on free ports) and runs every test with ctest: unit, store, end-to-end.
# Arguments go to ctest (e.g. `scripts/test.sh -L unit`).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh test
SHORTENER_BUILD_TESTS=ON scripts/build.sh

# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
start_test_services
trap stop_test_services EXIT

cd build
ctest --output-on-failure --timeout 900 "$@"
