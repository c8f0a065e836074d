# Sourced by the scripts: PATH for the pinned tools, and one target directory that outlives a
# fresh clone (CI clones anew each run), so builds stay incremental between runs.
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/profile-center/target}"
