#!/usr/bin/env bash
# Lints PostgreSQL's regression corpus with sargable (release build) and squawk 2.70.0 in the same
# run, alternating the two so machine load hits both alike, and prints the median wall times and
# the ratio. Both read every file and report every finding; output goes to /dev/null.
#
#   scripts/bench-lint.sh [corpus-dir]     RUNS=7 scripts/bench-lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus/postgres-regress}
runs=${RUNS:-5}

[ -d "$corpus" ] || { echo "bench-lint: corpus not found: $corpus" >&2; exit 2; }
command -v squawk >/dev/null || { echo "bench-lint: squawk not found (pip install squawk-cli==2.70.0)" >&2; exit 2; }
squawk_version=$(squawk --version)
[[ $squawk_version == *2.70.0* ]] || echo "bench-lint: note: expected squawk 2.70.0, found $squawk_version" >&2

swift build -c release --product sargable >/dev/null
sargable=.build/release/sargable
files=("$corpus"/*.sql)

# Wall time of one command in seconds (exit status ignored: both tools exit 1 on findings).
seconds() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# One untimed run of each warms the page cache.
seconds "$sargable" lint --format json "$corpus" >/dev/null
seconds squawk "${files[@]}" >/dev/null

sargable_times=() squawk_times=()
for _ in $(seq "$runs"); do
    sargable_times+=("$(seconds "$sargable" lint --format json "$corpus")")
    squawk_times+=("$(seconds squawk "${files[@]}")")
done
sargable_median=$(printf '%s\n' "${sargable_times[@]}" | median)
squawk_median=$(printf '%s\n' "${squawk_times[@]}" | median)

echo "corpus:   $corpus (${#files[@]} files, $(du -sh "$corpus" | cut -f1))"
echo "sargable: ${sargable_median} s  (median of $runs: ${sargable_times[*]})"
echo "squawk:   ${squawk_median} s  (median of $runs: ${squawk_times[*]}; $squawk_version)"
echo "ratio:    $(awk -v a="$squawk_median" -v b="$sargable_median" 'BEGIN { printf "%.2f", a / b }')x (squawk time / sargable time; > 1 means sargable is faster)"
