#!/usr/bin/env bash
# The performance harness: starts the release server on a fresh database (SQLite, then
# Postgres), drives it with wrk on loopback, and prints every figure next to a reference
# measured in the same run (bench/run.py says which), then checks the budgets.
#
#   bench/run.sh          full runs (8 s each); writes bench/results.md and the README's table
#   bench/run.sh --short  2 s runs, budgets checked, nothing written (what scripts/test.sh runs)
#
# Needs the release build (scripts/test.sh makes it), wrk (scripts/setup.sh installs it) and
# PostgreSQL on 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

SHORT=false
[ "${1:-}" = "--short" ] && SHORT=true
SECS=8
$SHORT && SECS=2
# The crowd for the scale figures: people, sessions, security events, notifications.
SEED=(100000 1000000 5000000 1000000)
$SHORT && SEED=(10000 100000 500000 100000)
SEEDED="$(printf "%'d people, %'d sessions, %'d security events, %'d notifications" "${SEED[@]}")"
PORT=${PC_BENCH_PORT:-3320}
BIN=${PC_SERVER_BIN:-"$CARGO_TARGET_DIR/release/profile-center"}
[ -x "$BIN" ] || { echo "bench: no release build at $BIN (scripts/test.sh builds it)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench: wrk is missing (scripts/setup.sh installs it)" >&2; exit 2; }

WORK=$(mktemp -d)
SERVER=
PG_DB="pc_bench_$$"
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] && [ -n "${DATA:-}" ] && [ -f "$DATA/server.log" ]; then
    echo "bench: failed; the server's last words:" >&2
    grep -v 'sqlx::query' "$DATA/server.log" | tail -n 20 >&2
  fi
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  psql -h 127.0.0.1 -U postgres -d test -qc "drop database if exists $PG_DB with (force)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

stop() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  SERVER=
}

# serve BACKEND RUST_LOG [again]: a server on a fresh database of that backend (with "again":
# on the one it had), its data in $DATA and the database's URL in $BENCH_DATABASE_URL.
serve() {
  local backend=$1 log=$2
  stop
  if [ "${3:-}" != again ]; then
    DATA=$(mktemp -d -p "$WORK")
    BENCH_DATABASE_URL="sqlite://$DATA/bench.db"
    if [ "$backend" = postgres ]; then
      psql -h 127.0.0.1 -U postgres -d test -qc "drop database if exists $PG_DB with (force)" >/dev/null
      psql -h 127.0.0.1 -U postgres -d test -qc "create database $PG_DB" >/dev/null
      BENCH_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$PG_DB"
    fi
  fi
  export BENCH_DATABASE_URL
  local url=$BENCH_DATABASE_URL
  # Sign-ins come from many forwarded addresses and the keys have no practical rate limit, so
  # the load reaches argon2 and the handlers instead of the throttles (which answer early).
  env DATABASE_URL="$url" DATA_DIR="$DATA" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site $PC_RELEASE_SITE_ENV \
    TRUST_PROXY_HEADERS=true API_RATE_LIMIT=100000000 RUST_LOG="$log" "$BIN" >>"$DATA/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return; sleep 0.1; done
  echo "bench: the $backend server did not start" >&2; cat "$DATA/server.log" >&2; exit 1
}

TABLE="$WORK/table.md"
{
  echo "| backend | what | req/s | p99 | against the same run's reference |"
  echo "|---|---|---|---|---|"
} >"$TABLE"
STATEMENTS="$WORK/statements.md"
: >"$STATEMENTS"
for backend in sqlite postgres; do
  serve "$backend" "warn,sqlx::query=debug"
  python3 bench/run.py "$PORT" "$DATA" "$backend" "$SECS" --statements \
    | python3 -c 'import json,sys; [print(f"| '"$backend"' | {k} | {v} |") for k, v in json.load(sys.stdin).items()]' >>"$STATEMENTS"
  serve "$backend" "warn,profile_center::server::auth=info"
  python3 bench/run.py "$PORT" "$DATA" "$backend" "$SECS" >"$WORK/$backend.out"
  grep '^|' "$WORK/$backend.out" >>"$TABLE"
  # 5. Scale: the same pages again with the crowd seeded around that person.
  stop
  python3 bench/seed.py "$BENCH_DATABASE_URL" "${SEED[@]}"
  serve "$backend" "warn,profile_center::server::auth=info" again
  python3 bench/run.py "$PORT" "$DATA" "$backend" "$SECS" --scale "$SEEDED" >"$WORK/$backend.scale"
  grep '^|' "$WORK/$backend.scale" >>"$TABLE"
  cat "$WORK/$backend.out" "$WORK/$backend.scale" | grep '^FIGURES ' | cut -d' ' -f2- \
    | python3 -c 'import json,sys; f = {}; [f.update(json.loads(l)) for l in sys.stdin]; print(json.dumps(f))' \
    >"$WORK/$backend.json"
done

{
  cat "$TABLE"
  echo
  echo "| backend | request | SQL statements |"
  echo "|---|---|---|"
  cat "$STATEMENTS"
} >"$WORK/results.md"
cat "$WORK/results.md"

python3 bench/budgets.py "$WORK/sqlite.json" "$WORK/postgres.json" | tee "$WORK/budgets.md"

if ! $SHORT; then
  {
    echo "Measured by \`bench/run.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores shared by the server and wrk, $SECS s per run."
    echo
    cat "$WORK/results.md"
    echo
    cat "$WORK/budgets.md"
  } >bench/results.md
  python3 - <<'PY'
import re
readme = open("README.md").read()
results = open("bench/results.md").read().strip()
start, end = "<!-- bench:start -->", "<!-- bench:end -->"
if start in readme:
    readme = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda m: f"{start}\n{results}\n{end}", readme, flags=re.S)
    open("README.md", "w").write(readme)
PY
fi
grep -q "FAIL" "$WORK/budgets.md" && { echo "bench: a budget is broken" >&2; exit 1; }
echo "bench: every budget kept"
