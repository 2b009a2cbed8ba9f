#!/bin/bash
# ab.sh ROUNDS BENCH DIR name1 name2 ...: alternates the test binaries
# DIR/NAME.test (built with `go test -c -o DIR/NAME.test ./scenarios/`),
# one second of BENCH each per round at -cpu 1, and prints min, median
# and max ns/op per binary and benchmark. Alternating rounds keep a noisy
# machine's drift out of the comparison. Then, for each binary after the
# first, the median of the per-round ratios of the first's ns/op to its
# own (a speed-up factor: on a host whose speed changes between rounds,
# the pairs of one round ran at the same speed, their ratio is steadier
# than either median).
R=$1; B=$2; P=$3; shift 3
out=$(mktemp)
for r in $(seq "$R"); do for n in "$@"; do
  "$P/$n.test" -test.run '^$' -test.bench "$B" -test.benchtime 1s -test.cpu 1 | awk -v n="$n" '/^Bench/{print n, $1, $3}'
done; done > "$out"
for n in "$@"; do for b in $(awk '{print $2}' "$out" | sort -u); do
  grep "^$n $b " "$out" | awk '{print $3}' | sort -n | awk -v n="$n" -v b="$b" '{v[NR]=$1} END {printf "%-8s %-45s min %9d  med %9d  max %9d ns/op (n=%d)  median %.0f/s\n", n, b, v[1], v[int((NR+1)/2)], v[NR], NR, 1e9/v[int((NR+1)/2)]}'
done; done
first=$1; shift
for n in "$@"; do for b in $(awk '{print $2}' "$out" | sort -u); do
  paste <(grep "^$first $b " "$out" | awk '{print $3}') <(grep "^$n $b " "$out" | awk '{print $3}') |
    awk '{print $1/$2}' | sort -g | awk -v a="$first" -v n="$n" -v b="$b" '{v[NR]=$1} END {printf "%-8s %-45s %s/%s per round: min %.3f  med %.3f  max %.3f\n", n, b, a, n, v[1], v[int((NR+1)/2)], v[NR]}'
done; done
rm -f "$out"
