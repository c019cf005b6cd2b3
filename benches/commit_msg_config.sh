#!/usr/bin/env bash
# What reading git config through git costs the commit-msg hook (docs/commit-msg.md):
#
#   bash benches/commit_msg_config.sh [EMBARGO_BINARY]
#
# Medians with `hyperfine -N` (Debian package `hyperfine`), in a scratch repository with
# the example registry, its compiled form cached: `embargo --version` (process start),
# the one `git config` run the hook makes, and the whole `embargo commit-msg` as git
# runs it without an editor (GIT_EDITOR=:). RUNS (default 300) sets the runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
embargo=${1:-$root/target/release/embargo}
RUNS=${RUNS:-300}
command -v hyperfine >/dev/null || { echo "commit_msg_config.sh: needs hyperfine" >&2; exit 2; }
[ -x "$embargo" ] || { echo "commit_msg_config.sh: no binary at $embargo (cargo build --release)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git init -q "$work/repo"
cd "$work/repo"
git config embargo.registry "$root/fixtures/registry.example.json"
git config core.commentChar ';'
printf 'Fix the parser for empty option lists\n\nThe loop ran past the end.\n' >msg
# The keys the hook reads, as src/git/config.rs asks for them.
keys=$(sed -n 's/^const KEYS: &str = r"\(.*\)";$/\1/p' "$root/src/git/config.rs")
[ -n "$keys" ] || { echo "commit_msg_config.sh: cannot find KEYS in src/git/config.rs" >&2; exit 2; }
export GIT_EDITOR=:
"$embargo" commit-msg msg 2>/dev/null # fills the cache

median() { # median NAME COMMAND: median milliseconds
    hyperfine -N --style none --warmup 20 --runs "$RUNS" --export-csv "$work/$1.csv" -- "$2" >/dev/null 2>&1
    awk -F, 'NR == 2 { printf "%.2f", $4 * 1000 }' "$work/$1.csv"
}
printf '%-48s %s ms\n' "embargo --version (process start)" "$(median version "$embargo --version")"
printf '%-48s %s ms\n' "git config -z --get-regexp (the hook's one run)" "$(median config "git config -z --get-regexp '$keys'")"
printf '%-48s %s ms\n' "embargo commit-msg (example registry, cached)" "$(median hook "$embargo commit-msg msg")"
