#!/usr/bin/env bash
# Shows that the tests need no root: runs them as an unprivileged account, in a copy of
# this checkout that the account owns (as its own clone would be). Run as root:
#   1. creates the account (default embargo-tester, useradd --create-home) if missing;
#   2. copies the working tree (tracked and untracked, not ignored files) to
#      ~ACCOUNT/embargo and commits it there, as ACCOUNT;
#   3. builds the test executables of that copy as root, into target/as-user of this
#      checkout (the account has no Rust toolchain: root's is under /root);
#   4. as ACCOUNT: runs ci/install-test-tools.sh (into its own ~/.cache), then every test
#      executable from the top of the copy, as `cargo test` runs them.
# The tests that build with cargo (tests/pre_commit.rs) say SKIPPED there, and so do the
# tests that need a second account, since ACCOUNT is not root.
# Usage: ci/test-as-user.sh [--user NAME] [cargo test arguments, e.g. --test cli]
# Exit 0 when every test executable passed as ACCOUNT.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
user=embargo-tester
if [ "${1:-}" = --user ]; then
    user=$2
    shift 2
fi
say() { echo "test-as-user: $*"; }
[ "$(id -u)" = 0 ] || { say "run this as root (it switches to $user)" >&2; exit 2; }
if ! id -u "$user" >/dev/null 2>&1; then
    say "creating the account $user (useradd --create-home)"
    useradd --create-home --shell /bin/sh "$user"
fi
home=$(getent passwd "$user" | cut -d: -f6)
group=$(id -g "$user")

# The network settings the account needs to reach PyPI and npm as root does (a proxy,
# its certificate authority); nothing else of root's environment.
passed=()
for var in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY \
    NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE REQUESTS_CA_BUNDLE PIP_CERT \
    PIP_INDEX_URL npm_config_registry NPM_CONFIG_REGISTRY; do
    if [ -n "${!var:-}" ]; then
        passed+=("$var=${!var}")
    fi
done

as_user() {
    setpriv --reuid="$user" --regid="$group" --init-groups \
        env -i HOME="$home" USER="$user" LOGNAME="$user" LANG=C.UTF-8 \
        PATH=/usr/local/bin:/usr/bin:/bin "${passed[@]}" "$@"
}

copy=$home/embargo
say "copying the working tree to $copy"
rm -rf "$copy"
mkdir -p "$copy"
git ls-files -z --cached --others --exclude-standard |
    (while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done) |
    tar --null -T - -cf - | tar -xf - -C "$copy"
chown -R "$user:$group" "$copy"
as_user sh -c 'cd "$1" && git init -q -b main && git add -A &&
    git -c user.name=tester -c user.email=tester@example.com commit -q -m copy' sh "$copy"

target=$src/target/as-user
say "building the tests of the copy as root (CARGO_TARGET_DIR=$target)"
mapfile -t exes < <(cd "$copy" && CARGO_TARGET_DIR=$target nice -n 10 cargo test --locked \
    --no-run --message-format=json "$@" |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(m["executable"])')
[ "${#exes[@]}" -gt 0 ] || { say "no test executables were built" >&2; exit 2; }

say "as $user (uid $(id -u "$user")):"
tools=$(as_user sh "$copy/ci/install-test-tools.sh" --print-dir)
as_user sh "$copy/ci/install-test-tools.sh" ||
    say "some test tools are missing for $user; the tests that need them will say SKIPPED"

# The corpus that tests/corpus.rs reads beside the checkout, where the copy has none.
corpus=()
if [ -d "$src/../shared/corpus" ]; then
    corpus=("EMBARGO_CORPUS=$(cd "$src/../shared/corpus" && pwd)")
fi

failed=()
for exe in "${exes[@]}"; do
    say "running ${exe#"$src"/} as $user"
    if ! as_user sh -c 'cd "$1" && shift && exec "$@"' sh "$copy" \
        env EMBARGO_TEST_TOOLS="$tools" "${corpus[@]}" "$exe"; then
        failed+=("${exe##*/}")
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    say "FAILED as $user: ${failed[*]}" >&2
    exit 1
fi
say "every test executable passed as $user"
