# Shared by the bench scripts (sourced): the release server on a fresh SQLite file, and a person
# signed up on it.

# start_server NAME PORT [VAR=value ...]: starts the release server with the extra environment,
# waits until it is ready; sets BIN, DATA (its data folder) and SERVER (its pid); on exit stops it
# and removes DATA.
start_server() {
  local name=$1 port=$2
  shift 2
  BIN=${PC_SERVER_BIN:-"$CARGO_TARGET_DIR/release/profile-center"}
  [ -x "$BIN" ] || { echo "$name: no release build at $BIN (scripts/test.sh builds it)" >&2; exit 2; }
  DATA=$(mktemp -d)
  SERVER=
  trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
  env DATABASE_URL="sqlite://$DATA/bench.db" DATA_DIR="$DATA" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
    LEPTOS_SITE_ROOT="target/site" $PC_RELEASE_SITE_ENV RUST_LOG=warn "$@" "$BIN" >"$DATA/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
}

# signed_up_cookie PORT: signs a person up through the server functions (the server writes mail
# to files under $DATA, no SMTP) and prints their cookies as a Cookie header value.
signed_up_cookie() {
  python3 - "$1" "$DATA" <<'PY'
import glob, http.cookiejar, re, sys, time, urllib.parse, urllib.request
port, data = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}"
jar = http.cookiejar.CookieJar()
me = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
def call(fn, fields):
    req = urllib.request.Request(f"{base}/api/{fn}", data=urllib.parse.urlencode(fields).encode(),
                                 headers={"Accept": "application/json"})
    return me.open(req, timeout=30).status
PASSWORD = "a long bench passphrase"
call("sign_up", {"email": "bench-person@example.com", "password": PASSWORD, "first_name": "B", "last_name": "P"})
token = None
for _ in range(100):
    for path in glob.glob(f"{data}/mail/*.eml"):
        m = re.search(r"/signup/verify\?token=([A-Za-z0-9_-]+)", open(path).read().replace("=\n", "").replace("=3D", "="))
        token = token or (m and m.group(1))
    if token:
        break
    time.sleep(0.1)
assert token, "no sign-up link"
call("finish_sign_up", {"token": token, "password": PASSWORD})
print("; ".join(f"{c.name}={c.value}" for c in jar))
PY
}
