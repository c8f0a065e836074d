#!/usr/bin/env bash
# What a browser downloads to show /settings/profile (WASM, JS glue, CSS, and the page itself)
# and for each later tab navigation (the tab's page): raw, gzip and brotli bytes, against the
# budgets (code and styles 170 KB, the whole first load 200 KB). Builds the release site first unless --no-build is given (the
# test command builds it once and passes --no-build).
#
#   bench/size.sh [--no-build]        BUDGET_BROTLI_BYTES overrides the 170 KB budget
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

BUDGET=${BUDGET_BROTLI_BYTES:-170000}
if [ "${1:-}" != "--no-build" ]; then
  bash scripts/build.sh
fi

pkg=target/site/pkg
shopt -s nullglob
files=("$pkg"/*.wasm "$pkg"/*.js "$pkg"/*.css)
if [ ${#files[@]} -lt 3 ]; then
  echo "size: no release site in $pkg; run without --no-build" >&2
  exit 2
fi

total_raw=0; total_gz=0; total_br=0
printf '%-50s %10s %10s %10s\n' file raw gzip brotli
for f in "${files[@]}"; do
  raw=$(stat -c %s "$f")
  # scripts/build.sh wrote these beside each file; the server sends exactly them.
  gz=$(stat -c %s "$f.gz" 2>/dev/null || gzip -9 -c "$f" | wc -c)
  br=$(stat -c %s "$f.br" 2>/dev/null || echo "$raw")
  printf '%-50s %10d %10d %10d\n' "$(basename "$f")" "$raw" "$gz" "$br"
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
done
printf '%-50s %10d %10d %10d\n' "TOTAL (code and styles)" "$total_raw" "$total_gz" "$total_br"
if [ "$total_br" -gt "$BUDGET" ]; then
  echo "size: FAIL — code and styles are $total_br bytes brotli, over the budget of $BUDGET" >&2
  exit 1
fi
echo "size: ok — code and styles are $total_br bytes brotli (budget $BUDGET)"

# The pages themselves, as the server sends them (brotli) to a signed-in person: the first load
# is one page plus the files above; every later tab is only its page (client-side navigation
# fetches the HTML; code and styles are cached). Needs the release server binary.
PAGE_BUDGET=${BUDGET_FIRST_LOAD_BYTES:-200000}
PORT=${PC_BENCH_PORT:-3311}
source bench/lib.sh
start_server size "$PORT"
COOKIE=$(signed_up_cookie "$PORT")
python3 - "$PORT" "$COOKIE" "$total_br" "$PAGE_BUDGET" <<'PY'
import sys, urllib.request
port, cookie, assets, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
base = f"http://127.0.0.1:{port}"
def brotli_bytes(path):
    req = urllib.request.Request(f"{base}{path}", headers={"Accept-Encoding": "br", "Accept": "text/html", "Cookie": cookie})
    with urllib.request.urlopen(req, timeout=30) as res:
        assert res.headers.get("Content-Encoding") == "br", f"{path} not sent with brotli"
        return len(res.read())
print(f"{'page (brotli, signed in)':<50} {'first load':>10} {'navigation':>10}")
first = None
for tab in ["profile", "preferences", "notifications", "accounts", "security", "sessions", "api-keys"]:
    n = brotli_bytes(f"/settings/{tab}")
    first = first if first is not None else assets + n
    print(f"{'/settings/' + tab:<50} {assets + n:>10} {n:>10}")
if first > budget:
    sys.exit(f"size: FAIL — the first load of /settings/profile is {first} bytes brotli, over {budget}")
print(f"size: ok — first load of /settings/profile is {first} bytes brotli (budget {budget}); later tabs are only their page")
PY
