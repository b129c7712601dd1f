#!/usr/bin/env bash
# Times `sargable lint` beside squawk 2.70.0 in one run, alternating the two (sargable, squawk,
# sargable, …) so machine load hits both alike, and prints the median wall times, their ratio
# (squawk's time / sargable's: above 1, sargable is faster) and the mean CPU times (user + sys):
#   start-up     one one-statement file (what a CI job linting a few changed files feels)
#   regress      PostgreSQL's regression corpus, default threads and --jobs 1
#   mattermost   a real migration history, the whole directory, default threads and --jobs 1
# squawk has no thread option; its CPU time exceeds its wall time on the regression corpus (about
# 530 vs 377 ms), so it is not strictly one core either. Both read every file and report every
# finding; output goes to /dev/null (sargable writes --format json).
#
# The binary measured is the one users get: `make build` (Swift runtime and Foundation linked in
# statically, as `make install` installs it). SARGABLE=path measures another build instead.
#
#   scripts/bench-lint.sh [regress-dir [mattermost-dir]]     RUNS=9 STARTUP_RUNS=50 scripts/bench-lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."
regress=${1:-../shared/corpus/postgres-regress}
mattermost=${2:-../shared/corpus/mattermost-migrations}
runs=${RUNS:-7}
startup_runs=${STARTUP_RUNS:-40}

for corpus in "$regress" "$mattermost"; do
    [ -d "$corpus" ] || { echo "bench-lint: corpus not found: $corpus" >&2; exit 2; }
done
squawk=$(command -v squawk) || { echo "bench-lint: squawk not found (pip install squawk-cli==2.70.0)" >&2; exit 2; }
# pyenv's shim is a shell script that costs about 0.1 s a call: time the binary it would run.
if [[ $squawk == */shims/* ]] && command -v pyenv >/dev/null; then squawk=$(pyenv which squawk); fi
squawk_version=$("$squawk" --version)
[[ $squawk_version == *2.70.0* ]] || echo "bench-lint: note: expected squawk 2.70.0, found $squawk_version" >&2

if [ -z "${SARGABLE:-}" ]; then
    make build >/dev/null
    SARGABLE=.build-install/release/sargable
fi
sargable=$SARGABLE

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo 'CREATE INDEX users_email ON users (email);' > "$scratch/one.sql"
mapfile -t regress_files < <(find "$regress" -name '*.sql' -type f | sort)
mapfile -t mattermost_files < <(find "$mattermost" -name '*.sql' -type f | sort)

# CPU seconds (user + sys) of every child this shell has waited for, from the `times` builtin,
# into `children_cpu_seconds` (`times` must run in this shell: a subshell's children are its own).
children_cpu() {
    local line
    times > "$scratch/times"
    { read -r _; read -r line; } < "$scratch/times"
    children_cpu_seconds=$(awk -v t="$line" 'BEGIN { split(t, f, /[ms ]+/); print f[1] * 60 + f[2] + f[3] * 60 + f[4] }')
}

# Wall and CPU time of one command in milliseconds ("wall cpu"), read from bash's clock and its
# children's accounting (no process of its own, which would weigh on a start-up of a few
# milliseconds). Exit status ignored: both exit 1 on findings.
milliseconds() {
    children_cpu
    local cpu_before=$children_cpu_seconds start=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || true
    local end=$EPOCHREALTIME
    children_cpu
    awk -v a="$start" -v b="$end" -v c="$cpu_before" -v d="$children_cpu_seconds" \
        'BEGIN { printf "%.1f %.1f\n", (b - a) * 1000, (d - c) * 1000 }'
}

mean() { awk '{ sum += $1 } END { printf "%.1f\n", sum / NR }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# compare LABEL RUNS -- SARGABLE-ARGS… -- SQUAWK-ARGS…: one untimed run of each (page cache), then
# RUNS alternating pairs.
compare() {
    local label=$1 count=$2
    shift 3
    local sargable_args=() squawk_args=()
    while [ "$1" != -- ]; do sargable_args+=("$1"); shift; done
    shift
    squawk_args=("$@")
    milliseconds "$sargable" "${sargable_args[@]}" >/dev/null
    milliseconds "$squawk" "${squawk_args[@]}" >/dev/null
    local sargable_times=() squawk_times=()
    for _ in $(seq "$count"); do
        sargable_times+=("$(milliseconds "$sargable" "${sargable_args[@]}")")
        squawk_times+=("$(milliseconds "$squawk" "${squawk_args[@]}")")
    done
    local ours theirs ours_cpu theirs_cpu
    ours=$(printf '%s\n' "${sargable_times[@]}" | cut -d' ' -f1 | median)
    theirs=$(printf '%s\n' "${squawk_times[@]}" | cut -d' ' -f1 | median)
    # The mean: the kernel accounts CPU time coarsely (by the tick), which a median of short runs
    # would round; for start-ups of a few ms read it as a rough figure, the wall time is the measure.
    ours_cpu=$(printf '%s\n' "${sargable_times[@]}" | cut -d' ' -f2 | mean)
    theirs_cpu=$(printf '%s\n' "${squawk_times[@]}" | cut -d' ' -f2 | mean)
    printf '%-22s wall: sargable %7.1f ms  squawk %7.1f ms  %5.2fx   cpu (mean): sargable %7.1f ms  squawk %7.1f ms   (%d runs each)\n' \
        "$label" "$ours" "$theirs" "$(awk -v a="$theirs" -v b="$ours" 'BEGIN { print a / b }')" "$ours_cpu" "$theirs_cpu" "$count"
}

echo "sargable: $sargable ($(ldd "$sargable" 2>/dev/null | grep -c '=>') shared libraries)"
echo "squawk:   $squawk ($squawk_version)"
echo "regress:  $regress (${#regress_files[@]} files, $(du -sh "$regress" | cut -f1))"
echo "mattermost: $mattermost (${#mattermost_files[@]} files, $(du -sh "$mattermost" | cut -f1))"
echo "cores: $(nproc); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
compare "start-up (1 statement)" "$startup_runs" -- lint --format json "$scratch/one.sql" -- "$scratch/one.sql"
compare "regress" "$runs" -- lint --format json "$regress" -- "${regress_files[@]}"
compare "regress --jobs 1" "$runs" -- lint --format json --jobs 1 "$regress" -- "${regress_files[@]}"
compare "mattermost" "$runs" -- lint --format json "$mattermost" -- "${mattermost_files[@]}"
compare "mattermost --jobs 1" "$runs" -- lint --format json --jobs 1 "$mattermost" -- "${mattermost_files[@]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg) (wall times on a shared machine mean little above a load of about the core count)"
