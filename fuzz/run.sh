#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each, one after the other, at low
# priority: fuzz/run.sh SECONDS [TARGET...]. Uses cargo-fuzz (libFuzzer) on the stable
# toolchain through RUSTC_BOOTSTRAP=1 (`cargo install cargo-fuzz` once). New coverage-
# increasing inputs go to fuzz/corpus/TARGET/, crashes to fuzz/artifacts/TARGET/; both
# are replayed by the normal test suite (tests/fuzz_regression.rs), so keep them.
# The corpus is then minimized (cargo fuzz cmin; the seeds kept). Prints one summary
# line per target: how long it really ran, executions, corpus size, crashes.
set -euo pipefail
cd "$(dirname "$0")"
if [ $# -lt 1 ] || ! [ "$1" -gt 0 ] 2>/dev/null; then
    echo "usage: fuzz/run.sh SECONDS [TARGET...]" >&2
    exit 2
fi
seconds=$1
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(registry normalize matcher object pack commit_graph cleanup ci_event changes)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz/run.sh: cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
    exit 2
fi
export RUSTC_BOOTSTRAP=1
nice -n 10 cargo fuzz build -O
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    log=$(mktemp)
    # -timeout: an input that takes 10 s is a hang, and is kept as a crash.
    if nice -n 10 cargo fuzz run -O "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="artifacts/$t/" >"$log" 2>&1; then
        result=ok
    else
        result="FOUND A CRASH (see artifacts/$t/ and $log)"
        status=1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    # What libFuzzer itself ran, builds not counted.
    ran=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    # Keep the corpus small (the test suite replays all of it): only the inputs that
    # add coverage, and the seeds whatever they add.
    seeds=$(mktemp -d)
    cp corpus/"$t"/seed-* "$seeds"/ 2>/dev/null || true
    nice -n 10 cargo fuzz cmin -O "$t" "corpus/$t" >/dev/null 2>&1 || true
    cp "$seeds"/* corpus/"$t"/ 2>/dev/null || true
    rm -rf "$seeds"
    echo "$t: ran ${ran:-?}s of ${seconds}s, ${execs:-?} executions, $(ls "corpus/$t" | wc -l) corpus inputs, $(ls "artifacts/$t" | wc -l) artifacts: $result"
    [ "$result" = ok ] && rm -f "$log"
done
exit $status
