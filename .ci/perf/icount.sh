#!/bin/bash
# icount.sh TESTBIN [BENCH]: instructions per run of BENCH (default the
# issue-5 scenario), counted by valgrind's cachegrind with the garbage
# collector off: (101 runs - 1 run) / 100. Unlike wall time, the machine's
# noise does not touch it. Needs valgrind.
B=$1; R=${2:-ThreeConsumers1000}
count() {
  GOGC=off valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$B" -test.run '^$' -test.bench "$R" -test.benchtime "$1"x -test.cpu 1 2>&1 | awk '/I *refs/{gsub(",","",$4); print $4}'
}
one=$(count 1); many=$(count 101)
echo "$(basename "$B") $R: $(( (many-one)/100 )) instructions/run"
