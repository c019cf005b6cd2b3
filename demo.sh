#!/usr/bin/env bash
# Sets embargo up and shows its main job on the bundled example registry: builds and
# installs the binary (./install.sh, into PREFIX, default ~/.local), makes a scratch
# repository with the commit-msg hook installed, then tries two commits: one that
# names an embargoed issue (refused) and one that does not (recorded).
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-$HOME/.local}

"$root/install.sh" --prefix "$prefix"

demo=$(mktemp -d "${TMPDIR:-/tmp}/embargo-demo.XXXXXX")
repo=$demo/repo
git init -q -b main "$repo"
git -C "$repo" config user.name "Demo Maintainer"
git -C "$repo" config user.email "maintainer@example.com"
git -C "$repo" config embargo.registry "$root/fixtures/registry.example.json"
"$root/install.sh" --no-build --prefix "$prefix" --repo "$repo"
echo "relay" > "$repo/relay.c"
git -C "$repo" add relay.c

say() { printf '\n$ %s\n' "$*"; }

say 'git commit -m "Fix ratchet header replay in the relay"'
if git -C "$repo" commit -q -m "Fix ratchet header replay in the relay"; then
    echo "demo: UNEXPECTED: the embargoed message was recorded" >&2
    exit 1
fi
echo "-> refused: the message names an embargoed issue; no commit was made."

say 'git commit -m "Harden relay queue handling"'
git -C "$repo" commit -q -m "Harden relay queue handling"
echo "-> recorded:"
git -C "$repo" log --oneline

echo
echo "The demo repository is $repo; the registry is fixtures/registry.example.json."
