#!/bin/sh
# dump.sh BINARY OUTDIR: runs every built-in and the YAMLs beside this
# script with seeds 1, 7 and 42, as text and as JSON, into OUTDIR. Two
# dumps from two builds must be identical (diff -r) for a change that is
# meant to be output-neutral, e.g. a performance change.
B=$1; O=$2; D=$(dirname "$0"); mkdir -p "$O"
for n in $($B list | awk '{print $1}') "$D"/*.yaml; do
  for s in 1 7 42; do
    f=$(basename "$n" .yaml)
    $B run "$n" --seed $s --format json > "$O/$f.$s.json" 2>&1
    $B run "$n" --seed $s > "$O/$f.$s.txt" 2>&1
  done
done
