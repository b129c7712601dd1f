#!/bin/sh
# sargable analyze vs pgBadger on the same log, in one run: wall times and the ratio.
# Usage: [BASELINE=older/sargable] scripts/bench-analyze.sh [log.bz2|log.gz|log]   (default: ../shared's rds.log.bz2)
# Set BIG_GB=1 to also measure peak memory on a ~1 GB concatenation (deleted afterwards).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
source_log=${1:-$root/../shared/logs/pgbadger-fixtures/rds.log.bz2}
[ -f "$source_log" ] || { echo "bench-analyze: $source_log not found" >&2; exit 2; }
command -v pgbadger > /dev/null || { echo "bench-analyze: pgbadger is not installed (apt-get install pgbadger)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/bench.log
case "$source_log" in
    *.bz2) bzip2 -dc "$source_log" > "$log" ;;
    *.gz) gzip -dc "$source_log" > "$log" ;;
    *) cp "$source_log" "$log" ;;
esac
(cd "$root" && swift build -c release --product sargable > /dev/null)
sargable=$root/.build/release/sargable

now() { date +%s.%N; }
size=$(wc -c < "$log")
start=$(now); "$sargable" analyze --format json "$log" > "$work/sargable.json"; end=$(now)
sargable_s=$(awk "BEGIN { print $end - $start }")
# pgBadger at its best on this machine: one parser per core (-j 2), and single-process (-j 1).
start=$(now); pgbadger -q -j 2 -x text -o "$work/pgbadger.txt" "$log"; end=$(now)
pgbadger_s=$(awk "BEGIN { print $end - $start }")
start=$(now); pgbadger -q -j 1 -x text -o "$work/pgbadger-j1.txt" "$log"; end=$(now)
pgbadger_j1_s=$(awk "BEGIN { print $end - $start }")
# BASELINE=path/to/an/older/sargable times that build on the same log, for before/after.
baseline_s=
if [ -n "${BASELINE:-}" ]; then
    start=$(now); "$BASELINE" analyze --format json "$log" > /dev/null; end=$(now)
    baseline_s=$(awk "BEGIN { print $end - $start }")
fi

sargable_count=$(grep -o '"summary":{[^}]*' "$work/sargable.json" | grep -o '"executions":[0-9]*' | cut -d: -f2)
pgbadger_count=$(grep -m1 '^Number of queries:' "$work/pgbadger.txt" | tr -dc '0-9')
awk -v name="$(basename "$source_log")" -v size="$size" -v s="$sargable_s" -v p="$pgbadger_s" \
    -v p1="$pgbadger_j1_s" -v b="$baseline_s" -v sc="$sargable_count" -v pc="$pgbadger_count" 'BEGIN {
    mb = size / 1048576
    printf "log: %s (%.1f MB decompressed)\n", name, mb
    printf "sargable analyze: %6.2f s  %s executions  %.1f MB/s\n", s, sc, mb / s
    if (b != "") printf "baseline sargable: %5.2f s  %.1f MB/s\n", b, mb / b
    printf "pgbadger -j 2:    %6.2f s  %s queries     %.1f MB/s\n", p, pc, mb / p
    printf "pgbadger -j 1:    %6.2f s                 %.1f MB/s\n", p1, mb / p1
    printf "ratio: sargable is %.1fx faster than pgbadger -j 2, %.1fx than -j 1\n", p / s, p1 / s
}'

if [ "${BIG_GB:-0}" = 1 ]; then
    big=$work/big.log
    copies=$(( 1073741824 / size + 1 ))
    i=0; while [ $i -lt $copies ]; do cat "$log"; i=$((i + 1)); done > "$big"
    rm -f "$log"
    printf 'peak memory: %s\n' "$(/usr/bin/time -f '%M KB max RSS, %e s wall' "$sargable" analyze --format json "$big" 2>&1 > /dev/null | tail -1) on $(( $(wc -c < "$big") / 1048576 )) MB"
    printf 'peak memory: %s\n' "$(/usr/bin/time -f '%M KB max RSS' "$sargable" analyze --format json "$source_log" 2>&1 > /dev/null | tail -1) on the single log"
fi
