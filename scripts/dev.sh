#!/usr/bin/env bash
# README command 1: installs whatever is missing, then builds and serves Profile Center at
# http://127.0.0.1:3000 on embedded SQLite (data/profile-center.db, created and migrated on
# first start). Ctrl-C stops it. For live reload while coding, use `cargo leptos watch`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
source scripts/env.sh
exec cargo leptos serve --release --precompress
