#!/bin/sh
# Installs the external tools the integration tests use, without root, into a cache the
# user can write and later runs reuse (docs/testing.md says what is downloaded, and how
# much). The cache is the first of:
#   $EMBARGO_TEST_TOOLS
#   $XDG_CACHE_HOME/embargo-test-tools   (when XDG_CACHE_HOME is an absolute path)
#   $HOME/.cache/embargo-test-tools      (when HOME is a directory)
#   target/test-tools                    (in this checkout)
# tests/common/mod.rs (test_tools_dir) looks in the same places. In its bin/:
#   pre-commit       from PyPI, in a virtualenv of its own (tests/pre_commit.rs)
#   python-icalendar the virtualenv's python, with the icalendar package from PyPI
#                    (tests/timeline.rs parses `notice calendar` back)
#   sarif-multitool  Microsoft's SARIF validator, from npm (tests/formats.rs)
# and checks for ssh-keygen, from the system (signed tags in tests/backstop.rs).
# One line per tool it installs; nothing when everything is there. A tool it cannot
# install (no python3 venv, no npm, no network) is reported and the others still are;
# the tests that need it then say SKIPPED (under CI=true they fail). Exit 1 when a tool
# is missing after the run, else 0. As root on Debian it may apt-get install python3-venv
# or npm; as anyone else it names the package to ask for.
#   --print-dir  prints the cache directory and exits.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)

if [ -n "${EMBARGO_TEST_TOOLS:-}" ]; then
    TOOLS=$EMBARGO_TEST_TOOLS
else
    case ${XDG_CACHE_HOME:-} in
    /*) TOOLS=$XDG_CACHE_HOME/embargo-test-tools ;;
    *)
        if [ -n "${HOME:-}" ] && [ -d "$HOME" ]; then
            TOOLS=$HOME/.cache/embargo-test-tools
        else
            TOOLS=$root/target/test-tools
        fi
        ;;
    esac
fi
if [ "${1:-}" = --print-dir ]; then
    printf '%s\n' "$TOOLS"
    exit 0
fi

# The Python packages installed into the tools' virtualenv, one `name==version` a line.
# pre-commit puts its command in bin/; a package the tests import goes on a line of its
# own here, and the tests run bin/python-icalendar (the virtualenv's python) to use it.
PYTHON_PACKAGES='
pre-commit==4.7.0
icalendar==7.3.0
'
MULTITOOL_VERSION=5.7.0

say() {
    echo "install-test-tools: $*"
}

missing=0
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

# Runs a command quietly; on failure shows its output and returns 1.
run() {
    if ! "$@" >"$LOG" 2>&1; then
        say "failed: $*" >&2
        cat "$LOG" >&2
        return 1
    fi
}

# apt-get install, only as root (never sudo): otherwise name what to ask for.
apt_install() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "apt-get install $*"
        export DEBIAN_FRONTEND=noninteractive
        [ -n "${APT_UPDATED:-}" ] || { run apt-get update -q || return 1; APT_UPDATED=1; }
        run apt-get install -y -q --no-install-recommends "$@"
    else
        say "needs $* (ask for the Debian/Ubuntu package(s) $*, or install them yourself)" >&2
        return 1
    fi
}

mkdir -p "$TOOLS/bin" || { say "cannot create $TOOLS; set EMBARGO_TEST_TOOLS to a writable directory" >&2; exit 1; }
# Several checkouts (or test.sh runs) may share the cache: one installer at a time.
# A cache another account filled and this one may only read is used as it is.
if [ -w "$TOOLS" ] && command -v flock >/dev/null 2>&1; then
    exec 9>"$TOOLS/.lock"
    flock 9
fi

# Links bin/$1 to $2 unless it already is that link (a cache another account made stays
# usable read-only).
link() {
    [ "$(readlink "$TOOLS/bin/$1" 2>/dev/null || true)" = "$2" ] || ln -sf "$2" "$TOOLS/bin/$1"
}

# --- Python packages, in one virtualenv --------------------------------------------------
# A stamp records the package list the virtualenv holds; a changed list installs what is new.
venv=$TOOLS/venv
stamp=$venv/.embargo-packages
want=$(printf '%s\n' "$PYTHON_PACKAGES" | sed '/^[[:space:]]*$/d')
have=$(cat "$stamp" 2>/dev/null || true)
if [ "$want" != "$have" ] || ! "$venv/bin/python3" -c '' >/dev/null 2>&1; then
    python=$(command -v python3 || true)
    if [ -z "$python" ] || ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        apt_install python3 python3-venv || true
        python=$(command -v python3 || true)
    fi
    if [ -n "$python" ] && "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        if ! "$venv/bin/python3" -c '' >/dev/null 2>&1; then
            rm -rf "$venv"
            run "$python" -m venv "$venv" || true
        fi
        new=$(printf '%s\n' "$want" | while IFS= read -r p; do
            printf '%s\n' "$have" | grep -qxF "$p" || printf '%s\n' "$p"
        done)
        for p in $new; do
            say "installing $p from PyPI into $venv"
        done
        # shellcheck disable=SC2086 # one argument per package line
        if [ -x "$venv/bin/python3" ] && run "$venv/bin/python3" -m pip install --quiet \
            --disable-pip-version-check $want; then
            printf '%s\n' "$want" >"$stamp"
        fi
    fi
fi
# A wrapper, not a link: a virtualenv's python finds its packages only when run by its
# own path. Rewritten only when it differs (a read-only cache stays usable).
if "$venv/bin/python3" -c 'import icalendar' >/dev/null 2>&1; then
    wrapper=$(printf '#!/bin/sh\nexec "%s" "$@"\n' "$venv/bin/python3")
    if [ "$(cat "$TOOLS/bin/python-icalendar" 2>/dev/null || true)" != "$wrapper" ]; then
        printf '%s\n' "$wrapper" >"$TOOLS/bin/python-icalendar"
        chmod +x "$TOOLS/bin/python-icalendar"
    fi
fi
if [ -x "$venv/bin/pre-commit" ]; then
    link pre-commit "$venv/bin/pre-commit"
fi

# --- The SARIF multitool, from npm ----------------------------------------------------
# A self-contained Linux build inside the package; called directly, because the npm
# wrapper passes arguments through a shell.
MULTITOOL="$TOOLS/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
MULTITOOL_STAMP=$TOOLS/npm/.embargo-version
if [ ! -f "$MULTITOOL" ] || [ "$(cat "$MULTITOOL_STAMP" 2>/dev/null || true)" != "$MULTITOOL_VERSION" ]; then
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm || true
    if command -v npm >/dev/null 2>&1; then
        say "installing @microsoft/sarif-multitool@$MULTITOOL_VERSION from npm into $TOOLS/npm"
        mkdir -p "$TOOLS/npm"
        if run npm install --prefix "$TOOLS/npm" --no-audit --no-fund --loglevel=error \
            --cache "$TOOLS/npm-cache" "@microsoft/sarif-multitool@$MULTITOOL_VERSION"; then
            rm -rf "$TOOLS/npm-cache"
            [ -x "$MULTITOOL" ] || chmod u+x "$MULTITOOL"
            echo "$MULTITOOL_VERSION" >"$MULTITOOL_STAMP"
        fi
    fi
fi
if [ -f "$MULTITOOL" ]; then
    # The .NET runtime inside wants ICU unless told otherwise; the tests run it with
    # DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1, so only check that it starts.
    if DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$MULTITOOL" --version >"$LOG" 2>&1; then
        link sarif-multitool "$MULTITOOL"
    else
        say "sarif-multitool does not start:" >&2
        cat "$LOG" >&2
    fi
fi

# --- ssh-keygen, from the system ----------------------------------------------------------
# git signs tags with an SSH key (gpg.format=ssh) in tests/backstop.rs.
if ! command -v ssh-keygen >/dev/null 2>&1; then
    apt_install openssh-client || true
    if ! command -v ssh-keygen >/dev/null 2>&1; then
        say "MISSING: ssh-keygen (the tests that need it will say SKIPPED)" >&2
        missing=1
    fi
fi

for tool in pre-commit python-icalendar sarif-multitool; do
    if [ ! -x "$TOOLS/bin/$tool" ]; then
        say "MISSING: $tool (the tests that need it will say SKIPPED)" >&2
        missing=1
    fi
done
exit "$missing"
