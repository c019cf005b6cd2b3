#!/usr/bin/env bash
# Sets embargo up and shows its main job on the bundled example registry: builds and
# installs the binary (./install.sh, into PREFIX, default ~/.local), makes a scratch
# repository with the commit-msg hook installed, then tries two commits: one that
# names an embargoed issue (refused) and one that does not (recorded).
#
# The issue it names, SX-2026-014 in fixtures/registry.example.json, has no release
# date, so it stays under embargo on any day: the demo works whatever the date
# (EMBARGO_AS_OF=2036-01-01 ./demo.sh). The scratch repository is removed at the end;
# with --keep it is left in place and its path printed.
# Environment: PREFIX (default ~/.local); EMBARGO_INSTALL_FROM=PATH installs that
# binary instead of building one (see ./install.sh --help).
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-$HOME/.local}
keep=0
case ${1:-} in
--keep) keep=1 ;;
"") ;;
-h | --help)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
*)
    echo "demo.sh: unknown argument '$1' (only --keep)" >&2
    exit 2
    ;;
esac

echo "demo: installing embargo into $prefix/bin (set PREFIX to choose another place;"
echo "      \`./install.sh --uninstall --prefix $prefix\` removes it)"
"$root/install.sh" --prefix "$prefix"

demo=$(mktemp -d "${TMPDIR:-/tmp}/embargo-demo.XXXXXX")
if [ "$keep" = 0 ]; then
    trap 'rm -rf "$demo"' EXIT
fi
repo=$demo/repo
git init -q -b main "$repo"
git -C "$repo" config user.name "Demo Maintainer"
git -C "$repo" config user.email "maintainer@example.com"
git -C "$repo" config embargo.registry "$root/fixtures/registry.example.json"
"$root/install.sh" --no-build --prefix "$prefix" --repo "$repo"
echo "relay" > "$repo/relay.c"
git -C "$repo" add relay.c

say() { printf '\n$ %s\n' "$*"; }

say 'git commit -m "Fix the chunk digest comparison"'
if git -C "$repo" commit -q -m "Fix the chunk digest comparison"; then
    echo "demo: UNEXPECTED: the embargoed message was recorded" >&2
    exit 1
fi
echo "-> refused: the message names an embargoed issue; no commit was made."

say 'git commit -m "Harden relay queue handling"'
git -C "$repo" commit -q -m "Harden relay queue handling"
echo "-> recorded:"
git -C "$repo" log --oneline

echo
if [ "$keep" = 1 ]; then
    echo "The demo repository is $repo (remove $demo when done);"
    echo "the registry is fixtures/registry.example.json."
else
    echo "The registry was fixtures/registry.example.json; the scratch repository has been"
    echo "removed (./demo.sh --keep leaves it in place)."
fi
