#!/usr/bin/env bash
# commit-msg latency with the registry named in git (`git:REPO#REV:PATH`) against the
# same registry as a plain file, both with the compiled-registry cache warm. From a
# fresh clone, one command:
#
#   bash benches/git_registry.sh
#
# It builds the release binary and the `perf` bench, writes the synthetic registry of
# 10,000 issues (benches/synth.rs) and commits it to a bare repository, then times
# `embargo commit-msg` with each (hyperfine -N: no shell; medians): the file, the
# registry repository as a clone leaves it (packed) and as a push leaves it (loose
# objects). The target: the git registry within 0.5 ms of the file.
# Knobs (environment): RUNS (runs per round, default 200), ROUNDS (default 5), WORK.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$root/target/bench/git-registry}
RUNS=${RUNS:-200}
command -v hyperfine >/dev/null || { echo "git_registry.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }

log() { printf '[bench] %s\n' "$*" >&2; }

log "building (cargo build --release; cargo bench --no-run)"
(cd "$root" && cargo build --release --quiet)
embargo=$root/target/release/embargo
perf=$(cd "$root" && cargo bench --bench perf --no-run --quiet --message-format=json 2>/dev/null |
    grep '"kind":\["bench"\]' | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
[ -x "$perf" ] || { echo "git_registry.sh: cannot find the perf bench binary" >&2; exit 2; }

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_CACHE_HOME=$work/home/.cache
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null EMBARGO_AS_OF=2026-11-28 NO_COLOR=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
unset EMBARGO_REGISTRY EMBARGO_REGISTRY_JSON GIT_DIR 2>/dev/null || true
mkdir -p "$HOME"

log "writing the 10,000-issue registry and committing it to a bare repository"
"$perf" registry "$work" >/dev/null
registry=$work/registry.json
# A registry repository as a team keeps it: a few commits, the registry in a subfolder
# next to other files.
team=$work/team
git init -q -b main "$team"
mkdir -p "$team/docs" "$team/registry"
for i in 1 2 3; do
    echo "notes $i" >"$team/docs/notes-$i.md"
    git -C "$team" add docs
    git -C "$team" commit -q -m "notes $i"
done
cp "$registry" "$team/registry/registry.json"
git -C "$team" add registry
git -C "$team" commit -q -m "the registry"
bare=$work/security.git
git clone -q --bare --no-local "$team" "$bare" # packed, as a clone over a transport is
loose=$work/loose.git
git init -q --bare -b main "$loose"
git -C "$team" push -q "$loose" main # received unpacked: loose objects
spec_packed="git:$bare#main:registry/registry.json"
spec_loose="git:$loose#main:registry/registry.json"

lat=$work/latency
git init -q "$lat"
printf 'Fix the parser for empty option lists\n\nThe loop ran past the end when the list was empty.\n' >"$lat/msg"
cd "$lat"
for r in "$registry" "$spec_packed" "$spec_loose"; do
    # Fills the cache; the verdict must be the same each way.
    "$embargo" --registry "$r" commit-msg msg || { echo "git_registry.sh: embargo failed with $r" >&2; exit 2; }
done

# Interleaved rounds, each command timed in every round, so that a machine busy with
# other work weighs on all three alike; the medians are over every run of every round.
ROUNDS=${ROUNDS:-5}
log "commit-msg latency: $ROUNDS interleaved rounds of $RUNS runs each (hyperfine -N)"
names=(file git-packed git-loose)
registries=("$registry" "$spec_packed" "$spec_loose")
for round in $(seq 1 "$ROUNDS"); do
    for k in 0 1 2; do
        i=$(((k + round) % 3))
        hyperfine -N --style none --warmup 20 --runs "$RUNS" \
            --export-json "$work/latency-${names[$i]}-$round.json" \
            -- "$embargo --registry ${registries[$i]} commit-msg msg" >/dev/null 2>&1
    done
done

log "registry loading alone, in process (perf load-named)"
"$perf" load-named "$work" "$spec_packed" "$spec_loose" >"$work/load.txt"

python3 - "$work" "$ROUNDS" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def times(name):
    out = []
    for r in range(1, rounds + 1):
        out += json.load(open(f"{work}/latency-{name}-{r}.json"))["results"][0]["times"]
    return out
ms = {name: statistics.median(times(name)) * 1000 for name in ("file", "git-packed", "git-loose")}
n = len(times("file"))
print(f"commit-msg, 10,000 issues, cache warm (hyperfine -N, median of {n} runs in {rounds} interleaved rounds)")
print(f"  plain file               {ms['file']:7.3f} ms")
for name in ("git-packed", "git-loose"):
    delta = ms[name] - ms["file"]
    verdict = "PASS" if delta <= 0.5 else "MISS"
    print(f"  {name:24} {ms[name]:7.3f} ms  ({delta:+.3f} ms; target <= +0.5 ms: {verdict})")
def cpu(name):
    rs = [json.load(open(f"{work}/latency-{name}-{r}.json"))["results"][0] for r in range(1, rounds + 1)]
    return sum(r["user"] + r["system"] for r in rs) / len(rs) * 1000
print("CPU time (user + system, mean), less sensitive to a busy machine:")
for name in ("file", "git-packed", "git-loose"):
    print(f"  {name:24} {cpu(name):7.3f} ms")
print("load_checker alone, cache warm, in process (median of 300 interleaved):")
loads = [line.split(" ", 1) for line in open(f"{work}/load.txt").read().splitlines()]
for (t, name), label in zip(loads, ("file", "git-packed", "git-loose")):
    print(f"  {label:24} {float(t):7.3f} ms  {'' if label == 'file' else f'({float(t) - float(loads[0][0]):+.3f} ms)'}")
PY
