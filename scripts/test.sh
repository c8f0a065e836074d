#!/usr/bin/env bash
# README command 2: installs whatever is missing, then runs every test.
#
#   1. release build of the site and server, once (scripts/build.sh: cargo leptos build --release,
#      then the site precompressed)
#   2. the size budget of the first load and of each tab navigation (bench/size.sh --no-build),
#      the memory budget (bench/memory.sh: RSS idle, under page/API load and a sign-in flood, at
#      most 150 MB), tab navigation against full page loads (bench/navigation.sh 5), the
#      throughput/latency/scale budgets (bench/run.sh --short) and Lighthouse (bench/lighthouse.sh)
#   3. Rust unit tests and HTTP integration tests on SQLite and on Postgres (cargo test)
#   4. schemathesis over the REST API's OpenAPI document (scripts/api-fuzz.sh)
#   5. Playwright in Debian Chromium: JavaScript on and off, desktop and 375 px, axe-core
#   6. the release bundle, unpacked and started without Rust (scripts/release.sh --check)
#   7. every server log of steps 3 and 5 searched for secrets (scripts/scan-logs.py)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
source scripts/env.sh
step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

step "PostgreSQL on 127.0.0.1:5432"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
# Databases left behind by an interrupted earlier run.
psql -h 127.0.0.1 -U postgres -d test -Atc "select datname from pg_database where datname like 'pc_test_%'" \
  | while read -r db; do psql -h 127.0.0.1 -U postgres -d test -qc "drop database if exists $db with (force)"; done

step "release build (site + server)"
bash scripts/build.sh

step "size budget of the first load"
bash bench/size.sh --no-build

step "memory budget: idle, under page and API load, under a sign-in flood"
bash bench/memory.sh

step "tab navigation in place is faster than the full page load it replaces"
bash bench/navigation.sh 5

step "throughput, latency and scale against same-run references (bench/run.sh --short)"
bash bench/run.sh --short

step "Lighthouse 12, mobile: /signin and a signed-in /settings/profile"
bash bench/lighthouse.sh

step "Rust unit and integration tests (SQLite and Postgres)"
# No incremental state for the test build: it grows by gigabytes per run and a test run compiles
# each change once anyway. Stale artifacts are pruned when the build folder gets too big.
if [ -d "$CARGO_TARGET_DIR/debug" ] && [ "$(du -sm "$CARGO_TARGET_DIR/debug" | cut -f1)" -gt 12000 ]; then
  echo "pruning $CARGO_TARGET_DIR/debug (over 12 GB of old build artifacts)"
  rm -rf "$CARGO_TARGET_DIR/debug"
fi
# Two at a time (the default on these machines): 8 at a time took 65-71 s instead of 118 s, but
# one run in three saw a page render on an in-process server exceed its 30 s request timeout.
# Every test server's log also goes to one file, searched for secrets at the end.
logs=$(mktemp -d)
export PC_TEST_LOG_FILE="$logs/integration.log" PC_E2E_DATA_DIR="$logs/e2e"
mkdir -p "$PC_E2E_DATA_DIR"
CARGO_INCREMENTAL=0 cargo test --features ssr --no-fail-fast

step "REST API fuzzing against its OpenAPI document (schemathesis)"
bash scripts/api-fuzz.sh "$CARGO_TARGET_DIR/release/profile-center"

step "Playwright (Chromium; JavaScript on/off; desktop and 375 px; axe-core)"
(cd end2end && PC_SERVER_BIN="$CARGO_TARGET_DIR/release/profile-center" npx playwright test)

step "release bundle: unpacked elsewhere, started without Rust"
bash scripts/release.sh --no-build --check

step "no secret in any server log of this run"
python3 scripts/scan-logs.py "$PC_TEST_LOG_FILE" $(find "$PC_E2E_DATA_DIR" -name server.log)
rm -rf "$logs"

step "all tests passed"
