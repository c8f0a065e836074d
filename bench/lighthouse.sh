#!/usr/bin/env bash
# Lighthouse 12 (end2end's npm packages) in Debian Chromium, mobile preset (Lighthouse's default:
# a mid-range phone on a slow 4G link, simulated), on /signin and on /settings/profile signed
# in, against the release server on a fresh SQLite file. Each page is measured RUNS times (5),
# and the median of each metric is what counts: the simulated phone multiplies the main thread's
# task times on this shared machine by 4, so single runs of one build measured TBT 0-221 ms.
# Fails when accessibility is under 100 in any run, the median LCP is over 1.2 s or any run
# shifts as Lighthouse reports it (CLS to 3 decimals). A shift below that, 0.0000x, is printed
# with the element that moved: one test command (2026-12-07) failed on such a shift (printed
# as 0.000) while its host was busy (TBT 62 ms); 27 runs since, quiet, under CPU load and with
# the browser's CPU and network throttled, and 3 page loads with the HTML trickling in at
# 8-32 kbit/s, measured none. TBT <= 50 ms and performance 100 are reported ("not yet"
# otherwise): the median TBT was 0-16 ms alone on the machine, 37-67 ms in test commands, and
# 241 ms (performance 96) in one whose host was busy, the excess in the browser's own parse
# and layout tasks.
#
#   bench/lighthouse.sh      (needs the release build from scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
PORT=${PC_BENCH_PORT:-3330}
RUNS=${PC_LIGHTHOUSE_RUNS:-5}
source bench/lib.sh
start_server lighthouse "$PORT"
COOKIE=$(signed_up_cookie "$PORT")

LH=end2end/node_modules/.bin/lighthouse
[ -x "$LH" ] || { echo "lighthouse: missing (scripts/setup.sh installs end2end's npm packages)" >&2; exit 2; }
measure() { # $1 = path, $2 = extra headers JSON, $3 = report file
  # Lighthouse sometimes loses the trace of a page load ("NO_NAVSTART", "Please run Lighthouse
  # again"): a fault of the measurement, not of the page, so that one is tried up to 3 times.
  local attempt
  for attempt in 1 2 3; do
    if CHROME_PATH=${CHROMIUM_PATH:-/usr/bin/chromium} "$LH" "http://127.0.0.1:$PORT$1" --quiet \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
      --only-categories=performance,accessibility --output=json --output-path="$3" \
      --extra-headers="$2" >/dev/null 2>"$DATA/lh.log"; then
      return
    fi
    if [ "$attempt" = 3 ] || ! grep -q "Please run Lighthouse again" "$DATA/lh.log"; then
      cat "$DATA/lh.log" >&2
      exit 1
    fi
    echo "lighthouse: the trace of $1 was lost; measuring again" >&2
  done
}
run() { # $1 = path, $2 = extra headers JSON
  local reports=() n
  for n in $(seq 1 "$RUNS"); do
    measure "$1" "$2" "$DATA/lh-$n.json"
    reports+=("$DATA/lh-$n.json")
  done
  python3 - "$1" "${reports[@]}" <<'PY'
import json, statistics, sys
path, reports = sys.argv[1], [json.load(open(f)) for f in sys.argv[2:]]
def metric(r, audit):
    return r["audits"][audit]["numericValue"]
def score(r, category):
    return round(r["categories"][category]["score"] * 100)
median = statistics.median_low
perf = median(score(r, "performance") for r in reports)
acc = min(score(r, "accessibility") for r in reports)
fcp = median(metric(r, "first-contentful-paint") for r in reports)
lcp = median(metric(r, "largest-contentful-paint") for r in reports)
tbts = [metric(r, "total-blocking-time") for r in reports]
tbt = median(tbts)
clss = [metric(r, "cumulative-layout-shift") for r in reports]
cls = max(clss)
ok = acc == 100 and lcp <= 1200 and round(cls, 3) == 0
met = ok and perf == 100 and tbt <= 50
runs = ", ".join(f"{t:.0f}" for t in tbts)
verdict = "ok" if met else ("not yet (performance or TBT)" if ok else "FAIL")
print(f"| `{path}` | {perf} | {acc} | {fcp:.0f} ms | {lcp:.0f} ms | {tbt:.0f} ms ({runs}) | {cls:.3f}{f' ({cls:.5f})' if 0 < cls < 0.0005 else ''} | {verdict} |")
for n, r in enumerate(reports, 1):
    a = r["audits"]
    # The main thread's long tasks (what TBT is made of), so a slow run says where its time went.
    for t in ((a.get("long-tasks") or {}).get("details") or {}).get("items", [])[:8]:
        print(f"  run {n}, long task on {path}: {t.get('duration', 0):.0f} ms at {t.get('startTime', 0):.0f} ms, {t.get('url', '')}", file=sys.stderr)
    # What moved, when anything did: the shift's element and its score.
    if clss[n - 1] > 0:
        for item in ((a.get("layout-shifts") or {}).get("details") or {}).get("items", [])[:5]:
            node = item.get("node") or {}
            print(f"  run {n}, layout shift on {path}: {item.get('score', 0):.5f} {node.get('selector')} {node.get('snippet', '')[:160]}", file=sys.stderr)
    if met:
        continue
    failed = [k for k, v in a.items() if v.get("score") is not None and v["score"] < 1 and v.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")]
    print(f"  run {n}, below full marks: {', '.join(sorted(failed))}", file=sys.stderr)
    for k in failed:
        for item in (a[k].get("details") or {}).get("items", [])[:5]:
            node = item.get("node") or {}
            if node:
                print(f"    {k}: {node.get('selector')} {node.get('snippet', '')[:120]} {node.get('explanation', '').replace(chr(10), ' ')[:400]}", file=sys.stderr)
PY
}
echo "| page (Lighthouse 12, mobile, median of $RUNS) | performance | accessibility | FCP | LCP | TBT (each run) | CLS | budgets |"
echo "|---|---|---|---|---|---|---|---|"
OUT=$(run /signin '{}'; run /settings/profile "{\"Cookie\": \"$COOKIE\"}")
echo "$OUT"
if grep -q FAIL <<<"$OUT"; then echo "lighthouse: FAIL — a budget is broken" >&2; exit 1; fi
echo "lighthouse: ok"
