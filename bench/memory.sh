#!/usr/bin/env bash
# The server's memory (resident set size) idle, during and after a page/API load, and during
# and after a flood of sign-ins, against a budget (150 MB by default) that no sample may exceed.
# Starts the release server on a fresh SQLite file; the load comes from 32 concurrent clients
# (a Python driver, standard library only). Prints one table row per phase; exits 1 over budget.
#
#   bench/memory.sh [seconds per phase]   (default 5; needs the release build from scripts/test.sh)
#   BUDGET_RSS_MB overrides the budget.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

SECS=${1:-5}
BUDGET_MB=${BUDGET_RSS_MB:-150}
PORT=${PC_BENCH_PORT:-3310}
source bench/lib.sh
# Sign-ins come from many forwarded addresses, and the API key has no practical rate limit, so
# the load reaches argon2 and the handlers instead of the throttles (which answer early).
start_server memory "$PORT" TRUST_PROXY_HEADERS=true API_RATE_LIMIT=100000000

python3 - "$PORT" "$SERVER" "$SECS" "$BUDGET_MB" "$DATA" <<'PY'
import concurrent.futures as cf, glob, http.cookiejar, json, re, sys, threading, time
import urllib.parse, urllib.request

port, pid, secs, budget_mb, data = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
base = f"http://127.0.0.1:{port}"
PASSWORD = "a long bench passphrase"

def rss_mb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise SystemExit("memory: the server is gone")

def client():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

def call(opener, fn, fields, ip=None):
    req = urllib.request.Request(f"{base}/api/{fn}", data=urllib.parse.urlencode(fields, doseq=True).encode(),
                                 headers={"Accept": "application/json", **({"X-Forwarded-For": ip} if ip else {})})
    try:
        with opener.open(req, timeout=30) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

# One person, signed in, with an API key: what the page and API load uses.
me = client()
call(me, "sign_up", {"email": "bench@example.com", "password": PASSWORD, "first_name": "B", "last_name": "M"})
token = None
for _ in range(100):
    for path in glob.glob(f"{data}/mail/*.eml"):
        text = open(path).read().replace("=\n", "").replace("=3D", "=")
        m = re.search(r"/signup/verify\?token=([A-Za-z0-9_-]+)", text)
        if m:
            token = m.group(1)
    if token:
        break
    time.sleep(0.1)
assert token, "no sign-up link"
assert call(me, "finish_sign_up", {"token": token, "password": PASSWORD})[0] == 200
assert call(me, "confirm_password", {"password": PASSWORD})[0] == 200
assert call(me, "create_api_key", {"name": "bench", "expires_in": "30", "scopes[]": ["profile:read"]})[0] == 200
page = me.open(f"{base}/settings/api-keys").read().decode()
key = re.search(r"pc_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}", page).group(0)

def page_load(i):
    if i % 3 == 0:
        me.open(f"{base}/settings/profile").read()
    elif i % 3 == 1:
        urllib.request.urlopen(f"{base}/signin").read()
    else:
        req = urllib.request.Request(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {key}"})
        urllib.request.urlopen(req).read()
    return 200

def sign_in(i):
    # Right passwords (wrong ones would soon be throttled per account and answered without
    # argon2); each from its own address, like a crowd arriving at once.
    return call(urllib.request.build_opener(), "sign_in",
                {"email": "bench@example.com", "password": PASSWORD},
                ip=f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}")[0]

def phase(work):
    """Runs `work` from 32 clients for `secs`, sampling RSS; returns (requests, statuses, peak)."""
    stop, peak, done, statuses = time.time() + secs, [rss_mb()], [0], {}
    lock = threading.Lock()
    def sampler():
        while time.time() < stop + 0.5:
            peak[0] = max(peak[0], rss_mb()); time.sleep(0.05)
    def worker(w):
        i = w
        while time.time() < stop:
            try:
                s = work(i)
            except urllib.error.HTTPError as e:
                s = e.code
            except Exception as e:
                s = type(e).__name__
            with lock:
                done[0] += 1; statuses[s] = statuses.get(s, 0) + 1
            i += 32
    t = threading.Thread(target=sampler); t.start()
    with cf.ThreadPoolExecutor(32) as pool:
        list(pool.map(worker, range(32)))
    t.join()
    return done[0], statuses, peak[0]

rows, over = [], False
def row(name, mb, note=""):
    global over
    over |= mb > budget_mb
    rows.append(f"| {name} | {mb:.0f} MB | {note} |")

time.sleep(1)
row("idle, after start and one sign-up", rss_mb())
n, st, peak = phase(page_load)
row(f"peak during {secs:.0f} s of pages and API (32 clients)", peak, f"{n} requests, {n / secs:.0f}/s, {st}")
time.sleep(1)
row("after the page and API load", rss_mb())
n, st, peak = phase(sign_in)
row(f"peak during {secs:.0f} s of sign-ins (32 clients)", peak, f"{n} sign-ins, {n / secs:.0f}/s, {st}")
time.sleep(1)
row("after the sign-in flood", rss_mb())

print(f"| memory (RSS), budget {budget_mb} MB | | |")
print("|---|---|---|")
print("\n".join(rows))
if over:
    print(f"memory: FAIL — over the {budget_mb} MB budget", file=sys.stderr)
    sys.exit(1)
print("memory: ok")
PY
