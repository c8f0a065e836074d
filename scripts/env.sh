# Sourced by the scripts: PATH for the pinned tools, and one target directory that outlives a
# fresh clone (CI clones anew each run), so builds stay incremental between runs.
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/profile-center/target}"
# How a release server finds the site cargo-leptos built (hashed file names, from the hash.txt
# beside the binary): for the scripts that start one (bench/).
export PC_RELEASE_SITE_ENV="LEPTOS_HASH_FILES=true LEPTOS_OUTPUT_NAME=profile-center LEPTOS_SITE_PKG_DIR=pkg"
