#!/bin/bash
# icount.sh TESTBIN [BENCH]: instructions per run of BENCH (default the
# issue-5 scenario), counted by valgrind's cachegrind with the garbage
# collector off: (101 runs - 1 run) / 100. Unlike wall time, the machine's
# noise does not touch it. Needs valgrind. GOMAXPROCS=1 and no async
# preemption keep the count steady; valgrind 3.19 sometimes stops the
# program at an instruction it does not know (rdtscp, in the runtime's
# spinning), so a count is tried again until it completes.
B=$1; R=${2:-ThreeConsumers1000Messages$}
count() {
  for try in 1 2 3 4 5; do
    out=$(GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 GOGC=off valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$B" -test.run '^$' -test.bench "$R" -test.benchtime "$1"x -test.cpu 1 2>&1)
    if ! grep -q SIGILL <<<"$out"; then awk '/I *refs/{gsub(",","",$4); print $4}' <<<"$out"; return; fi
  done
}
one=$(count 1); many=$(count 101)
echo "$(basename "$B") $R: $(( (many-one)/100 )) instructions/run"
