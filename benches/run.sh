#!/usr/bin/env bash
# embargo's benchmark harness. From a fresh clone, one command:
#
#   bash benches/run.sh [--skip-pre-receive] [--quick]
#
# It builds what it needs under target/bench/work (the release binary; the `perf` bench;
# a bare repository whose history carries the ~89,000 real commit messages of
# ../shared/corpus, made with `git fast-import`; a synthetic registry of 10,000 issues,
# each with an id, a CVE alias and a three-word term, plus 50 patterns; its terms for
# grep) and measures, side by side in one run, against what a user would run instead:
#
#   * history scan: `embargo check --all` vs `git log --all --format=%B` alone vs
#     `git log --all --format=%B | grep -F -i -f terms` (runs interleaved, medians), on
#     the fast-import pack and on a copy repacked with `git repack -adf` (commit deltas);
#   * peak memory (max RSS) of the full scan;
#   * commit-msg latency, process start to exit, with the 10k-issue registry (hyperfine,
#     or a `date +%s%N` loop without it), with and without the compiled-registry cache,
#     and registry loading and matcher building on their own (the `perf` bench);
#   * matcher throughput in MB/s over the corpus text vs a bare aho-corasick scan;
#   * corpus checks: the synthetic registry blocks no corpus message (generic warnings
#     counted apart), and the CVEs of cve_mentions.jsonl, registered as embargoed, block
#     every one of those messages (in-process and through the binary);
#   * pre-receive: benches/pre_receive.sh (another harness; --skip-pre-receive skips it).
#
# Then it prints one table with the ratios and targets. Knobs (environment): RUNS (scan
# rounds, default 5), LAT_RUNS (commit-msg runs, default 300), WORK, EMBARGO_CORPUS.
# --quick: fewer rounds (3 scans, 100 latency runs; no pre-receive, no UTF-8 grep).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$root/target/bench/work}
corpus=${EMBARGO_CORPUS:-$root/../shared/corpus}
RUNS=${RUNS:-5}
LAT_RUNS=${LAT_RUNS:-300}
pre_receive=1 quick=0
for arg in "$@"; do
    case $arg in
        --skip-pre-receive) pre_receive=0 ;;
        --quick) RUNS=3 LAT_RUNS=100 pre_receive=0 quick=1 ;;
        -h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument $arg" >&2; exit 2 ;;
    esac
done

log() { printf '[bench] %s\n' "$*" >&2; }
now() { date +%s%N; }
# seconds with 3 decimals from two `now` values
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a == a + 0) printf "%.2f", a / b; else print "-" }'; }
# value of `key` in a `key value` file
val() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
verdict() { # verdict VALUE LIMIT: PASS when VALUE <= LIMIT
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == a + 0 && a <= b) print "PASS"; else print "MISS" }'
}

[ -d "$corpus" ] || { echo "run.sh: no corpus at $corpus (set EMBARGO_CORPUS)" >&2; exit 2; }
export EMBARGO_CORPUS=$(cd "$corpus" && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)

# --- build ------------------------------------------------------------------------------
log "building (cargo build --release; cargo bench --no-run)"
(cd "$root" && cargo build --release --quiet)
embargo=$root/target/release/embargo
perf=$(cd "$root" && cargo bench --bench perf --no-run --quiet --message-format=json 2>/dev/null |
    grep '"kind":\["bench"\]' | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
[ -x "$perf" ] || { echo "run.sh: cannot find the perf bench binary" >&2; exit 2; }

# --- inputs -----------------------------------------------------------------------------
log "writing the registries and the fast-import stream"
"$perf" setup "$work" >"$work/setup.txt"
commits=$(val "$work/setup.txt" commits)
repo=$work/repo.git
stamp=$(cksum <"$work/history.fi")
if [ ! -d "$repo" ] || [ "$(cat "$work/repo.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$repo"
    git init -q --bare "$repo"
    t0=$(now)
    git -C "$repo" fast-import --quiet <"$work/history.fi"
    t1=$(now)
    echo "$stamp" >"$work/repo.stamp"
    log "git fast-import: $commits commits in $(secs "$t0" "$t1") s"
fi
# The same history as `git repack -adf` leaves it (as after `git gc --aggressive`, or as a
# server sends it): about one commit in ten stored as a delta of another.
repacked=$work/repacked.git
if [ ! -d "$repacked" ] || [ "$(cat "$work/repacked.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$repacked"
    cp -r "$repo" "$repacked"
    git -C "$repacked" repack -adfq
    echo "$stamp" >"$work/repacked.stamp"
fi
registry=$work/registry.json
terms=$work/terms.txt

# An isolated environment: no user or system git config, a private HOME and cache, a fixed
# judging day, no registry from the environment.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_CACHE_HOME=$work/home/.cache
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null EMBARGO_AS_OF=2026-11-28 NO_COLOR=1
export LC_ALL=C
unset EMBARGO_REGISTRY EMBARGO_REGISTRY_JSON GIT_DIR GIT_EDITOR 2>/dev/null || true
mkdir -p "$HOME"
cache_dir=$XDG_CACHE_HOME/embargo
# A cache directory that cannot be created (it would be under a file): no cache at all.
no_cache=$registry/cache

# --- history scan -----------------------------------------------------------------------
scan_git() { git -C "$repo" log --all --format=%B >/dev/null; }
# grep in the C locale (its fast path); in a UTF-8 locale `grep -F -i` is far slower.
scan_grep() { git -C "$repo" log --all --format=%B | LC_ALL=C grep -F -i -f "$terms" >/dev/null || [ $? = 1 ]; }
scan_grep_utf8() { git -C "$repo" log --all --format=%B | LC_ALL=C.UTF-8 grep -F -i -f "$terms" >/dev/null || [ $? = 1 ]; }
scan_embargo() { (cd "$repo" && "$embargo" --registry "$registry" check --all >/dev/null 2>&1) || [ $? = 1 ]; }
scan_git_repacked() { git -C "$repacked" log --all --format=%B >/dev/null; }
scan_embargo_repacked() { (cd "$repacked" && "$embargo" --registry "$registry" check --all >/dev/null 2>&1) || [ $? = 1 ]; }
scan_cold() { (cd "$repo" && XDG_CACHE_HOME=$no_cache "$embargo" --registry "$registry" check --all >/dev/null 2>&1) || [ $? = 1 ]; }

check_ok=1
set +e
(cd "$repo" && "$embargo" --registry "$registry" check --all >"$work/check.out" 2>"$work/check.err")
check_rc=$?
set -e
if [ "$check_rc" -gt 1 ]; then
    check_ok=0
    log "embargo check --all failed (exit $check_rc), skipping the scan: $(head -c 300 "$work/check.err")"
fi
summary=$(grep -h 'in [0-9]* commits\? checked' "$work/check.out" "$work/check.err" | tail -1 || true)

: >"$work/scan.txt"
if [ "$check_ok" = 1 ]; then
    log "history scan: $RUNS interleaved rounds of git log, git log | grep, embargo check (cached, uncached)"
    scan_git; scan_embargo # warm the page cache and the compiled-registry cache
    for round in $(seq 1 "$RUNS"); do
        for what in git grep embargo cold git_repacked embargo_repacked; do
            t0=$(now); "scan_$what"; t1=$(now)
            echo "$what $(secs "$t0" "$t1")" >>"$work/scan.txt"
        done
    done
fi
scan() { awk -v k="$1" '$1 == k { print $2 }' "$work/scan.txt" | median; }
t_git=$(scan git); t_grep=$(scan grep); t_emb=$(scan embargo); t_cold=$(scan cold)
t_git_r=$(scan git_repacked); t_emb_r=$(scan embargo_repacked)
t_grep_utf8=-
if [ "$check_ok" = 1 ] && [ "$quick" = 0 ] && locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$'; then
    log "git log | grep -F -i -f terms once more, in the C.UTF-8 locale (slow)"
    t0=$(now); scan_grep_utf8; t1=$(now); t_grep_utf8=$(secs "$t0" "$t1")
fi

# --- peak memory ------------------------------------------------------------------------
rss_emb=- rss_git=- rss_cold=- rss_emb_r=-
if [ "$check_ok" = 1 ] && [ -x /usr/bin/time ]; then
    log "peak memory (GNU time)"
    rss() { /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>&1 || true; awk '{ printf "%.1f", $1 / 1024 }' "$work/rss"; }
    rss_git=$(rss git -C "$repo" log --all --format=%B)
    rss_emb=$(cd "$repo" && rss "$embargo" --registry "$registry" check --all)
    rss_emb_r=$(cd "$repacked" && rss "$embargo" --registry "$registry" check --all)
    rss_cold=$(cd "$repo" && XDG_CACHE_HOME=$no_cache rss "$embargo" --registry "$registry" check --all)
fi

# --- commit-msg latency -----------------------------------------------------------------
log "commit-msg latency ($LAT_RUNS runs each)"
lat=$work/latency
rm -rf "$lat"; git init -q "$lat"
printf 'Fix the parser for empty option lists\n\nThe loop ran past the end when the list was empty.\n' >"$lat/msg"
example=$root/fixtures/registry.example.json
"$embargo" --registry "$registry" commit-msg "$lat/msg" 2>/dev/null # fills the cache
latency() { # latency NAME ENV... -- ARGS: median milliseconds of `embargo ARGS` in $lat
    local name=$1; shift
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    if command -v hyperfine >/dev/null; then
        (cd "$lat" && env "${envs[@]}" hyperfine -N --style none --warmup 20 --runs "$LAT_RUNS" \
            --export-csv "$work/lat-$name.csv" -- "$embargo $*" >/dev/null 2>&1)
        awk -F, 'NR == 2 { printf "%.2f", $4 * 1000 }' "$work/lat-$name.csv"
    else
        local i t0 t1
        for i in $(seq 1 "$LAT_RUNS"); do
            t0=$(now); (cd "$lat" && env "${envs[@]}" "$embargo" "$@" >/dev/null 2>&1 || true); t1=$(now)
            awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e6 }'
        done | median | awk '{ printf "%.2f", $1 }'
    fi
}
lat_version=$(latency version -- --version)
lat_warm=$(latency warm -- --registry "$registry" commit-msg msg)
lat_cold=$(latency cold "XDG_CACHE_HOME=$no_cache" -- --registry "$registry" commit-msg msg)
lat_small=$(latency small -- --registry "$example" commit-msg msg)
timer=$(command -v hyperfine >/dev/null && echo "hyperfine -N, median" || echo "date +%s%N loop, median")

log "registry loading and matcher building (in process)"
"$perf" load "$work" >"$work/load.txt"

# --- matcher throughput -----------------------------------------------------------------
log "matcher throughput over the corpus text"
"$perf" throughput "$work" >"$work/throughput.txt"

# --- corpus checks ----------------------------------------------------------------------
log "corpus: false positives and recall"
"$perf" corpus "$work" >"$work/corpus.txt"
recall_total=$(ls "$work"/cve-messages | wc -l)
recall_bin=$(cd "$lat" && for f in "$work"/cve-messages/*.txt; do
    "$embargo" --registry "$work/cve-registry.json" commit-msg "$f" >/dev/null 2>&1 && echo 0 || echo $?
done | grep -c '^1$' || true)

# --- pre-receive ------------------------------------------------------------------------
pr_ratio=- pr_line=
if [ "$pre_receive" = 1 ] && [ -f "$root/benches/pre_receive.sh" ]; then
    log "pre-receive: bash benches/pre_receive.sh (another harness; --skip-pre-receive skips it)"
    if EMBARGO_BIN=$embargo bash "$root/benches/pre_receive.sh" >"$work/pre_receive.txt" 2>"$work/pre_receive.err"; then
        pr_line=$(grep -m1 'new commits on main' "$work/pre_receive.txt" || true)
        pr_ratio=$(echo "$pr_line" | grep -o '[0-9.]*x' | head -1 | tr -d x)
    else
        log "benches/pre_receive.sh failed: $(tail -3 "$work/pre_receive.err")"
    fi
fi

# --- report -----------------------------------------------------------------------------
tp() { val "$work/throughput.txt" "$1"; }
ld() { val "$work/load.txt" "$1"; }
cp_() { val "$work/corpus.txt" "$1"; }
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
row() { printf '%-44s %14s %24s %8s %10s %5s\n' "$@"; }

echo
echo "embargo benchmarks: $(date -u +%Y-%m-%d), $(nproc) CPUs, ${cpu:-unknown CPU}, $(git --version)"
echo "history: $commits commits ($(val "$work/setup.txt" message_bytes) bytes of messages); registry: 10,000 issues (id, CVE alias, 3-word term) + 50 patterns"
echo
row "measure" "embargo" "baseline" "ratio" "target" ""
row "-------" "-------" "--------" "-----" "------" ""
if [ "$check_ok" = 1 ]; then
    row "history scan: check --all (cached registry)" "$t_emb s" "git log $t_git s" "$(ratio "$t_emb" "$t_git")x" "<= 1.0x" "$(verdict "$(ratio "$t_emb" "$t_git")" 1.0)"
    row "history scan: check --all (no cache)" "$t_cold s" "git log $t_git s" "$(ratio "$t_cold" "$t_git")x" "<= 1.0x" "$(verdict "$(ratio "$t_cold" "$t_git")" 1.0)"
    row "history scan, repacked (-adf, deltas)" "$t_emb_r s" "git log $t_git_r s" "$(ratio "$t_emb_r" "$t_git_r")x" "<= 1.0x" "$(verdict "$(ratio "$t_emb_r" "$t_git_r")" 1.0)"
    row "  git log | grep -F -i -f terms (C locale)" "" "$t_grep s" "$(ratio "$t_grep" "$t_git")x" "" ""
    if [ "$t_grep_utf8" != - ]; then
        row "  the same grep in C.UTF-8 (1 run)" "" "$t_grep_utf8 s" "$(ratio "$t_grep_utf8" "$t_git")x" "" ""
    fi
    row "  check --all vs git log | grep" "$t_emb s" "grep $t_grep s" "$(ratio "$t_emb" "$t_grep")x" "" ""
    row "peak memory: check --all (cached)" "$rss_emb MiB" "git log $rss_git MiB" "$(ratio "$rss_emb" "$rss_git")x" "<= 64 MiB" "$(verdict "$rss_emb" 64)"
    row "peak memory: check --all (no cache)" "$rss_cold MiB" "" "" "<= 64 MiB" "$(verdict "$rss_cold" 64)"
    row "peak memory: check --all (repacked)" "$rss_emb_r MiB" "" "" "<= 64 MiB" "$(verdict "$rss_emb_r" 64)"
else
    row "history scan" "skipped" "(check failed)" "" "" ""
fi
row "commit-msg latency, 10k issues, cached" "$lat_warm ms" "--version $lat_version ms" "" "<= 3 ms" "$(verdict "$lat_warm" 3)"
row "commit-msg latency, 10k issues, no cache" "$lat_cold ms" "" "" "" ""
row "commit-msg latency, example registry" "$lat_small ms" "" "" "" ""
row "  registry parse (10k issues, in process)" "$(ld parse_ms) ms" "" "" "" ""
row "  matcher build (in process)" "$(ld matcher_build_ms) ms" "" "" "" ""
row "  load_checker: no cache / cached" "$(ld load_checker_uncached_ms) / $(ld load_checker_cached_ms) ms" "" "" "" ""
row "matcher throughput (ids+aliases+terms+50 re)" "$(tp matcher_mbps) MB/s" "bare AC $(tp bare_ac_mbps) MB/s" "$(ratio "$(tp matcher_mbps)" "$(tp bare_ac_mbps)")x" "" ""
row "  literals only (no patterns)" "$(tp matcher_literals_mbps) MB/s" "bare AC $(tp bare_ac_mbps) MB/s" "$(ratio "$(tp matcher_literals_mbps)" "$(tp bare_ac_mbps)")x" "" ""
row "  normalization alone" "$(tp normalize_mbps) MB/s" "" "" "" ""
row "  whole engine (matcher + generic + bidi)" "$(tp checker_mbps) MB/s" "" "" "" ""
if [ "$pr_ratio" != - ]; then
    row "pre-receive, small push (pre_receive.sh)" "" "git rev-list --not --all" "${pr_ratio}x" "<= 1.5x" "$(verdict "$pr_ratio" 1.5)"
fi
echo
echo "corpus, synthetic registry: $(cp_ fp_blocked) of $(cp_ fp_messages) messages blocked; $(cp_ fp_generic_warned) carry generic security language (warnings); $(cp_ fp_bidi) bidi controls"
[ -n "$summary" ] && echo "  embargo check --all said: $summary"
echo "corpus, CVEs of cve_mentions.jsonl embargoed: $(cp_ recall_blocked) of $(cp_ recall_messages) messages blocked in process, $recall_bin of $recall_total through \`embargo commit-msg\`"
echo
echo "scan: median of $RUNS interleaved rounds (wall clock); latency: $timer of $LAT_RUNS runs;"
echo "throughput: best of 7 interleaved passes; bare AC = aho-corasick DFA, ASCII case-insensitive,"
echo "overlapping, over the raw messages for the registry's ids, aliases and terms (no normalization,"
echo "separator rules or patterns). Raw results: $work/*.txt"
if [ -n "$pr_line" ]; then
    echo
    echo "pre-receive (benches/pre_receive.sh):"
    sed -n '/^push /,$p' "$work/pre_receive.txt"
fi
