#!/usr/bin/env bash
# Index advice on TPC-H (not run in CI): generates the data (tpchgen-cli), loads it without any
# index into PostgreSQL 15 with parallel query off, and scores index sets the way the literature does
# (Kossmann et al., VLDB 2020): summed EXPLAIN total cost of the 19 queries in Benchmarks/TPCH/queries
# (all but Q2, Q17, Q20) with the indexes created as HypoPG hypothetical indexes in a fresh session,
# relative to the cost without them. The scoring never asks the advisor anything: it reads only the
# CREATE INDEX statements it is given.
#
#   scripts/bench-advise-tpch.sh                        SF 1 on a throwaway server, budgets 500 1000 2000 MB
#   SCALE=0.1 BUDGETS="50 100" scripts/bench-advise-tpch.sh
#   TPCH_DATABASE=postgresql:///tpch scripts/bench-advise-tpch.sh   (a persistent database: loaded once)
#   scripts/bench-advise-tpch.sh --score indexes.sql    (score one file of CREATE INDEX statements)
#
# Literature figures to beat on this machine (PostgreSQL 15 + HypoPG, SF 1, best of Extend, DB2Advis,
# AutoAdmin, Anytime, Relaxation and Drop): 68.1% at 500 MB, 56.5% at 1 GB, 52.1% at 2 GB; Extend took
# 3.1 / 5.1 / 7.4 s. The literature fills the budget, so the advisor runs with --min-benefit 0 (by
# default it leaves out indexes that save under 2% of the workload's cost).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scale=${SCALE:-1}
budgets=${BUDGETS:-500 1000 2000}
data=${TPCH_DATA:-/tmp/sargable-tpch-sf$scale}
queries=("$root"/Benchmarks/TPCH/queries/q*.sql)

psql_quiet() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# The summed total cost of every query with the hypothetical indexes of $1 (a file with one CREATE
# INDEX statement per line; /dev/null for none), and their estimated size: "<cost> <bytes>".
score() {
    {
        echo "SELECT hypopg_reset();"
        while IFS= read -r statement; do
            [[ -z $statement || $statement == --* ]] && continue
            printf 'SELECT count(*) FROM hypopg_create_index(%s);\n' "\$sargable\$$statement\$sargable\$"
        done < "$1"
        cat <<'SQL'
CREATE FUNCTION pg_temp.total_cost(query text) RETURNS float8 LANGUAGE plpgsql AS $function$
DECLARE plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Total Cost')::float8;
END
$function$;
SQL
        printf 'SELECT round(sum(pg_temp.total_cost(query))) FROM (VALUES '
        local separator=""
        for file in "${queries[@]}"; do
            printf '%s(%s)' "$separator" "\$sargable\$$(grep -v '^--' "$file" | sed 's/;[[:space:]]*$//')\$sargable\$"
            separator=", "
        done
        echo ") AS workload (query);"
        echo "SELECT coalesce(sum(hypopg_relation_size(indexrelid)), 0) FROM hypopg_list_indexes;"
    } | psql_quiet | tail -2 | paste -sd ' '
}

load() {
    if [[ $(psql_quiet -c "SELECT count(*) FROM pg_class WHERE relname = 'lineitem' AND reltuples > 0") == 1 ]]; then
        echo "TPC-H tables already loaded"
        return
    fi
    if [[ ! -s $data/lineitem.csv ]]; then
        command -v tpchgen-cli >/dev/null || pip install -q tpchgen-cli
        echo "generating TPC-H SF $scale into $data"
        tpchgen-cli csv -s "$scale" --output-dir="$data" >/dev/null
    fi
    local start=$SECONDS
    psql_quiet -f "$root/Benchmarks/TPCH/schema.sql"
    for table in region nation part supplier partsupp customer orders lineitem; do
        psql_quiet -c "\\copy $table FROM '$data/$table.csv' WITH (FORMAT csv, HEADER true)"
    done
    # VACUUM too: autovacuum would set the visibility map some minutes after the load anyway, and
    # index-only scans cost far less once it is set, so scores taken before and after it differ.
    psql_quiet -c "VACUUM ANALYZE"
    psql_quiet -c "CREATE EXTENSION IF NOT EXISTS hypopg"
    echo "loaded SF $scale in $((SECONDS - start)) s"
}

run() {
    load
    local baseline
    baseline=$(score /dev/null | cut -d' ' -f1)
    echo "no index: summed total cost $baseline over ${#queries[@]} queries"
    if ! "$root/.build/release/sargable" advise --help >/dev/null 2>&1; then
        echo "sargable advise is not built yet: only the baseline was measured"
        return
    fi
    for budget in $budgets; do
        local recommended=$work/advise-$budget.sql start end
        start=$(date +%s.%N)
        "$root/.build/release/sargable" advise --database '' --budget "${budget}MB" --min-benefit 0 --format sql \
            "${queries[@]}" | grep '^CREATE INDEX' > "$recommended" || true
        end=$(date +%s.%N)
        read -r cost bytes < <(score "$recommended")
        awk -v b="$budget" -v c="$cost" -v base="$baseline" -v s="$bytes" -v t0="$start" -v t1="$end" \
            -v n="$(wc -l < "$recommended")" 'BEGIN {
            printf "budget %5d MB: %2d indexes, %7.1f MB, relative cost %5.1f%%, advise %.1f s\n",
                   b, n, s / 1e6, 100 * c / base, t1 - t0 }'
    done
}

work=$(mktemp -d /tmp/sargable-tpch-run.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [[ ${1:-} == --score ]]; then
    read -r cost bytes < <(score "$2")
    read -r baseline _ < <(score /dev/null)
    awk -v c="$cost" -v base="$baseline" -v s="$bytes" \
        'BEGIN { printf "relative cost %.1f%% (%d of %d), %.1f MB\n", 100 * c / base, c, base, s / 1e6 }'
elif [[ ${1:-} == --inside ]]; then
    run
elif [[ -n ${TPCH_DATABASE:-} ]]; then
    export PGDATABASE=$TPCH_DATABASE
    psql_quiet -c "SET max_parallel_workers_per_gather = 0" >/dev/null
    PGOPTIONS="-c max_parallel_workers_per_gather=0" run
else
    swift build -c release --product sargable >/dev/null
    "$root/.build/release/sargable" database run --set max_parallel_workers_per_gather=0 \
        --set shared_buffers=1GB --set max_wal_size=4GB -- "$0" --inside
fi
