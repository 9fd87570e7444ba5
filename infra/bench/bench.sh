#!/usr/bin/env bash
# The write-heavy jobs' benchmarks, each beside a yardstick of bare batch
# writes of the same items to the same embedded store: attendance crediting
# (issue 4) and staff's import of holders (issue 15), at 10,000 and 100,000
# rows; and the office's dashboard read (issue 19) at 1,000 and 100,000
# holders, which must cost the same calls and read units at both. Prints rows per second, the time ratio to the yardstick and the
# peak heap. Targets: at most 2x the yardstick's time, peak heap under
# 64 MiB at 100,000 rows.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${COUNT:-1}
out=$(go test -run '^$' -bench '^Benchmark(Attendance|HolderImport)' -benchtime 1x -count "$count" -timeout 60m ./internal/store/)
echo "$out" | grep -E '^Benchmark'
echo "$out" | awk '
/^Benchmark[A-Za-z]+\/rows=/ {
	split($1, a, "/"); job=substr(a[1], 10); split(a[2], r, "="); n=r[2]+0
	yard = sub(/Yardstick$/, "", job)
	key = job SUBSEP n
	if (yard) { y[key]+=$3; yc[key]++ }
	else {
		t[key]+=$3; c[key]++
		for (i=4;i<=NF;i++) if ($(i+1)=="peak-heap-MiB") h[key]=($i>h[key]?$i:h[key])
	}
}
END {
	fail=0
	printf "\n%-14s %-8s %12s %12s %8s %10s\n", "job", "rows", "rows/s", "yardstick", "ratio", "peak heap"
	for (key in t) {
		split(key, k, SUBSEP); job=k[1]; n=k[2]
		rt=t[key]/c[key]; ry=y[key]/yc[key]
		printf "%-14s %-8d %12.0f %12.0f %7.2fx %7.1f MiB\n", job, n, n/(rt/1e9), n/(ry/1e9), rt/ry, h[key]
		if (rt/ry > 2) { print "FAIL: " job " takes more than 2x the yardstick at " n " rows"; fail=1 }
		if (n >= 100000 && h[key] >= 64) { print "FAIL: " job " peak heap over 64 MiB at " n " rows"; fail=1 }
	}
	exit fail
}'

# The dashboard's read: the same calls and read units at both sizes.
out=$(go test -run '^$' -bench '^BenchmarkDashboard_ReadCost' -benchtime 1x -timeout 30m ./internal/store/)
echo "$out" | grep -E '^Benchmark'
calls=$(echo "$out" | grep -E '^BenchmarkDashboard_ReadCost' | grep -oE '[0-9.]+ calls/op' | sort -u | wc -l)
rcu=$(echo "$out" | grep -E '^BenchmarkDashboard_ReadCost' | grep -oE '[0-9.]+ RCU/op' | sort -u | wc -l)
sizes=$(echo "$out" | grep -cE '^BenchmarkDashboard_ReadCost/holders=')
if [ "$sizes" -ne 2 ] || [ "$calls" -ne 1 ] || [ "$rcu" -ne 1 ]; then
	echo "FAIL: the dashboard's read cost differs between 1,000 and 100,000 holders"
	exit 1
fi
echo "dashboard read: the same calls and read units at 1,000 and 100,000 holders"
