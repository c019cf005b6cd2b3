#!/usr/bin/env bash
# Runs every test of embargo. First installs what the tests need (idempotent: a second
# run installs nothing), then the whole cargo test suite. Extra arguments go to
# `cargo test` (e.g. ./test.sh --test cli).
set -euo pipefail
cd "$(dirname "$0")"
if [ -f ci/install-test-tools.sh ]; then
    bash ci/install-test-tools.sh
fi
exec cargo test --locked "$@"
