#!/usr/bin/env bash
# Attendance crediting benchmark (issue 4): credits rosters of 10,000 and
# 100,000 rows on the embedded store and writes the same items with bare
# batch writes as the yardstick; prints rows per second, the time ratio to
# the yardstick, and the peak heap. Targets: at most 2x the yardstick's
# time, peak heap under 64 MiB at 100,000 rows.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${COUNT:-1}
out=$(go test -run '^$' -bench '^BenchmarkAttendance' -benchtime 1x -count "$count" -timeout 30m ./internal/store/)
echo "$out" | grep -E '^Benchmark'
echo "$out" | awk '
/^BenchmarkAttendance\/rows=/          { split($1, a, "="); n=a[2]+0; t[n]+=$3; c[n]++; for (i=4;i<=NF;i++) if ($(i+1)=="peak-heap-MiB") h[n]=($i>h[n]?$i:h[n]) }
/^BenchmarkAttendanceYardstick\/rows=/ { split($1, a, "="); n=a[2]+0; y[n]+=$3; yc[n]++ }
END {
	fail=0
	printf "\n%-8s %12s %12s %8s %10s\n", "rows", "rows/s", "yardstick", "ratio", "peak heap"
	for (n in t) {
		rt=t[n]/c[n]; ry=y[n]/yc[n]
		printf "%-8d %12.0f %12.0f %7.2fx %7.1f MiB\n", n, n/(rt/1e9), n/(ry/1e9), rt/ry, h[n]
		if (rt/ry > 2) { print "FAIL: more than 2x the yardstick at " n " rows"; fail=1 }
		if (n >= 100000 && h[n] >= 64) { print "FAIL: peak heap over 64 MiB at " n " rows"; fail=1 }
	}
	exit fail
}'
