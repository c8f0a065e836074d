#!/usr/bin/env bash
# Sign-in failures must not tell which e-mails have accounts: this times N failed sign-ins with
# unknown e-mails and N with known e-mails and wrong passwords against the release server (on a
# fresh SQLite file), prints both medians, and fails if they differ by more than 25 %.
#
#   bench/signin_timing.sh [N]        (default 30; needs the release build from scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

N=${1:-30}
PORT=${PC_BENCH_PORT:-3300}
BIN="$CARGO_TARGET_DIR/release/profile-center"
DATA=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT

# Each attempt comes from its own (forwarded) address and account, so throttling never answers
# early and skews the timing.
DATABASE_URL="sqlite://$DATA/bench.db" DATA_DIR="$DATA" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" \
  TRUST_PROXY_HEADERS=true RUST_LOG=warn "$BIN" >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done

call() { # $1 = function, $2 = forwarded IP, rest = form fields; prints seconds taken
  local fn=$1 ip=$2; shift 2
  local args=(); for f in "$@"; do args+=(--data-urlencode "$f"); done
  curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept: application/json' -H "X-Forwarded-For: $ip" \
    "${args[@]}" "http://127.0.0.1:$PORT/api/$fn"
}

for i in $(seq 1 "$N"); do
  call sign_up "10.1.0.$i" "email=known$i@example.com" "password=a long bench passphrase" first_name=B last_name=M >/dev/null
done
unknown=(); wrong=()
for i in $(seq 1 "$N"); do
  unknown+=("$(call sign_in "10.2.0.$i" "email=nobody$i@example.com" "password=wrong password here")")
  wrong+=("$(call sign_in "10.3.0.$i" "email=known$i@example.com" "password=wrong password here")")
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mu=$(median "${unknown[@]}"); mw=$(median "${wrong[@]}")
echo "sign-in failure, unknown e-mail:  median ${mu}s over $N"
echo "sign-in failure, wrong password:  median ${mw}s over $N"
awk -v a="$mu" -v b="$mw" 'BEGIN {
  d = (a > b ? a - b : b - a) / (a > b ? a : b);
  printf "difference: %.1f %%\n", d * 100;
  exit (d > 0.25) }' || { echo "timing: FAIL — the two failures are distinguishable by time" >&2; exit 1; }
echo "timing: ok"
