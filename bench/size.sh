#!/usr/bin/env bash
# What a browser downloads to show /settings/profile (WASM, JS glue, CSS): raw, gzip and brotli
# bytes, against the budget. Builds the release site first unless --no-build is given (the
# test command builds it once and passes --no-build).
#
#   bench/size.sh [--no-build]        BUDGET_BROTLI_BYTES overrides the 170 KB budget
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

BUDGET=${BUDGET_BROTLI_BYTES:-170000}
if [ "${1:-}" != "--no-build" ]; then
  cargo leptos build --release --precompress
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
  # cargo-leptos --precompress wrote these beside each file; the server sends exactly them.
  gz=$(stat -c %s "$f.gz" 2>/dev/null || gzip -9 -c "$f" | wc -c)
  br=$(stat -c %s "$f.br" 2>/dev/null || echo "$raw")
  printf '%-50s %10d %10d %10d\n' "$(basename "$f")" "$raw" "$gz" "$br"
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
done
printf '%-50s %10d %10d %10d\n' TOTAL "$total_raw" "$total_gz" "$total_br"
if [ "$total_br" -gt "$BUDGET" ]; then
  echo "size: FAIL — first load is $total_br bytes brotli, over the budget of $BUDGET" >&2
  exit 1
fi
echo "size: ok — first load is $total_br bytes brotli (budget $BUDGET)"
