#!/usr/bin/env bash
# The release bundle: one tarball with the server binary, the built site, an example systemd
# unit and environment file. It runs on a Linux x86_64 machine without Rust (the binary needs
# only glibc; migrations are compiled in).
#
#   scripts/release.sh             build (scripts/build.sh), then bundle
#   scripts/release.sh --no-build  bundle what the last release build left
#   scripts/release.sh --check     ... then unpack it in a temporary folder and start it there
#                                  with an empty environment and no Rust on PATH (the test
#                                  command runs this)
#
# Writes dist/profile-center-VERSION-x86_64-linux.tar.gz. Layout (/opt/profile-center):
#   bin/profile-center, bin/hash.txt     the server and the content hashes of the site's files
#   site/                                WASM, JS, CSS (precompressed), favicon
#   profile-center.service               systemd unit (EnvironmentFile=/etc/profile-center/env)
#   profile-center.env                   every setting, with the production ones to fill in
#   INSTALL.md                           the steps
set -euo pipefail
cd "$(dirname "$0")/.."
build=1 check=0
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --check) check=1 ;;
    *) echo "usage: scripts/release.sh [--no-build] [--check]" >&2; exit 2 ;;
  esac
done

if [ "$build" = 1 ]; then
  bash scripts/setup.sh
fi
source scripts/env.sh
if [ "$build" = 1 ]; then
  bash scripts/build.sh
fi

version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
name="profile-center-${version}-x86_64-linux"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/bin" dist
install -m 0755 "$CARGO_TARGET_DIR/release/profile-center" "$root/bin/profile-center"
install -m 0644 "$CARGO_TARGET_DIR/release/hash.txt" "$root/bin/hash.txt"
cp -r target/site "$root/site"
cp packaging/profile-center.service packaging/profile-center.env packaging/INSTALL.md "$root/"
tar -C "$stage" -czf "dist/$name.tar.gz" "$name"
echo "dist/$name.tar.gz: $(du -h "dist/$name.tar.gz" | cut -f1)"

[ "$check" = 1 ] || exit 0

# The check: unpack elsewhere and run it as the unit would, with the example environment file
# (production mode: only the key, origin and paths filled in) and nothing of this machine's
# Rust or project on PATH or in the environment.
box=$(mktemp -d)
trap 'rm -rf "$stage" "$box"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true' EXIT
tar -C "$box" -xzf "dist/$name.tar.gz"
app="$box/$name"
missing=$(ldd "$app/bin/profile-center" | grep -v -E 'linux-vdso|ld-linux|lib(c|m|gcc_s|pthread|dl|rt)\.so' || true)
if [ -n "$missing" ]; then
  echo "release check: the binary needs libraries beyond glibc:" >&2
  echo "$missing" >&2
  exit 1
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port) metrics_port=$(free_port)
mkdir -p "$box/state"
# The unit's environment: the example file as it is, with only the key, the origin, the
# addresses and the paths of this temporary folder filled in.
env -i PATH=/usr/bin:/bin \
  FILE="$app/profile-center.env" BIN="$app/bin/profile-center" \
  SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  ORIGIN="http://127.0.0.1:$port" ADDR="127.0.0.1:$port" METRICS="127.0.0.1:$metrics_port" \
  STATE="$box/state" SITE="$app/site" \
  bash -c 'set -a; source "$FILE"; set +a
    SECRET_KEY=$SECRET PUBLIC_ORIGIN=$ORIGIN LEPTOS_SITE_ADDR=$ADDR METRICS_ADDR=$METRICS \
    DATA_DIR=$STATE DATABASE_URL=sqlite://$STATE/profile-center.db LEPTOS_SITE_ROOT=$SITE
    cd "$STATE" && exec "$BIN"' >"$box/server.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
fail() { echo "release check: $*" >&2; cat "$box/server.log" >&2; exit 1; }
curl -fsS "$base/readyz" >/dev/null || fail "the unpacked server did not become ready"
page=$(curl -fsS "$base/signin") || fail "/signin did not answer"
css=$(grep -o '/pkg/profile-center\.[A-Za-z0-9_-]*\.css' <<<"$page" | head -n1)
[ -n "$css" ] || fail "/signin names no hashed stylesheet"
wasm=$(curl -fsS "$base/signin" | grep -o '/pkg/profile-center\.[A-Za-z0-9_-]*\.js' | head -n1)
[ -n "$wasm" ] || fail "/signin names no hashed script"
enc=$(curl -sS -o /dev/null -w '%{http_code} %header{content-encoding}' -H 'Accept-Encoding: br' "$base$css")
[ "$enc" = "200 br" ] || fail "$css answered '$enc', not a precompressed 200"
curl -fsS -o /dev/null "$base$wasm" || fail "$wasm did not answer"
curl -fsS "http://127.0.0.1:$metrics_port/metrics" | grep -q '^profile_center_http_requests_total{' \
  || fail "no request counts on METRICS_ADDR"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/metrics")" = 404 ] || fail "the public port serves /metrics"
# Production mode from the file: HSTS on every answer.
curl -sS -o /dev/null -D - "$base/signin" | grep -qi '^strict-transport-security:' \
  || fail "no Strict-Transport-Security: not in production mode"
# The env file's LOG_FORMAT=json: every log line is one JSON object.
grep -q '^{' "$box/server.log" || fail "no JSON line in the log"
grep '^{' "$box/server.log" | python3 -c 'import json, sys; [json.loads(l) for l in sys.stdin]' \
  || fail "a log line is not JSON"
kill -TERM "$pid"
wait "$pid" && status=0 || status=$?
pid=
[ "$status" = 0 ] || fail "exit status $status after SIGTERM"
echo "release check: the unpacked bundle served /readyz, /signin, its site and /metrics in production mode without Rust, and stopped cleanly"
