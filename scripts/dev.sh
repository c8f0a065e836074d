#!/usr/bin/env bash
# README command 1: installs whatever is missing, then builds and serves Profile Center at
# http://127.0.0.1:3000 on embedded SQLite (data/profile-center.db, created and migrated on
# first start). Ctrl-C stops it. For live reload while coding, use `cargo leptos watch`.
#
#   scripts/dev.sh             a debug build: the quickest first start (what a developer runs)
#   scripts/dev.sh --release   the release build the tests and the bundle use
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

profile=()
case "${1:-}" in
  "") ;;
  --release) profile=(--release) ;;
  *) echo "usage: scripts/dev.sh [--release]" >&2; exit 2 ;;
esac

# A fresh machine spends most of its set-up compiling cargo-leptos, one crate at a time near
# the end; the project's own dependencies compile meanwhile (low priority, so they take only
# what the cargo-leptos build leaves), and `cargo leptos serve` then finds them built.
prebuild_pid=""
if [ ! -d "$CARGO_TARGET_DIR/debug/deps" ] && [ "${#profile[@]}" = 0 ]; then
  rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
  # Exactly what `cargo leptos serve` runs, or cargo would build it all again: its debug builds
  # add `--cfg erase_components`, the WASM has a target directory of its own, and the leptos
  # crates read LEPTOS_OUTPUT_NAME when they compile.
  export RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=profile-center
  (nice -n 10 cargo build --quiet --no-default-features --features ssr --bin profile-center
   nice -n 10 cargo build --quiet --lib --target wasm32-unknown-unknown \
     --target-dir "$CARGO_TARGET_DIR/front" --no-default-features --features hydrate
  ) >/dev/null 2>&1 &
  prebuild_pid=$!
fi
unset RUSTFLAGS LEPTOS_OUTPUT_NAME
bash scripts/setup.sh
[ -n "$prebuild_pid" ] && wait "$prebuild_pid" || true
if [ "${#profile[@]}" = 1 ]; then
  # Precompressed, as the tests and the bundle serve it; `serve` then finds it built.
  bash scripts/build.sh
fi
exec cargo leptos serve "${profile[@]}"
