#!/usr/bin/env bash
# Runs every test of embargo; needs no root. First installs the tools some tests use
# into a user-writable cache (ci/install-test-tools.sh; a second run installs nothing),
# then the whole cargo test suite. A tool that cannot be installed is reported and the
# tests that need it say SKIPPED (CI=true makes them fail). Extra arguments go to
# `cargo test` (e.g. ./test.sh --test cli).
set -euo pipefail
cd "$(dirname "$0")"
if [ -f ci/install-test-tools.sh ]; then
    EMBARGO_TEST_TOOLS=$(sh ci/install-test-tools.sh --print-dir)
    export EMBARGO_TEST_TOOLS
    if ! sh ci/install-test-tools.sh; then
        echo "test.sh: some test tools are missing (see above); the tests that need them will say SKIPPED" >&2
    fi
fi
exec cargo test --locked "$@"
