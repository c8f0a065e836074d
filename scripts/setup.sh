#!/usr/bin/env bash
# Installs whatever this project needs that the machine lacks, pinned, and reuses what is
# already there (a second run takes seconds). Used by scripts/dev.sh and scripts/test.sh.
#
#   wasm32 target · cargo-leptos 0.3.9 · wasm-bindgen-cli (= Cargo.lock) · Debian Chromium
#   · wrk (load generator) · brotli (precompression) · haproxy (two-instance tests) · aiosmtpd (SMTP sink for tests) · schemathesis (REST API fuzzing) · end2end npm packages (npm ci: Playwright, axe-core,
#   binaryen's wasm-opt)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.9
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

export PATH="$HOME/.cargo/bin:$PATH"
# Each `cargo install` builds in a temporary directory of its own. With the project's target
# directory (scripts/env.sh) they would take turns on its lock, and so would scripts/dev.sh's
# build of the project's dependencies beside them.
unset CARGO_TARGET_DIR

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The Debian, PyPI and npm packages. They mostly wait on downloads, so they run while cargo
# compiles (below) instead of after it; their output is shown once they are done.
packages() {
  apt_install() {
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@"
  }
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v psql >/dev/null || missing+=(postgresql-client)
  # The load generator of bench/run.sh.
  command -v wrk >/dev/null || missing+=(wrk)
  # The load balancer in front of two instances (tests/api/cluster.rs).
  command -v haproxy >/dev/null || missing+=(haproxy)
  # Precompression of the release site (scripts/build.sh).
  command -v brotli >/dev/null || missing+=(brotli)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    apt_install "${missing[@]}"
  fi

  # The SMTP sink the integration tests deliver mail to (a real SMTP server on loopback).
  if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    log "installing aiosmtpd (SMTP sink for the tests)"
    python3 -m pip install --quiet --disable-pip-version-check 'aiosmtpd==1.4.6'
  fi
  if ! st --version 2>/dev/null | grep -q ' 4.32.5$'; then
    log "installing schemathesis (fuzzes the REST API against its OpenAPI document)"
    python3 -m pip install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
  fi

  # Playwright, axe-core and binaryen (wasm-opt for release builds) from the committed lockfile.
  # Browsers are never downloaded: the suite drives Debian's Chromium.
  if [ ! -f end2end/node_modules/.package-lock.json ] || ! cmp -s end2end/package-lock.json end2end/node_modules/.lock-copy; then
    log "installing end2end npm packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    cp end2end/package-lock.json end2end/node_modules/.lock-copy
  fi
}
packages_log=$(mktemp)
packages >"$packages_log" 2>&1 &
packages_pid=$!

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock: cargo-leptos uses
# whatever is on PATH and a mismatch only fails later, in the browser. It compiles beside
# cargo-leptos, whose build leaves cores idle while a few large crates compile one at a time.
# A debug build too: it compiles in half the time and still turns the release WASM into its
# JS glue in about a second.
WBG_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
wbg_pid=""
if ! wasm-bindgen --version 2>/dev/null | grep -q " ${WBG_VERSION}\$"; then
  log "installing wasm-bindgen-cli ${WBG_VERSION} (in the background)"
  wbg_log=$(mktemp)
  # Its own lockfile names a crate version the registry no longer serves; fall back to fresh
  # resolution of its dependencies (the tool's own version stays pinned).
  (cargo install wasm-bindgen-cli --version "$WBG_VERSION" --locked --debug \
    || cargo install wasm-bindgen-cli --version "$WBG_VERSION" --force --debug) >"$wbg_log" 2>&1 &
  wbg_pid=$!
fi

# cargo-leptos: 0.3.9 is the newest that builds on rustc 1.95. no_downloads makes a missing
# tool an immediate, clear error instead of a failed GitHub download. A debug build: it compiles
# in about two thirds of the time of a release build, and what it does is wait on cargo, except
# precompression, which scripts/build.sh leaves to the brotli and gzip programs.
if ! cargo leptos --version 2>/dev/null | grep -q " ${CARGO_LEPTOS_VERSION}\$"; then
  log "installing cargo-leptos ${CARGO_LEPTOS_VERSION} (a debug build: about 8 minutes on 2 cores)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads --debug
fi

if [ -n "$wbg_pid" ]; then
  if ! wait "$wbg_pid"; then
    cat "$wbg_log"
    log "installing wasm-bindgen-cli failed"
    exit 1
  fi
  tail -n 3 "$wbg_log"
  rm -f "$wbg_log"
fi

if ! wait "$packages_pid"; then
  cat "$packages_log"
  log "installing packages failed"
  exit 1
fi
cat "$packages_log"
rm -f "$packages_log"
log "tools ready"
