#!/bin/sh
# Installs the external tools the integration tests use, into $EMBARGO_TEST_TOOLS
# (default /opt/embargo-test-tools), with links in its bin/:
#   pre-commit       from PyPI, in its own virtualenv (tests/pre_commit.rs)
#   python-icalendar a python with the icalendar package from PyPI, in the same
#                    virtualenv (tests/timeline.rs parses `notice calendar` back)
#   sarif-multitool  Microsoft's SARIF validator, from npm (tests/formats.rs)
# and, from the system's packages, ssh-keygen (signed tags in tests/backstop.rs).
# Idempotent and quiet: a tool already there is kept; output is shown only on failure.
# Needs python3 (with venv) and npm; on a bare Debian machine it installs them with apt.
set -eu
export DEBIAN_FRONTEND=noninteractive

TOOLS=${EMBARGO_TEST_TOOLS:-/opt/embargo-test-tools}
PRE_COMMIT_VERSION=4.7.0
ICALENDAR_VERSION=7.3.0
MULTITOOL_VERSION=5.7.0
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

run() {
    if ! "$@" >"$LOG" 2>&1; then
        echo "install-test-tools: failed: $*" >&2
        cat "$LOG" >&2
        exit 1
    fi
}

apt_install() {
    if command -v apt-get >/dev/null 2>&1; then
        [ -n "${APT_UPDATED:-}" ] || { run apt-get update -q; APT_UPDATED=1; }
        run apt-get install -y -q --no-install-recommends "$@"
    else
        echo "install-test-tools: please install: $*" >&2
        exit 1
    fi
}

mkdir -p "$TOOLS/bin"

# ssh-keygen: git signs tags with an SSH key (gpg.format=ssh) in tests/backstop.rs.
command -v ssh-keygen >/dev/null 2>&1 || apt_install openssh-client

# pre-commit, from PyPI, in a virtualenv of its own (no clash with system packages).
if ! "$TOOLS/venv/bin/pre-commit" --version >/dev/null 2>&1; then
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        apt_install python3 python3-venv
    fi
    rm -rf "$TOOLS/venv"
    run python3 -m venv "$TOOLS/venv"
    run "$TOOLS/venv/bin/python" -m pip install --quiet --disable-pip-version-check "pre-commit==$PRE_COMMIT_VERSION"
fi
ln -sf "$TOOLS/venv/bin/pre-commit" "$TOOLS/bin/pre-commit"
if ! "$TOOLS/venv/bin/python" -c 'import icalendar' >/dev/null 2>&1; then
    run "$TOOLS/venv/bin/python" -m pip install --quiet --disable-pip-version-check "icalendar==$ICALENDAR_VERSION"
fi
# A wrapper, not a link: a venv's python finds its packages only when run from the venv.
printf '#!/bin/sh\nexec "%s" "$@"\n' "$TOOLS/venv/bin/python" >"$TOOLS/bin/python-icalendar"
chmod +x "$TOOLS/bin/python-icalendar"

# The SARIF multitool, from npm: a self-contained Linux build inside the package. Called
# directly: the npm wrapper passes arguments through a shell.
MULTITOOL="$TOOLS/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ ! -f "$MULTITOOL" ]; then
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    mkdir -p "$TOOLS/npm"
    run npm install --prefix "$TOOLS/npm" --no-audit --no-fund --loglevel=error \
        "@microsoft/sarif-multitool@$MULTITOOL_VERSION"
fi
chmod u+x "$MULTITOOL"
ln -sf "$MULTITOOL" "$TOOLS/bin/sarif-multitool"

# The .NET runtime inside the multitool wants ICU unless told otherwise; the tests run it
# with DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1, so only check that it starts.
if ! DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$TOOLS/bin/sarif-multitool" --version >"$LOG" 2>&1; then
    echo "install-test-tools: sarif-multitool does not start:" >&2
    cat "$LOG" >&2
    exit 1
fi
