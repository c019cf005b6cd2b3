#!/bin/sh
# Installs embargo: the binary into PREFIX/bin, and optionally the commit-msg hook into
# a repository and the pre-receive hook into a bare (server) repository.
# Run ./install.sh --help for the options.
set -eu

prog=install.sh
marker='embargo-hook-marker'
chain_suffix='.embargo-chained'

usage() {
    cat <<'EOF'
Usage: ./install.sh [options]

Builds embargo (cargo build --release --locked) and installs it into PREFIX/bin.

Options:
  --prefix PREFIX   install the binary into PREFIX/bin (default: ~/.local)
  --repo DIR        also install the commit-msg hook into the repository whose work
                    tree is DIR (honours core.hooksPath); an existing commit-msg hook
                    is kept as commit-msg.embargo-chained and run first
  --server DIR      also install the pre-receive hook into the bare repository DIR:
                    DIR/custom_hooks/pre-receive.d/embargo (GitLab) when that
                    directory exists, DIR/hooks/pre-receive.d/embargo (Gitea,
                    Forgejo) when that directory exists and hooks/pre-receive is a
                    dispatcher that runs it, else the pre-receive hook itself,
                    keeping an existing one as pre-receive.embargo-chained and
                    running it first
  --uninstall       remove what install.sh installed: the hooks of --repo/--server
                    (restoring chained hooks), or with neither, PREFIX/bin/embargo
  --no-build        do not build; install target/release/embargo as it is
                    (also: EMBARGO_SKIP_BUILD=1)
  --binary PATH     install this embargo binary instead of building one
                    (also: EMBARGO_INSTALL_FROM=PATH)
  -h, --help        show this help

Installed hooks find the binary at run time: $EMBARGO_BIN, else `embargo` on PATH,
else PREFIX/bin/embargo as recorded at install time. With none, they refuse the
commit or push. Running install.sh again with the same options changes nothing.
Exit status: 0 done, 2 error (nothing is changed when the arguments are wrong).
EOF
}

die() {
    echo "$prog: error: $*" >&2
    exit 2
}

note() {
    echo "$prog: note: $*" >&2
}

# --- arguments -------------------------------------------------------------------

prefix=
repo=
server=
uninstall=0
no_build=0
binary=${EMBARGO_INSTALL_FROM:-}
[ "${EMBARGO_SKIP_BUILD:-}" = 1 ] && no_build=1

need_value() {
    [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"
}

while [ $# -gt 0 ]; do
    case $1 in
    --prefix) need_value "$1" $#; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --repo)
        need_value "$1" $#
        [ -z "$repo" ] || die "--repo given twice; run install.sh once per repository"
        repo=$2; shift 2 ;;
    --repo=*)
        [ -z "$repo" ] || die "--repo given twice; run install.sh once per repository"
        repo=${1#*=}; shift ;;
    --server)
        need_value "$1" $#
        [ -z "$server" ] || die "--server given twice; run install.sh once per repository"
        server=$2; shift 2 ;;
    --server=*)
        [ -z "$server" ] || die "--server given twice; run install.sh once per repository"
        server=${1#*=}; shift ;;
    --binary) need_value "$1" $#; binary=$2; shift 2 ;;
    --binary=*) binary=${1#*=}; shift ;;
    --uninstall) uninstall=1; shift ;;
    --no-build) no_build=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done

newline='
'
for value in "$prefix" "$repo" "$server" "$binary"; do
    case $value in
    *"$newline"*) die "paths with line breaks are not supported" ;;
    esac
done

# Where install.sh and the hook templates live.
case $0 in
*/*) src_dir=$(cd -P -- "${0%/*}" && pwd) ;;
*) src_dir=$(pwd -P) ;;
esac

# Settings of an enclosing git process must not redirect us to another repository.
unset GIT_DIR GIT_WORK_TREE GIT_COMMON_DIR GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
    GIT_ALTERNATE_OBJECT_DIRECTORIES 2>/dev/null || true

if [ -z "$prefix" ]; then
    [ -n "${HOME:-}" ] || die "HOME is not set; give --prefix PREFIX"
    prefix=$HOME/.local
fi
case $prefix in
/*) ;;
*) prefix=$(pwd -P)/$prefix ;;
esac
prefix=${prefix%/}
[ -n "$prefix" ] || die "--prefix / is not supported; give a directory such as /usr/local"
bin_dir=$prefix/bin
installed_bin=$bin_dir/embargo

# --- helpers ---------------------------------------------------------------------

# Absolute, symlink-free path of an existing directory.
abs_dir() {
    (cd -P -- "$1" 2>/dev/null && pwd -P)
}

# Whether $1 is bare ("true"/"false" on stdout); dies with git's own reason when $1
# is not a git repository at all. $2 names the option, for the message.
bare_or_die() {
    _err=$(git -C "$1" rev-parse --git-dir 2>&1 >/dev/null) ||
        die "$2 $1: not a git repository ($(first_line "$_err"))"
    git -C "$1" rev-parse --is-bare-repository 2>/dev/null ||
        die "$2 $1: git cannot read this repository"
}

first_line() {
    printf '%s\n' "$1" | sed -n '1p'
}

# The directory git runs hooks from for the repository at $1 (core.hooksPath honoured,
# relative paths resolved as git resolves them), absolute.
hooks_dir_of() {
    _p=$(git -C "$1" rev-parse --git-path hooks) || die "cannot ask git for the hooks directory of $1"
    case $_p in
    /*) printf '%s\n' "$_p" ;;
    *) printf '%s/%s\n' "$1" "$_p" ;;
    esac
}

is_ours() {
    [ -f "$1" ] && grep -q "^# $marker:" "$1" 2>/dev/null
}

exists() {
    [ -e "$1" ] || [ -L "$1" ]
}

# Single-quotes a value for a shell script.
sh_quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# Writes the hook template $1 to stdout with the recorded prefix and chained hook name.
render_hook() {
    _template=$1
    _chained=$2
    _q_bin=$(sh_quote "$installed_bin")
    _q_chained=$(sh_quote "$_chained")
    while IFS= read -r _line || [ -n "$_line" ]; do
        case $_line in
        EMBARGO_PREFIX_BIN=*) printf 'EMBARGO_PREFIX_BIN=%s\n' "$_q_bin" ;;
        EMBARGO_CHAINED=*) printf 'EMBARGO_CHAINED=%s\n' "$_q_chained" ;;
        *) printf '%s\n' "$_line" ;;
        esac
    done <"$_template"
}

# Puts the hook rendered from template $1 at $2, chained to the hook named $3 (a name
# in the same directory, or empty). Prints what it did.
place_hook() {
    _template=$1
    _dest=$2
    _chained=$3
    _label=$4
    _dir=${_dest%/*}
    _tmp=$_dir/.embargo-hook.$$
    render_hook "$_template" "$_chained" >"$_tmp" || { rm -f "$_tmp"; die "cannot write $_tmp"; }
    chmod 755 "$_tmp"
    if [ -f "$_dest" ] && cmp -s "$_tmp" "$_dest" && [ -x "$_dest" ]; then
        rm -f "$_tmp"
        echo "unchanged: $_label $_dest"
        return 0
    fi
    if exists "$_dest"; then
        _verb=updated
    else
        _verb=installed
    fi
    mv -f "$_tmp" "$_dest" || { rm -f "$_tmp"; die "cannot write $_dest"; }
    echo "$_verb: $_label $_dest"
}

# Whether the hook file $1 is a dispatcher that runs the hooks of its pre-receive.d
# directory, as the script Gitea and Forgejo generate does: git itself never looks
# into pre-receive.d, so a hook there runs only if such a script runs it.
runs_hook_dir() {
    [ -f "$1" ] && [ -x "$1" ] && ! is_ours "$1" &&
        grep -Eq 'pre-receive\.d|\$\{?hookname\}?\.d' "$1" 2>/dev/null
}

# Refuses, before anything is changed, a hook location install_chained_hook cannot use.
preflight_chained_hook() {
    if exists "$1" && ! is_ours "$1"; then
        [ ! -d "$1" ] || die "$1 is a directory; refusing to touch it"
        ! exists "$1$chain_suffix" || die "$1$chain_suffix already exists; move it away, then install again"
    fi
}

# Refuses, before anything is changed, someone else's file where install_dir_hook goes.
preflight_dir_hook() {
    if exists "$1" && ! is_ours "$1"; then
        die "$1 exists and is not embargo's hook; move it away, then install again"
    fi
}

# Installs hook template $1 as $2 (a plain hook file that git runs itself), keeping
# and chaining an existing different hook.
install_chained_hook() {
    _template=$1
    _dest=$2
    _name=${_dest##*/}
    _label="$_name hook"
    _kept=$_dest$chain_suffix
    if exists "$_dest" && ! is_ours "$_dest"; then
        preflight_chained_hook "$_dest"
        mv "$_dest" "$_kept"
        echo "kept: existing $_name hook as $_kept (it runs first)"
    fi
    if exists "$_kept"; then
        place_hook "$_template" "$_dest" "$_name$chain_suffix" "$_label"
    else
        place_hook "$_template" "$_dest" "" "$_label"
    fi
}

# Removes our hook at $1 and restores the hook it kept.
uninstall_chained_hook() {
    _dest=$1
    _name=${_dest##*/}
    _kept=$_dest$chain_suffix
    if is_ours "$_dest"; then
        rm -f "$_dest"
        echo "removed: $_name hook $_dest"
        if exists "$_kept"; then
            mv "$_kept" "$_dest"
            echo "restored: previous $_name hook $_dest"
        fi
    elif exists "$_dest"; then
        echo "not embargo's: $_dest (left alone)"
        exists "$_kept" && note "$_kept was kept by an earlier install, but $_dest has been replaced since; restore it by hand if you want it"
        return 0
    else
        if exists "$_kept"; then
            mv "$_kept" "$_dest"
            echo "restored: previous $_name hook $_dest"
        else
            echo "not installed: $_name hook $_dest"
        fi
    fi
}

# Installs hook template $1 as the file $2 in a directory whose hooks the host runs
# one after another (pre-receive.d): no chaining needed, but never overwrite another.
install_dir_hook() {
    _dest=$2
    preflight_dir_hook "$_dest"
    place_hook "$1" "$_dest" "" "pre-receive hook"
}

uninstall_dir_hook() {
    if is_ours "$1"; then
        rm -f "$1"
        echo "removed: pre-receive hook $1"
    elif exists "$1"; then
        echo "not embargo's: $1 (left alone)"
    fi
}

# Warns when the installed binary cannot find a valid registry for the repository:
# its hooks would then refuse every commit or push.
check_registry() {
    _where=$1
    _what=$2
    shift 2
    [ "$uninstall" = 0 ] || return 0
    [ -x "$installed_bin" ] || return 0
    if _out=$(cd "$_where" && "$@" "$installed_bin" registry lint 2>&1); then
        echo "registry: $(first_line "$_out")"
    else
        note "no valid registry for $_where (as seen by $(id -un 2>/dev/null || echo this user)): $(first_line "$_out")"
        note "until there is one, embargo refuses every $_what there; set it with git config embargo.registry PATH (or EMBARGO_REGISTRY, or \$XDG_CONFIG_HOME/embargo/registry.json)"
    fi
}

# --- check the targets before changing anything ----------------------------------

if [ -n "$repo$server" ]; then
    command -v git >/dev/null 2>&1 || die "git not found on PATH"
fi

repo_hooks=
if [ -n "$repo" ]; then
    [ -d "$repo" ] || die "--repo $repo: no such directory"
    repo_abs=$(abs_dir "$repo") || die "--repo $repo: cannot enter the directory"
    out=$(bare_or_die "$repo_abs" --repo)
    [ "$out" = false ] ||
        die "--repo $repo: a bare repository has no commits made in it; use --server $repo for the pre-receive hook"
    if [ "$(git -C "$repo_abs" rev-parse --is-inside-git-dir)" = true ]; then
        die "--repo $repo: this is a git directory; give the work tree (the directory you commit in)"
    fi
    top=$(git -C "$repo_abs" rev-parse --show-toplevel) || die "--repo $repo: git cannot find its work tree"
    top_abs=$(abs_dir "$top") || die "--repo $repo: cannot enter the work tree $top"
    [ "$top_abs" = "$repo_abs" ] ||
        die "--repo $repo: not the top of a work tree (it is inside $top_abs); give --repo $top_abs"
    repo_hooks=$(hooks_dir_of "$repo_abs")
    [ "$uninstall" = 1 ] || preflight_chained_hook "$repo_hooks/commit-msg"
    if [ -n "$(git -C "$repo_abs" config --get core.hooksPath || true)" ]; then
        note "core.hooksPath is set: the commit-msg hook goes to $repo_hooks, which every repository using that setting shares"
    fi
fi

server_kind=
server_dest=
server_why=
if [ -n "$server" ]; then
    [ -d "$server" ] || die "--server $server: no such directory"
    server_abs=$(abs_dir "$server") || die "--server $server: cannot enter the directory"
    out=$(bare_or_die "$server_abs" --server)
    [ "$out" = true ] ||
        die "--server $server: not a bare repository (pre-receive runs where pushes are received; use --repo for a work tree)"
    gitdir=$(git -C "$server_abs" rev-parse --absolute-git-dir) || die "--server $server: git cannot find its git directory"
    gitdir_abs=$(abs_dir "$gitdir") || die "--server $server: cannot enter $gitdir"
    [ "$gitdir_abs" = "$server_abs" ] ||
        die "--server $server: not the repository itself (it is inside $gitdir_abs); give --server $gitdir_abs"
    server_hooks=$(hooks_dir_of "$server_abs")
    if [ -d "$server_abs/custom_hooks/pre-receive.d" ]; then
        # GitLab (Gitaly) runs custom_hooks/pre-receive.d itself.
        server_kind=dir
        server_dest=$server_abs/custom_hooks/pre-receive.d/embargo
    elif [ -d "$server_abs/hooks/pre-receive.d" ] && runs_hook_dir "$server_hooks/pre-receive"; then
        server_kind=dir
        server_dest=$server_abs/hooks/pre-receive.d/embargo
    else
        server_kind=plain
        server_dest=$server_hooks/pre-receive
        if [ -d "$server_abs/hooks/pre-receive.d" ]; then
            server_why="$server_abs/hooks/pre-receive.d exists, but no dispatcher runs it ($server_hooks/pre-receive is not a script that runs pre-receive.d, as Gitea's and Forgejo's is), and git itself never does; installing the pre-receive hook itself"
        fi
        if [ -n "$(git -C "$server_abs" config --get core.hooksPath || true)" ]; then
            note "core.hooksPath is set: the pre-receive hook goes to $server_hooks, which every repository using that setting shares"
        fi
    fi
    if [ "$uninstall" = 0 ]; then
        if [ "$server_kind" = dir ]; then
            preflight_dir_hook "$server_dest"
        else
            preflight_chained_hook "$server_dest"
        fi
    fi
fi

for template in commit-msg pre-receive; do
    [ -f "$src_dir/hooks/$template" ] || die "$src_dir/hooks/$template is missing; run install.sh from the embargo source tree"
done

# --- uninstall ---------------------------------------------------------------------

if [ "$uninstall" = 1 ]; then
    if [ -n "$repo" ]; then
        uninstall_chained_hook "$repo_hooks/commit-msg"
    fi
    if [ -n "$server" ]; then
        # Wherever an earlier install put it (the host layout may have changed since).
        uninstall_dir_hook "$server_abs/custom_hooks/pre-receive.d/embargo"
        uninstall_dir_hook "$server_abs/hooks/pre-receive.d/embargo"
        uninstall_chained_hook "$server_hooks/pre-receive"
    fi
    if [ -z "$repo$server" ]; then
        if exists "$installed_bin"; then
            rm -f "$installed_bin"
            echo "removed: binary $installed_bin"
        else
            echo "not installed: binary $installed_bin"
        fi
    fi
    exit 0
fi

# --- the binary ---------------------------------------------------------------------

if [ -n "$binary" ]; then
    from=$binary
elif [ "$no_build" = 1 ]; then
    target_dir=${CARGO_TARGET_DIR:-target}
    case $target_dir in
    /*) from=$target_dir/release/embargo ;;
    *) from=$src_dir/$target_dir/release/embargo ;;
    esac
    [ -f "$from" ] || die "--no-build: $from does not exist; build it first (cargo build --release --locked)"
else
    command -v cargo >/dev/null 2>&1 || die "cargo not found on PATH; install Rust (https://rustup.rs) or give --binary PATH"
    echo "building: cargo build --release --locked (in $src_dir)"
    (cd "$src_dir" && cargo build --release --locked) || die "cargo build failed"
    target_dir=${CARGO_TARGET_DIR:-target}
    case $target_dir in
    /*) from=$target_dir/release/embargo ;;
    *) from=$src_dir/$target_dir/release/embargo ;;
    esac
fi
[ -f "$from" ] && [ -x "$from" ] || die "$from is not an executable file"

mkdir -p "$bin_dir" || die "cannot create $bin_dir"
if [ -f "$installed_bin" ] && cmp -s "$from" "$installed_bin" && [ -x "$installed_bin" ]; then
    echo "unchanged: binary $installed_bin"
else
    tmp_bin=$bin_dir/.embargo.tmp.$$
    cp "$from" "$tmp_bin" || { rm -f "$tmp_bin"; die "cannot write $tmp_bin"; }
    chmod 755 "$tmp_bin"
    if exists "$installed_bin"; then verb=updated; else verb=installed; fi
    mv -f "$tmp_bin" "$installed_bin" || { rm -f "$tmp_bin"; die "cannot write $installed_bin"; }
    echo "$verb: binary $installed_bin"
fi
case ":${PATH:-}:" in
*":$bin_dir:"*) ;;
*) note "$bin_dir is not on PATH; installed hooks still find $installed_bin" ;;
esac

# --- the hooks ------------------------------------------------------------------------

if [ -n "$repo" ]; then
    mkdir -p "$repo_hooks" || die "cannot create $repo_hooks"
    install_chained_hook "$src_dir/hooks/commit-msg" "$repo_hooks/commit-msg"
    check_registry "$repo_abs" commit
fi

if [ -n "$server" ]; then
    if [ "$server_kind" = dir ]; then
        install_dir_hook "$src_dir/hooks/pre-receive" "$server_dest"
    else
        [ -z "$server_why" ] || note "$server_why"
        mkdir -p "$server_hooks" || die "cannot create $server_hooks"
        install_chained_hook "$src_dir/hooks/pre-receive" "$server_dest"
    fi
    check_registry "$server_abs" push env "GIT_DIR=$server_abs"
fi
