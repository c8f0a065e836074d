#!/usr/bin/env bash
# The release build of the site and server: `cargo leptos build --release`, then every file of
# the site compressed beside itself (.br and .gz), which the server sends as they are.
#
# Why not `cargo leptos build --release --precompress`: cargo-leptos is installed as a debug
# build (scripts/setup.sh; that saves about 4 minutes of the first set-up), and its own brotli
# code, compiled into it unoptimised, then takes 19-28 s for what the brotli and gzip programs
# do here in about 3 s.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

cargo leptos build --release "$@"

site=target/site
start=$(date +%s.%N)
# Only what is worth compressing; the hashed names under pkg/ are new on every change, so
# stale .br/.gz files of earlier builds are removed rather than left to pile up.
find "$site" -type f \( -name '*.br' -o -name '*.gz' \) -delete
find "$site" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' \
  -o -name '*.svg' -o -name '*.txt' -o -name '*.json' -o -name '*.ico' -o -name '*.webmanifest' \) -print0 |
  xargs -0 -P 2 -I{} sh -c 'brotli -q 11 -f -k -- "$1" && gzip -9 -f -k -- "$1"' _ {}
awk -v s="$start" -v e="$(date +%s.%N)" -v d="$site" 'BEGIN { printf "precompressed %s in %.1f s\n", d, e - s }'
