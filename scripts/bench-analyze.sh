#!/bin/sh
# sargable analyze vs pgBadger on the same log, in one run: wall times and the ratio.
# Usage: [BASELINE=older/sargable] scripts/bench-analyze.sh [log.bz2|log.gz|log]   (default: ../shared's rds.log.bz2)
# Set BIG_GB=N (1, 2, …) to also measure peak memory, and the HTML report's size, on a ~N GB
# concatenation (deleted afterwards). CPU time (user+sys) is printed beside each wall time: other
# work on the machine stretches wall times, not CPU times.
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
# The binary measured is the one users get: `make build` (the Swift runtime and Foundation linked
# in statically, as `make install` installs it). SARGABLE=path measures another build instead.
if [ -z "${SARGABLE:-}" ]; then
    (cd "$root" && make build > /dev/null)
    SARGABLE=$root/.build-install/release/sargable
fi
sargable=$SARGABLE

size=$(wc -c < "$log")
# Runs a command with its output in $2; sets wall and cpu (user+sys) in seconds.
timed() {
    /usr/bin/time -f '%e %U %S' -o "$work/time" sh -c "$1 > '$2'"
    wall=$(awk '{ print $1 }' "$work/time")
    cpu=$(awk '{ print $2 + $3 }' "$work/time")
}
# Sargable's run is short, so one swing of the shared machine decides it: the median of 9.
runs=""
i=0; while [ $i -lt 9 ]; do
    timed "'$sargable' analyze --format json '$log'" "$work/sargable.json"
    runs="$runs$wall $cpu
"
    i=$((i + 1))
done
median=$(printf '%s' "$runs" | sort -n | sed -n 5p)
sargable_s=${median% *}; sargable_cpu=${median#* }
# pgBadger at its best on this machine: one parser per core (-j 2), and single-process (-j 1).
timed "pgbadger -q -j 2 -x text -o '$work/pgbadger.txt' '$log'" /dev/null; pgbadger_s=$wall; pgbadger_cpu=$cpu
timed "pgbadger -q -j 1 -x text -o '$work/pgbadger-j1.txt' '$log'" /dev/null; pgbadger_j1_s=$wall; pgbadger_j1_cpu=$cpu
# BASELINE=path/to/an/older/sargable times that build on the same log, for before/after.
baseline_s=
baseline_cpu=
if [ -n "${BASELINE:-}" ]; then
    timed "'$BASELINE' analyze --format json '$log'" /dev/null; baseline_s=$wall; baseline_cpu=$cpu
fi

sargable_count=$(grep -o '"summary":{[^}]*' "$work/sargable.json" | grep -o '"executions":[0-9]*' | cut -d: -f2)
pgbadger_count=$(grep -m1 '^Number of queries:' "$work/pgbadger.txt" | tr -dc '0-9')
awk -v name="$(basename "$source_log")" -v size="$size" -v s="$sargable_s" -v p="$pgbadger_s" \
    -v p1="$pgbadger_j1_s" -v b="$baseline_s" -v sc="$sargable_count" -v pc="$pgbadger_count" \
    -v sx="$sargable_cpu" -v px="$pgbadger_cpu" -v p1x="$pgbadger_j1_cpu" -v bx="$baseline_cpu" \
    -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
    mb = size / 1048576
    printf "log: %s (%.1f MB decompressed); load average %s\n", name, mb, load
    printf "sargable analyze: %6.2f s (cpu %5.2f s, median of 9)  %s executions  %.1f MB/s\n", s, sx, sc, mb / s
    if (b != "") printf "baseline sargable: %5.2f s (cpu %5.2f s)  %.1f MB/s\n", b, bx, mb / b
    printf "pgbadger -j 2:    %6.2f s (cpu %5.2f s)  %s queries     %.1f MB/s\n", p, px, pc, mb / p
    printf "pgbadger -j 1:    %6.2f s (cpu %5.2f s)                 %.1f MB/s\n", p1, p1x, mb / p1
    printf "ratio: sargable is %.1fx faster than pgbadger -j 2, %.1fx than -j 1\n", p / s, p1 / s
}'

if [ "${BIG_GB:-0}" -gt 0 ]; then
    big=$work/big.log
    copies=$(( BIG_GB * 1073741824 / size + 1 ))
    i=0; while [ $i -lt $copies ]; do cat "$log"; i=$((i + 1)); done > "$big"
    rm -f "$work"/pgbadger*.txt "$work/sargable.json"
    big_mb=$(( $(wc -c < "$big") / 1048576 ))
    printf 'peak memory: %s\n' "$(/usr/bin/time -f '%M KB max RSS, %e s wall, cpu %U+%S s' "$sargable" analyze --format json "$big" 2>&1 > /dev/null | tail -1) on $big_mb MB (json)"
    printf 'peak memory: %s\n' "$(/usr/bin/time -f '%M KB max RSS, %e s wall' "$sargable" analyze --format html "$big" 2>&1 > "$work/big.html" | tail -1) on $big_mb MB (html)"
    printf 'html report: %s KB for %s MB of log\n' "$(( $(wc -c < "$work/big.html") / 1024 ))" "$big_mb"
    rm -f "$big" "$work/big.html"
    printf 'peak memory: %s\n' "$(/usr/bin/time -f '%M KB max RSS' "$sargable" analyze --format json "$source_log" 2>&1 > /dev/null | tail -1) on the single log"
fi
