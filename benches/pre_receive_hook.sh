#!/bin/sh
# The pre-receive hook benches/pre_receive.sh installs. On the same input and in the
# same quarantine it times `git rev-list <new> --not --all` and `embargo pre-receive`,
# appends "revlist_s embargo_s revlist_count embargo_checked embargo_exit" to
# $BENCH_TIMES, and always rejects, so that every run sees the same server.
input=$(cat)
news=$(printf '%s\n' "$input" | awk '$2 !~ /^0+$/ { print $2 }')
now() { date +%s.%N; }

t0=$(now)
count=$(git rev-list $news --not --all | wc -l)
t1=$(now)
printf '%s\n' "$input" | "$EMBARGO_BIN" --format json pre-receive 2>"$BENCH_TIMES.json"
status=$?
t2=$(now)

checked=$(sed -n 's/^  "checked": \([0-9]*\),$/\1/p' "$BENCH_TIMES.json")
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$count" -v k="${checked:-?}" -v s="$status" \
    'BEGIN { printf "%.3f %.3f %s %s %s\n", b - a, c - b, n, k, s }' >>"$BENCH_TIMES"
echo "benchmark hook: rejecting on purpose" >&2
exit 1
