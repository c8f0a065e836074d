#!/usr/bin/env bash
# Fuzzes the REST API with schemathesis against its own OpenAPI document: starts the built server
# on a fresh SQLite database, creates a user and an API key with every scope (through the same
# HTTP endpoints the browser uses), then lets schemathesis generate requests for every operation.
# It fails on any 5xx, any undocumented status, content type or header, and any response body
# that does not match the schema. Called by scripts/test.sh; needs the release binary.
#
# Usage: scripts/api-fuzz.sh <server binary>
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:?usage: scripts/api-fuzz.sh <server binary>}"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
DATA_DIR="$work" DATABASE_URL="sqlite://$work/fuzz.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT="$(dirname "$bin")/../site" RUST_LOG=warn \
  API_RATE_LIMIT=1000000 PLATFORM_API_KEY="fuzz-platform-key-0123456789abcdef0123" "$bin" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

jar="$work/cookies"
post() { curl -fsS -b "$jar" -c "$jar" -H 'Accept: application/json' "$base/api/$1" "${@:2}" >/dev/null; }
password='a long and unusual fuzzing passphrase'
post sign_up --data-urlencode email=fuzz@example.com --data-urlencode "password=$password" \
  --data-urlencode first_name=Fuzz --data-urlencode last_name=Tester
# Without SMTP the server writes mail to DATA_DIR/mail; the sign-up link is in it. Until the
# mail is there the pipeline fails (pipefail), which must mean "try again", not end the script.
token=""
for _ in $(seq 100); do
  token="$(cat "$work"/mail/*.eml 2>/dev/null | sed 's/=3D/=/g' | tr -d '\r' | sed -e ':a' -e '/=$/N; s/=\n//; ta' \
    | grep -o 'signup/verify?token=[A-Za-z0-9_-]*' | head -1 | cut -d= -f2 || true)"
  [ -n "$token" ] && break
  sleep 0.1
done
[ -n "$token" ] || { echo "no sign-up link was mailed" >&2; exit 1; }
post finish_sign_up --data-urlencode "token=$token" --data-urlencode "password=$password"
post confirm_password --data-urlencode "password=$password"
scopes=(profile:read profile:write preferences:read preferences:write notifications:read
  notifications:write sessions:read api_keys:read accounts:read accounts:write)
post create_api_key --data-urlencode name=schemathesis --data-urlencode expires_in=30 \
  $(printf -- '--data-urlencode scopes[]=%s ' "${scopes[@]}")
key="$(curl -fsS -b "$jar" -c "$jar" "$base/settings/api-keys" | grep -o 'pc_[0-9a-f]\{16\}\.[A-Za-z0-9_-]\{43\}' | head -1)"
[ -n "$key" ] || { echo "could not create an API key for the fuzzer" >&2; exit 1; }

# No test database of examples: every run starts from the same, fixed seed. The people's
# endpoints get the user's key; the platform's event endpoint gets the platform key.
checks=all
st --config-file scripts/schemathesis.toml run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer fuzz-platform-key-0123456789abcdef0123" --include-path /api/v1/events \
  --checks "$checks" --max-examples 50 --seed 1 --generation-database none \
  --report-dir "$work/report-events" --no-color \
  || { echo "--- server log ---"; tail -50 "$work/server.log"; exit 1; }
st --config-file scripts/schemathesis.toml run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer $key" --exclude-path /api/v1/events \
  --checks "$checks" \
  --max-examples 50 --seed 1 --generation-database none \
  --report-dir "$work/report" --no-color \
  || { echo "--- server log ---"; tail -50 "$work/server.log"; exit 1; }
