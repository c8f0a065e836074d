#!/usr/bin/env bash
# Lighthouse 12 (end2end's npm packages) in Debian Chromium, mobile preset (Lighthouse's default:
# a mid-range phone on a slow 4G link, simulated), on /signin and on /settings/profile signed
# in, against the release server on a fresh SQLite file. Prints the scores and the metrics and
# fails when performance or accessibility is under 100, LCP over 1.2 s, TBT over 50 ms or CLS
# over 0.
#
#   bench/lighthouse.sh      (needs the release build from scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
PORT=${PC_BENCH_PORT:-3330}
source bench/lib.sh
start_server lighthouse "$PORT"
COOKIE=$(signed_up_cookie "$PORT")

LH=end2end/node_modules/.bin/lighthouse
[ -x "$LH" ] || { echo "lighthouse: missing (scripts/setup.sh installs end2end's npm packages)" >&2; exit 2; }
run() { # $1 = path, $2 = extra headers JSON
  CHROME_PATH=${CHROMIUM_PATH:-/usr/bin/chromium} "$LH" "http://127.0.0.1:$PORT$1" --quiet \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
    --only-categories=performance,accessibility --output=json --output-path="$DATA/lh.json" \
    --extra-headers="$2" >/dev/null 2>"$DATA/lh.log" || { cat "$DATA/lh.log" >&2; exit 1; }
  python3 - "$1" "$DATA/lh.json" <<'PY'
import json, sys
path, r = sys.argv[1], json.load(open(sys.argv[2]))
c, a = r["categories"], r["audits"]
perf, acc = round(c["performance"]["score"] * 100), round(c["accessibility"]["score"] * 100)
lcp, tbt = a["largest-contentful-paint"]["numericValue"], a["total-blocking-time"]["numericValue"]
cls, fcp = a["cumulative-layout-shift"]["numericValue"], a["first-contentful-paint"]["numericValue"]
ok = perf == 100 and acc == 100 and lcp <= 1200 and tbt <= 50 and cls == 0
print(f"| `{path}` | {perf} | {acc} | {fcp:.0f} ms | {lcp:.0f} ms | {tbt:.0f} ms | {cls:.3f} | {'ok' if ok else 'FAIL'} |")
if not ok:
    failed = [k for k, v in a.items() if v.get("score") is not None and v["score"] < 1 and v.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")]
    print(f"  below full marks: {', '.join(sorted(failed))}", file=sys.stderr)
PY
}
echo "| page (Lighthouse 12, mobile) | performance | accessibility | FCP | LCP | TBT | CLS | |"
echo "|---|---|---|---|---|---|---|---|"
OUT=$(run /signin '{}'; run /settings/profile "{\"Cookie\": \"$COOKIE\"}")
echo "$OUT"
if grep -q FAIL <<<"$OUT"; then echo "lighthouse: FAIL — a budget is broken" >&2; exit 1; fi
echo "lighthouse: ok"
