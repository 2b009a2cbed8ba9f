#!/bin/sh
# big.sh BINARY [OUTDIR]: the 1M-message scenario (million.yaml: 3
# consumers, 6 partitions, one crash mid-stream) through `kafkasim run` in
# each output format, under /usr/bin/time -v, output to OUTDIR (default a
# temporary directory, removed after): wall time, peak RSS, user and system
# time, output size, and the load average before and after.
B=$1; O=${2:-$(mktemp -d)}; D=$(dirname "$0")
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for f in text json jsonl; do
  /usr/bin/time -v "$B" run "$D/million.yaml" --budget messages=1000000 --budget events=10000000 --format $f > "$O/million.$f" 2> "$O/time.$f"
  printf '%-6s wall %s  rss %s KB  user %s s  sys %s s  output %s bytes\n' $f \
    "$(awk -F': ' '/Elapsed/{print $2}' "$O/time.$f")" "$(awk -F': ' '/Maximum resident/{print $2}' "$O/time.$f")" \
    "$(awk -F': ' '/User time/{print $2}' "$O/time.$f")" "$(awk -F': ' '/System time/{print $2}' "$O/time.$f")" \
    "$(wc -c < "$O/million.$f")"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -z "$2" ] && rm -rf "$O"
