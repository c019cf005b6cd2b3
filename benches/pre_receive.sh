#!/usr/bin/env bash
# Benchmark of `embargo pre-receive` on a large server repository (not a timed test).
#
#   bash benches/pre_receive.sh
#
# Builds (git fast-import) a bare repository with COMMITS commits (default 200000),
# REFS refs (default 20000: branches, lightweight and annotated tags spread over the
# history), packed refs and a commit-graph, as a maintained server has. Then, with real
# `git push` over file://, it times inside the pre-receive hook, on the same input and in
# the same quarantine:
#   * `git rev-list <new> --not --all`, the reference for "commits new to the repository";
#   * `embargo pre-receive`;
# for a push of PUSH new commits (default 10), of BIG new commits (default 100000,
# against GitHub Enterprise Server's 5 s budget for all hooks) and of a new branch at a
# commit OLD commits deep in the server's history (no objects sent: the store has it,
# so only the exact painting walk can tell it is not new), each with the server's
# commit-graph and again without it. It also times embargo's exact fallback (no
# quarantine: run by hand) on the small push.
# The benchmark hook always rejects, so every run sees the same server.
#
# Knobs (environment): COMMITS, REFS, PUSH, BIG, RUNS (repetitions, median reported,
# default 5), EMBARGO_BIN (default: build target/release/embargo), WORK (directory to
# use, default a temporary one), KEEP=1 (keep it).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
COMMITS=${COMMITS:-200000}
REFS=${REFS:-20000}
PUSH=${PUSH:-10}
BIG=${BIG:-100000}
OLD=${OLD:-5000}
RUNS=${RUNS:-5}

if [ -z "${EMBARGO_BIN:-}" ]; then
    (cd "$root" && cargo build --release --quiet)
    EMBARGO_BIN=$root/target/release/embargo
fi
export EMBARGO_BIN
export EMBARGO_REGISTRY=$root/fixtures/registry.example.json
export EMBARGO_AS_OF=2026-11-27
export GIT_CONFIG_NOSYSTEM=1
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/embargo-bench.XXXXXX")}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export HOME=$WORK
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
if [ "${KEEP:-0}" != 1 ]; then
    trap 'rm -rf "$WORK"' EXIT
fi
cd "$WORK"
log() { printf '%s\n' "$*" >&2; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# --- the server ----------------------------------------------------------------------
server=$WORK/server.git
if [ ! -d "$server" ]; then
    log "building a server repository: $COMMITS commits, $REFS refs (git fast-import)..."
    t0=$(now)
    git init -q --bare "$server"
    bash "$root/benches/pre_receive_history.sh" "$COMMITS" "$REFS" |
        git -C "$server" fast-import --quiet --done
    git -C "$server" pack-refs --all
    git -C "$server" symbolic-ref HEAD refs/heads/main
    git -C "$server" commit-graph write --reachable --no-progress
    git -C "$server" config receive.unpackLimit 100
    log "  done in $(elapsed "$t0" "$(now)") s"
fi
cp "$root/benches/pre_receive_hook.sh" "$server/hooks/pre-receive"
chmod +x "$server/hooks/pre-receive"
refs=$(git -C "$server" for-each-ref | wc -l)
commits=$(git -C "$server" rev-list --all --count)

# --- the client: PUSH commits on main, BIG commits on a new branch -------------------
client=$WORK/client
if [ ! -d "$client" ]; then
    git clone -q --shared --single-branch --branch main "$server" "$client"
    for i in $(seq 1 "$PUSH"); do
        echo "$i" >"$client/bench-$i.txt"
        git -C "$client" add "bench-$i.txt"
        git -C "$client" commit -q --no-verify -m "Bench change $i: tidy the parser"
    done
    log "creating $BIG commits for the big push..."
    bash "$root/benches/pre_receive_history.sh" "$BIG" 0 refs/heads/big refs/heads/main^0 |
        git -C "$client" fast-import --quiet --done
fi

# --- pushes --------------------------------------------------------------------------
export BENCH_TIMES=$WORK/times
push() { # push REFSPEC: one rejected push; prints "revlist embargo count checked total"
    : >"$BENCH_TIMES"
    local t0 t1
    t0=$(now)
    if git -C "$client" push -q "file://$server" "$1" 2>"$WORK/push.err"; then
        log "the benchmark hook should have rejected the push:"; cat "$WORK/push.err" >&2; exit 1
    fi
    t1=$(now)
    if ! [ -s "$BENCH_TIMES" ]; then
        log "the hook did not run:"; cat "$WORK/push.err" >&2; exit 1
    fi
    if [ "$(cut -d' ' -f5 "$BENCH_TIMES")" != 0 ]; then
        log "embargo failed in the hook:"; cat "$WORK/push.err" >&2; exit 1
    fi
    printf '%s %s\n' "$(cut -d' ' -f1-4 "$BENCH_TIMES")" "$(elapsed "$t0" "$t1")"
}

measure() { # measure NAME REFSPEC RUNS
    local name=$1 spec=$2 runs=$3 i
    : >"$WORK/runs"
    for i in $(seq 1 "$runs"); do push "$spec" >>"$WORK/runs"; done
    local rl em count checked total
    rl=$(cut -d' ' -f1 "$WORK/runs" | median)
    em=$(cut -d' ' -f2 "$WORK/runs" | median)
    count=$(cut -d' ' -f3 "$WORK/runs" | sort -u | tr '\n' ' ')
    checked=$(cut -d' ' -f4 "$WORK/runs" | sort -u | tr '\n' ' ')
    total=$(cut -d' ' -f5 "$WORK/runs" | median)
    if [ "${count% }" != "${checked% }" ]; then
        log "$name: git rev-list found ${count% } new commits, embargo checked ${checked% }"
    fi
    printf '%-34s %9s %8s %12s %11s %7s %9s\n' "$name" "${count% }" "${checked% }" "$rl" "$em" \
        "$(awk -v a="$em" -v b="$rl" 'BEGIN { printf "%.2fx", a / b }')" "$total"
}

# The exact fallback: embargo run by hand, the new objects reachable through an
# alternate object directory but no quarantine, so it reads every ref. With the
# commit-graph, and (moved aside for the run) without.
fallback() { # fallback LABEL graph|nograph
    local new old t0 t1 i graph=$server/objects/info/commit-graph
    new=$(git -C "$client" rev-parse HEAD)
    old=$(git -C "$server" rev-parse refs/heads/main)
    if [ "$2" = nograph ]; then mv "$graph" "$graph.off"; fi
    : >"$WORK/runs"
    for i in $(seq 1 "$RUNS"); do
        t0=$(now)
        echo "$old $new refs/heads/main" |
            GIT_DIR=$server GIT_ALTERNATE_OBJECT_DIRECTORIES=$client/.git/objects \
                "$EMBARGO_BIN" --format json pre-receive 2>"$WORK/fallback.json" || {
            if [ "$2" = nograph ]; then mv "$graph.off" "$graph"; fi
            log "embargo failed in the fallback:"; cat "$WORK/fallback.json" >&2; exit 1
        }
        t1=$(now)
        elapsed "$t0" "$t1" >>"$WORK/runs"
        echo >>"$WORK/runs"
    done
    if [ "$2" = nograph ]; then mv "$graph.off" "$graph"; fi
    local checked
    checked=$(sed -n 's/^  "checked": \([0-9]*\),$/\1/p' "$WORK/fallback.json")
    printf '%-34s %9s %8s %12s %11s %7s %9s\n' "$1" "$PUSH" "$checked" "-" \
        "$(grep . "$WORK/runs" | median)" "-" "-"
}

printf '\nembargo pre-receive benchmark: %s commits, %s refs, commit-graph, packed refs\n' "$commits" "$refs"
printf 'binary %s; %s; median of %s runs (big push: 3)\n\n' "$EMBARGO_BIN" "$(git --version)" "$RUNS"
printf '%-34s %9s %8s %12s %11s %7s %9s\n' "push" "new (git)" "checked" "rev-list (s)" "embargo (s)" "ratio" "push (s)"
old_commit=$(git -C "$client" rev-parse "refs/heads/main~$((PUSH + OLD))")
graph=$server/objects/info/commit-graph
for mode in graph nograph; do
    if [ "$mode" = nograph ]; then mv "$graph" "$graph.off"; trap 'mv "$graph.off" "$graph" 2>/dev/null; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"' EXIT; fi
    measure "$PUSH new commits on main, $mode" "HEAD:refs/heads/main" "$RUNS"
    measure "$BIG new commits, new branch, $mode" "refs/heads/big:refs/heads/big" 3
    measure "branch at main~$OLD, $mode" "$old_commit:refs/heads/old" "$RUNS"
    if [ "$mode" = nograph ]; then mv "$graph.off" "$graph"; fi
done
fallback "by hand, no quarantine, graph" graph
fallback "by hand, no quarantine, no graph" nograph
printf '\nratio = embargo / git rev-list <new> --not --all, both timed inside the same hook run;\n'
printf 'goal: ratio <= 1.5 for the small push, embargo < 5 s for the big one.\n'
