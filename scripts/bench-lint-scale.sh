#!/usr/bin/env bash
# Lints generated inputs that stress size and schema replay, and prints each run's max RSS and wall
# time with their ratio to the input: memory must stay within 10x the file, time linear in it.
#   selects-<N>MB        N MB of simple SELECTs in one file (SIZES="20 200" by default)
#   create-index-<N>     N CREATE INDEX on one table (INDEXES="8000 27000" by default)
# The inputs are generated under a temporary directory and removed afterwards.
#
#   scripts/bench-lint-scale.sh            RUNS=3 SIZES=20 INDEXES=8000 scripts/bench-lint-scale.sh
#   SARGABLE=/path/to/other/sargable scripts/bench-lint-scale.sh   (compare another build)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
sizes=${SIZES-20 200}
index_counts=${INDEXES-8000 27000}
[ -x /usr/bin/time ] || { echo "bench-lint-scale: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }

if [ -z "${SARGABLE:-}" ]; then
    swift build -c release --product sargable >/dev/null
    SARGABLE=.build/release/sargable
fi
work=$(mktemp -d /tmp/sargable-scale.XXXXXX)
trap 'rm -rf "$work"' EXIT

generate_selects() {  # megabytes, path
    awk -v bytes=$(($1 * 1000000)) 'BEGIN {
        for (i = 1; written < bytes; i++) {
            line = sprintf("SELECT id, email FROM users WHERE id = %d AND status = '\''active'\'' ORDER BY id LIMIT 10;", i)
            print line
            written += length(line) + 1
        }
    }' >"$2"
}

generate_indexes() {  # count, path
    awk -v n="$1" 'BEGIN {
        print "CREATE TABLE events (id bigint PRIMARY KEY, a int, b int, c text);"
        for (i = 1; i <= n; i++) printf "CREATE INDEX CONCURRENTLY events_%d ON events (a, (b + %d));\n", i, i
    }' >"$2"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Runs lint `runs` times on one file; prints median seconds and median max RSS with their ratios.
measure() {  # label, path
    local input_bytes seconds=() rss=() line
    input_bytes=$(stat -c %s "$2")
    for _ in $(seq "$runs"); do
        /usr/bin/time -f '%e %M' -o "$work/time" "$SARGABLE" lint --format json "$2" >/dev/null 2>&1 || true
        # `time` prints a "Command exited with non-zero status" line first when lint finds something.
        line=$(tail -n 1 "$work/time")
        seconds+=("${line% *}")
        rss+=("${line#* }")
    done
    local median_seconds median_kb
    median_seconds=$(printf '%s\n' "${seconds[@]}" | median)
    median_kb=$(printf '%s\n' "${rss[@]}" | median)
    awk -v label="$1" -v bytes="$input_bytes" -v s="$median_seconds" -v kb="$median_kb" -v all="${seconds[*]}" 'BEGIN {
        printf "%-20s input %8.1f MB  max RSS %8.1f MB (%5.1fx input)  %8.2f s (%6.2f s/MB; runs: %s)\n",
               label, bytes / 1e6, kb * 1024 / 1e6, kb * 1024 / bytes, s, s / (bytes / 1e6), all
    }'
}

echo "sargable: $SARGABLE; median of $runs runs"
for size in $sizes; do
    generate_selects "$size" "$work/selects.sql"
    measure "selects-${size}MB" "$work/selects.sql"
    rm -f "$work/selects.sql"
done
for count in $index_counts; do
    generate_indexes "$count" "$work/indexes.sql"
    measure "create-index-$count" "$work/indexes.sql"
    rm -f "$work/indexes.sql"
done
