#!/usr/bin/env bash
# Checking what commits add (contract §11), measured against what a user would run
# instead. One command, from a fresh clone:
#
#   BENCH_REPO=/path/to/git.git bash benches/content.sh
#
# BENCH_REPO is a clone (bare or not) of git/git, or its URL; a URL is cloned (bare,
# ~500 MB) into $WORK/git.git first. Get it with
#   git clone --bare https://github.com/git/git.git git.git
# The measurements (runs interleaved, medians of RUNS rounds, wall clock and CPU):
#
#   * history audit: `embargo check --content ids` over the latest COMMITS (5,000) commits
#     (`HEAD~N..HEAD` by `rev-list --skip`) vs `git log -p --format=%B` over the same
#     range, which is what one would pipe into grep; and `--content off` (messages only)
#     vs `git log --format=%B`, which must not have become slower;
#   * pre-receive of a ~100-commit push: `embargo pre-receive` run as git runs it, in a
#     repository whose only ref is the push's old tip (with a commit-graph) and whose
#     objects are BENCH_REPO's (an alternate), the pushed objects in a quarantine as git
#     has them, vs
#     `git log -p` of those commits; and once a 10,000-commit push (BIG_PUSH);
#   * commit-msg with a 1,000-line staged change on the 10,000-issue registry
#     (benches/synth.rs, through the `perf` bench's `setup`), hyperfine when installed.
#
# Knobs: BENCH_REPO, COMMITS (5000), PUSH (100), RUNS (5), LAT_RUNS (100), WORK.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$root/target/bench/content}
COMMITS=${COMMITS:-5000} PUSH=${PUSH:-100} RUNS=${RUNS:-5} LAT_RUNS=${LAT_RUNS:-100}
mkdir -p "$work"
work=$(cd "$work" && pwd)

log() { printf '[content] %s\n' "$*" >&2; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
# wall and CPU (user+sys) seconds of a shell command, its output discarded
measure() {
    /usr/bin/time -f '%e %U %S' -o "$work/time.txt" bash -c "$1" >/dev/null 2>&1 || true
    tail -1 "$work/time.txt" | awk '{ printf "%s %.2f\n", $1, $2 + $3 }'
}

case ${BENCH_REPO:-} in
    "")
        echo "content.sh: set BENCH_REPO to a clone of git/git (git clone --bare https://github.com/git/git.git), or to its URL" >&2
        exit 2 ;;
    *://*)
        [ -d "$work/git.git" ] || git clone -q --bare "$BENCH_REPO" "$work/git.git"
        repo=$work/git.git ;;
    *) repo=$(cd "$BENCH_REPO" && pwd) ;;
esac
gitdir=$(git -C "$repo" rev-parse --absolute-git-dir)

log "building (cargo build --release; cargo bench --no-run)"
(cd "$root" && cargo build --release --quiet)
embargo=$root/target/release/embargo
perf=$(cd "$root" && cargo bench --bench perf --no-run --quiet --message-format=json 2>/dev/null |
    grep '"kind":\["bench"\]' | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)

export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_CACHE_HOME=$work/home/.cache
export GIT_CONFIG_NOSYSTEM=1 EMBARGO_AS_OF=2026-11-27
mkdir -p "$HOME"
registry=$root/fixtures/registry.example.json

# --- history audit ------------------------------------------------------------------------
head=$(git --git-dir="$gitdir" rev-parse HEAD)
base=$(git --git-dir="$gitdir" rev-list --max-count=1 --skip="$COMMITS" HEAD)
range=$base..$head
count=$(git --git-dir="$gitdir" rev-list --count "$range")
log "history audit: $count commits ($range), $RUNS interleaved rounds"
g() { git --git-dir="$gitdir" "$@"; }
export gitdir embargo registry range
e="GIT_DIR=\$gitdir \$embargo --registry \$registry"
bash -c "$e check --content ids \$range" >/dev/null 2>&1 || true # warm the page cache
: >"$work/audit.txt"
for i in $(seq 1 "$RUNS"); do
    echo "gitp $(measure 'git --git-dir="$gitdir" log -p --format=%B "$range"')" >>"$work/audit.txt"
    echo "ids $(measure "$e check --content ids \$range")" >>"$work/audit.txt"
    echo "gitm $(measure 'git --git-dir="$gitdir" log --format=%B "$range"')" >>"$work/audit.txt"
    echo "off $(measure "$e check --content off \$range")" >>"$work/audit.txt"
done
wall() { awk -v k="$1" '$1 == k { print $2 }' "$work/audit.txt" | median; }
cpu() { awk -v k="$1" '$1 == k { print $3 }' "$work/audit.txt" | median; }

# --- pre-receive of a 100-commit push -----------------------------------------------------
# The nearest first-parent ancestor with at least PUSH commits after it.
push_base=
for c in $(g rev-list --first-parent --max-count=400 HEAD); do
    push_base=$c
    [ "$(g rev-list --count "$c..$head")" -ge "$PUSH" ] && break
done
push_count=$(g rev-list --count "$push_base..$head")
server=$work/server.git
rm -rf "$server"
git init -q --bare "$server"
echo "$gitdir/objects" >"$server/objects/info/alternates"
# The server's ref at the push's old tip, with a commit-graph, as a maintained server has.
server_at() {
    git --git-dir="$server" update-ref refs/heads/master "$1"
    git --git-dir="$server" commit-graph write --reachable 2>/dev/null
}
server_at "$push_base"
log "pre-receive: a push of $push_count commits ($push_base..$head)"
: >"$work/push.txt"
# What git does for a push: the objects received are in a quarantine directory, named by
# GIT_QUARANTINE_PATH and GIT_OBJECT_DIRECTORY, the repository's own as an alternate.
quarantine() { # quarantine BASE HEAD DIR: a pack of the objects HEAD has and BASE has not
    rm -rf "$3"; mkdir -p "$3/pack"
    g rev-list --objects "$2" --not "$1" | g pack-objects -q --delta-base-offset "$3/pack/pack" >/dev/null
}
quarantine "$push_base" "$head" "$work/quarantine"
export push_base head server quarantine_dir=$work/quarantine
hook='printf "%s %s refs/heads/master\n" "$push_base" "$head" | GIT_DIR=$server GIT_QUARANTINE_PATH=$quarantine_dir GIT_OBJECT_DIRECTORY=$quarantine_dir GIT_ALTERNATE_OBJECT_DIRECTORIES=$server/objects "$embargo" --registry "$registry"'
for i in $(seq 1 "$RUNS"); do
    echo "gitp $(measure 'git --git-dir="$gitdir" log -p "$push_base..$head"')" >>"$work/push.txt"
    echo "hook $(measure "$hook pre-receive")" >>"$work/push.txt"
    echo "off $(measure "$hook --content off pre-receive")" >>"$work/push.txt"
done
# A 10,000-commit push, once: GitHub Enterprise Server gives all hooks 5 s.
big_base=$(g rev-list --max-count=1 --skip="${BIG_PUSH:-10000}" HEAD)
big_count=$(g rev-list --count "$big_base..$head")
log "pre-receive: a push of $big_count commits"
quarantine "$big_base" "$head" "$work/quarantine"
server_at "$big_base"
push_base=$big_base
big=$(measure "$hook pre-receive")
big_gitp=$(measure 'git --git-dir="$gitdir" log -p "$push_base..$head"')
pwall() { awk -v k="$1" '$1 == k { print $2 }' "$work/push.txt" | median; }

# --- commit-msg with a 1,000-line staged change, 10k-issue registry -----------------------
log "commit-msg: 1,000 staged lines, 10,000-issue registry ($LAT_RUNS runs)"
"$perf" setup "$work" >/dev/null
bigreg=$work/registry.json
lat=$work/latency
rm -rf "$lat"; git init -q "$lat"
(cd "$lat" && seq 1 500 | sed 's/^/int line_/; s/$/;/' >src.c && git add src.c &&
    git -c user.name=b -c user.email=b@b commit -q -m "Add the source" &&
    seq 1 1000 | sed 's/^/int line_/; s/$/; \/\/ changed/' >src.c && git add src.c)
printf 'Rework the parser\n' >"$lat/msg"
# The registry was just written: the cache trusts `stat` alone only for a file left
# alone for 3 s (load::stamp::SETTLE), and reads and hashes it before that. A hook runs
# long after the registry was last edited, so the cache is filled once it has settled.
sleep 4
(cd "$lat" && "$embargo" --registry "$bigreg" commit-msg msg >/dev/null 2>&1) # fills the cache
staged=$(git -C "$lat" diff --cached --numstat | awk '{ print $1 }')
if command -v hyperfine >/dev/null; then
    lat_ms() {
        (cd "$lat" && hyperfine -N --style none --warmup 10 --runs "$LAT_RUNS" \
            --export-csv "$work/lat.csv" -- "$embargo $*" >/dev/null 2>&1)
        awk -F, 'NR == 2 { printf "%.2f", $4 * 1000 }' "$work/lat.csv"
    }
else
    lat_ms() {
        for i in $(seq 1 "$LAT_RUNS"); do
            t0=$(date +%s%N); (cd "$lat" && "$embargo" "$@" >/dev/null 2>&1 || true); t1=$(date +%s%N)
            echo $(((t1 - t0) / 1000))
        done | median | awk '{ printf "%.2f", $1 / 1000 }'
    }
fi
lat_ids=$(lat_ms --registry "$bigreg" commit-msg msg)
lat_off=$(lat_ms --registry "$bigreg" --content off commit-msg msg)

# --- report -------------------------------------------------------------------------------
printf '\n%-58s %10s %10s %8s %8s\n' "measurement" "embargo" "baseline" "ratio" "target"
row() { printf '%-58s %10s %10s %8s %8s\n' "$@"; }
row "check --content ids, $count commits (wall s)" "$(wall ids)" "$(wall gitp)" "$(ratio "$(wall ids)" "$(wall gitp)")x" "<= 1.0x"
row "  the same, CPU s (user+sys)" "$(cpu ids)" "$(cpu gitp)" "$(ratio "$(cpu ids)" "$(cpu gitp)")x" ""
row "check --content off vs git log --format=%B (wall s)" "$(wall off)" "$(wall gitm)" "$(ratio "$(wall off)" "$(wall gitm)")x" ""
row "pre-receive, $push_count-commit push vs git log -p (wall s)" "$(pwall hook)" "$(pwall gitp)" "$(ratio "$(pwall hook)" "$(pwall gitp)")x" "<= 1.5x"
row "  the same, --content off (wall s)" "$(pwall off)" "" "" ""
row "pre-receive, $big_count-commit push (wall s; CPU s)" "$(echo "$big" | cut -d' ' -f1)" "$(echo "$big_gitp" | cut -d' ' -f1)" "$(echo "$big" | cut -d' ' -f2)" "< 5 s"
row "commit-msg, $staged staged lines, 10k issues (ms)" "$lat_ids" "" "" "<= 5 ms"
row "commit-msg, the same with --content off (ms)" "$lat_off" "" "" ""
echo
echo "baselines: git log -p --format=%B / git log --format=%B / git log -p over the same commits;"
echo "medians of $RUNS interleaved rounds; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
