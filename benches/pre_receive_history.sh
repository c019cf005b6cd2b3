#!/usr/bin/env bash
# Writes a git fast-import stream for benches/pre_receive.sh:
#
#   pre_receive_history.sh COMMITS REFS [BRANCH [FROM]]
#
# COMMITS commits on BRANCH (default refs/heads/main; the first one starts from FROM when
# given), each changing one of 100 files, with ordinary messages; then REFS refs spread
# evenly over the history: branches, lightweight tags and (one in ten) annotated tags.
set -euo pipefail
commits=$1
refs=$2
branch=${3:-refs/heads/main}
from=${4:-}
awk -v n="$commits" -v refs="$refs" -v branch="$branch" -v from="$from" 'BEGIN {
    t = 1500000000
    for (i = 1; i <= n; i++) {
        printf "commit %s\nmark :%d\n", branch, i
        printf "committer Bench <bench@example.com> %d +0000\n", t + i * 60
        msg = sprintf("Change %d: adjust the handling of module %d\n\nRefactor step %d of the cleanup.", i, i % 997, i)
        printf "data %d\n%s\n", length(msg), msg
        if (i == 1 && from != "") printf "from %s\n", from
        body = sprintf("line %d\n", i)
        printf "M 644 inline src/f%d.txt\ndata %d\n%s\n", i % 100, length(body), body
    }
    step = refs > 0 ? n / refs : 0
    for (j = 1; j <= refs; j++) {
        at = int(j * step)
        if (at < 1) at = 1
        if (j % 10 == 0) {
            m = sprintf("Release %d", j)
            printf "tag v%d\nfrom :%d\ntagger Bench <bench@example.com> %d +0000\ndata %d\n%s\n", j, at, t + at * 60, length(m), m
        } else if (j % 2 == 0) {
            printf "reset refs/tags/t%d\nfrom :%d\n\n", j, at
        } else {
            printf "reset refs/heads/b%d\nfrom :%d\n\n", j, at
        }
    }
    print "done"
}'
