#!/usr/bin/env bash
# Two or more builds of embargo side by side, to tell whether a change made anything slower:
#
#   bash benches/compare.sh [LABEL=]BINARY [LABEL=]BINARY ...
#
# e.g. a release build of an older commit against the current one:
#
#   git worktree add /tmp/old 01e2885 && (cd /tmp/old && cargo build --release)
#   bash benches/compare.sh old=/tmp/old/target/release/embargo new=target/release/embargo
#
# On the inputs of benches/run.sh (the 10,000-issue synthetic registry, the corpus history
# as a bare repository; built under WORK, default target/bench/work, if missing), in an
# isolated environment, it times with `hyperfine -N` (Debian package `hyperfine`):
#   * `embargo commit-msg` with the registry as a plain file, compiled cache warm (each
#     build has its own copy of the registry, so its own cache file), with
#     `embargo --version` beside it;
#   * `embargo check --all` over the corpus history, with `git log --all --format=%B`.
# ROUNDS rounds (default 6), each one hyperfine run per measure with every build in it,
# the builds' order rotating from round to round, so that load that comes and goes on a
# shared machine weighs on all of them alike. It prints each build's median (the median of
# the rounds' medians), its CPU time (user + system, children included, mean) and its
# ratio to the first build (the median of the rounds' ratios). Knobs: ROUNDS, LAT_RUNS
# (commit-msg runs per round, 300), SCAN_RUNS (scans per round, 10), WORK, EMBARGO_CORPUS.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$root/target/bench/work}
corpus=${EMBARGO_CORPUS:-$root/../shared/corpus}
ROUNDS=${ROUNDS:-6}
LAT_RUNS=${LAT_RUNS:-300}
SCAN_RUNS=${SCAN_RUNS:-10}
log() { printf '[compare] %s\n' "$*" >&2; }

case ${1:-} in -h | --help | '') sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
[ $# -ge 2 ] || { echo "compare.sh: give at least two builds" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "compare.sh: needs hyperfine" >&2; exit 2; }
labels=() bins=()
for arg in "$@"; do
    case $arg in
        *=*) label=${arg%%=*} bin=${arg#*=} ;;
        *) label=$(basename "$(dirname "$(dirname "$(dirname "$arg")")")") bin=$arg ;;
    esac
    [[ $label =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "compare.sh: bad label $label (give LABEL=BINARY)" >&2; exit 2; }
    [ -x "$bin" ] || { echo "compare.sh: no binary at $bin" >&2; exit 2; }
    labels+=("$label") bins+=("$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")")
done
n=${#bins[@]}

# --- inputs (as benches/run.sh makes them) ------------------------------------------------
[ -d "$corpus" ] || { echo "compare.sh: no corpus at $corpus (set EMBARGO_CORPUS)" >&2; exit 2; }
export EMBARGO_CORPUS=$(cd "$corpus" && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)
if [ ! -f "$work/registry.json" ] || [ ! -f "$work/history.fi" ]; then
    log "writing the registry and the fast-import stream (cargo bench --bench perf)"
    perf=$(cd "$root" && cargo bench --bench perf --no-run --quiet --message-format=json 2>/dev/null |
        grep '"kind":\["bench"\]' | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
    [ -x "$perf" ] || { echo "compare.sh: cannot find the perf bench binary" >&2; exit 2; }
    "$perf" setup "$work" >"$work/setup.txt"
fi
repo=$work/repo.git
stamp=$(cksum <"$work/history.fi")
if [ ! -d "$repo" ] || [ "$(cat "$work/repo.stamp" 2>/dev/null)" != "$stamp" ]; then
    log "git fast-import of the corpus history"
    rm -rf "$repo"
    git init -q --bare "$repo"
    git -C "$repo" fast-import --quiet <"$work/history.fi"
    echo "$stamp" >"$work/repo.stamp"
fi

export HOME=$work/compare-home XDG_CONFIG_HOME=$work/compare-home/.config
export XDG_CACHE_HOME=$work/compare-home/.cache
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null EMBARGO_AS_OF=2026-11-28 NO_COLOR=1
export LC_ALL=C
unset EMBARGO_REGISTRY EMBARGO_REGISTRY_JSON GIT_DIR GIT_EDITOR 2>/dev/null || true
rm -rf "$HOME"
mkdir -p "$HOME"
lat=$HOME/latency
git init -q "$lat"
printf 'Fix the parser for empty option lists\n\nThe loop ran past the end when the list was empty.\n' >"$lat/msg"
# One copy of the registry per build: one cache file per registry path, and a build does
# not trust another's. Old enough that the cache is used without reading the registry
# (docs/cache.md: unchanged for 3 s when compiled).
for i in "${!bins[@]}"; do
    cp "$work/registry.json" "$HOME/registry-${labels[$i]}.json"
done
sleep 4
for i in "${!bins[@]}"; do
    for _ in 1 2; do
        (cd "$lat" && "${bins[$i]}" --registry "$HOME/registry-${labels[$i]}.json" commit-msg msg >/dev/null 2>&1) || {
            echo "compare.sh: ${labels[$i]}: commit-msg failed" >&2
            exit 2
        }
    done
done

# --- rounds ---------------------------------------------------------------------------------
res=$HOME/results
mkdir -p "$res"
cmd_of() { # cmd_of INDEX ARGS...: the command line of build INDEX
    local i=$1; shift
    echo "${bins[$i]} --registry $HOME/registry-${labels[$i]}.json $*"
}
for r in $(seq 1 "$ROUNDS"); do
    order=()
    for k in $(seq 0 $((n - 1))); do order+=($(((k + r) % n))); done
    cmds=("${bins[0]} --version")
    for i in "${order[@]}"; do cmds+=("$(cmd_of "$i" commit-msg msg)"); done
    (cd "$lat" && hyperfine -N --style none --warmup 20 --runs "$LAT_RUNS" \
        --export-csv "$res/commit-msg-$r.csv" -- "${cmds[@]}" >/dev/null 2>&1)
    cmds=("git log --all --format=%B")
    for i in "${order[@]}"; do cmds+=("$(cmd_of "$i" check --all)"); done
    (cd "$repo" && hyperfine -N --style none --warmup 1 --runs "$SCAN_RUNS" \
        --export-csv "$res/scan-$r.csv" -- "${cmds[@]}" >/dev/null 2>&1)
    log "round $r of $ROUNDS done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
done

# --- report ---------------------------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# field FILE NAME COLUMN: the value in COLUMN (4 median, 5 user, 6 system) of the row whose
# command holds NAME (a binary's path, or `--version`, or `git log`)
field() { awk -F, -v k="$2" -v c="$3" 'NR > 1 && index($1, k) { print $c; exit }' "$1"; }
echo
echo "embargo builds compared: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $ROUNDS rounds"
for i in "${!bins[@]}"; do echo "  ${labels[$i]}: ${bins[$i]}"; done
printf '\n%-34s %-12s %12s %14s %10s\n' "measure" "build" "median (ms)" "CPU mean (ms)" "ratio"
for what in commit-msg scan; do
    if [ "$what" = commit-msg ]; then ref='--version' refname='embargo --version'; else ref='git log' refname='git log --all --format=%B'; fi
    ms=$(for f in "$res/$what"-*.csv; do field "$f" "$ref" 4; done | median)
    cpu=$(for f in "$res/$what"-*.csv; do awk -v a="$(field "$f" "$ref" 5)" -v b="$(field "$f" "$ref" 6)" 'BEGIN { print a + b }'; done | median)
    printf '%-34s %-12s %12.2f %14.2f %10s\n' "$what" "($refname)" "$(awk -v x="$ms" 'BEGIN { print x * 1000 }')" "$(awk -v x="$cpu" 'BEGIN { print x * 1000 }')" ""
    for i in "${!bins[@]}"; do
        ms=$(for f in "$res/$what"-*.csv; do field "$f" "${bins[$i]} --registry" 4; done | median)
        cpu=$(for f in "$res/$what"-*.csv; do awk -v a="$(field "$f" "${bins[$i]} --registry" 5)" -v b="$(field "$f" "${bins[$i]} --registry" 6)" 'BEGIN { print a + b }'; done | median)
        ratio=$(for f in "$res/$what"-*.csv; do awk -v a="$(field "$f" "${bins[$i]} --registry" 4)" -v b="$(field "$f" "${bins[0]} --registry" 4)" 'BEGIN { print a / b }'; done | median)
        printf '%-34s %-12s %12.2f %14.2f %9.2fx\n' "" "${labels[$i]}" "$(awk -v x="$ms" 'BEGIN { print x * 1000 }')" "$(awk -v x="$cpu" 'BEGIN { print x * 1000 }')" "$ratio"
    done
done
