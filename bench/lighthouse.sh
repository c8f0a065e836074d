#!/usr/bin/env bash
# Lighthouse 12 (end2end's npm packages) in Debian Chromium, mobile preset (Lighthouse's default:
# a mid-range phone on a slow 4G link, simulated), on /signin and on /settings/profile signed
# in, against the release server on a fresh SQLite file. Prints the scores and the metrics
# against the budgets (performance and accessibility 100, LCP <= 1.2 s, TBT <= 50 ms, CLS 0);
# fails when accessibility is under 100, LCP over 1.2 s or anything shifts, and reports the
# rest: TBT comes from the main thread's tasks on this shared machine (10-37 ms in one run,
# 51-81 ms in the next, same build), too noisy to fail a run on.
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
  # Lighthouse sometimes loses the trace of a page load ("NO_NAVSTART", "Please run Lighthouse
  # again"): a fault of the measurement, not of the page, so that one is tried up to 3 times.
  local attempt
  for attempt in 1 2 3; do
    if CHROME_PATH=${CHROMIUM_PATH:-/usr/bin/chromium} "$LH" "http://127.0.0.1:$PORT$1" --quiet \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
      --only-categories=performance,accessibility --output=json --output-path="$DATA/lh.json" \
      --extra-headers="$2" >/dev/null 2>"$DATA/lh.log"; then
      break
    fi
    if [ "$attempt" = 3 ] || ! grep -q "Please run Lighthouse again" "$DATA/lh.log"; then
      cat "$DATA/lh.log" >&2
      exit 1
    fi
    echo "lighthouse: the trace of $1 was lost; measuring again" >&2
  done
  python3 - "$1" "$DATA/lh.json" <<'PY'
import json, sys
path, r = sys.argv[1], json.load(open(sys.argv[2]))
c, a = r["categories"], r["audits"]
perf, acc = round(c["performance"]["score"] * 100), round(c["accessibility"]["score"] * 100)
lcp, tbt = a["largest-contentful-paint"]["numericValue"], a["total-blocking-time"]["numericValue"]
cls, fcp = a["cumulative-layout-shift"]["numericValue"], a["first-contentful-paint"]["numericValue"]
ok = acc == 100 and lcp <= 1200 and cls == 0
met = ok and perf == 100 and tbt <= 50
verdict = "ok" if met else ("not yet (performance or TBT)" if ok else "FAIL")
print(f"| `{path}` | {perf} | {acc} | {fcp:.0f} ms | {lcp:.0f} ms | {tbt:.0f} ms | {cls:.3f} | {verdict} |")
# The main thread's long tasks (what TBT is made of), so a slow run says where its time went.
for t in ((a.get("long-tasks") or {}).get("details") or {}).get("items", [])[:8]:
    print(f"  long task on {path}: {t.get('duration', 0):.0f} ms at {t.get('startTime', 0):.0f} ms, {t.get('url', '')}", file=sys.stderr)
if not met:
    failed = [k for k, v in a.items() if v.get("score") is not None and v["score"] < 1 and v.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")]
    print(f"  below full marks: {', '.join(sorted(failed))}", file=sys.stderr)
    for k in failed:
        for item in (a[k].get("details") or {}).get("items", [])[:5]:
            node = item.get("node") or {}
            if node:
                print(f"    {k}: {node.get('selector')} {node.get('snippet', '')[:120]} {node.get('explanation', '').replace(chr(10), ' ')[:400]}", file=sys.stderr)
PY
}
echo "| page (Lighthouse 12, mobile) | performance | accessibility | FCP | LCP | TBT | CLS | budgets |"
echo "|---|---|---|---|---|---|---|---|"
OUT=$(run /signin '{}'; run /settings/profile "{\"Cookie\": \"$COOKIE\"}")
echo "$OUT"
if grep -q FAIL <<<"$OUT"; then echo "lighthouse: FAIL — a budget is broken" >&2; exit 1; fi
echo "lighthouse: ok"
