#!/bin/sh
# Regenerates samples/logs/ from a real PostgreSQL 15: starts a throwaway server logging every
# statement to stderr, csvlog and jsonlog at once, runs scripts/logs-workload.sh, and copies
# the three logs. Usage: scripts/generate-sample-logs.sh [output-directory]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/samples/logs}
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
dir=$(mktemp -d /tmp/sargable-sample-logs.XXXXXX)
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
cleanup() { as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop > /dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT

as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust > /dev/null
cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = 54329
logging_collector = on
log_destination = 'stderr,csvlog,jsonlog'
log_directory = 'log'
log_filename = 'postgresql'
log_min_duration_statement = 0
log_line_prefix = '%m [%p] %q%u@%d '
log_connections = on
log_disconnections = on
shared_preload_libraries = 'pg_stat_statements'
CONF
as_owner "$bin/pg_ctl" -D "$dir/data" -w -l "$dir/startup.log" start > /dev/null
as_owner env PGHOST=$dir PGPORT=54329 PGUSER=postgres PGDATABASE=postgres "$root/scripts/logs-workload.sh"
mkdir -p "$out"
# The same workload as pg_stat_statements saw it, exported as CSV and JSON; the export's own
# statements are kept out of the logs.
export_stats() {
    as_owner env PGHOST=$dir PGPORT=54329 PGUSER=postgres PGDATABASE=postgres \
        PGOPTIONS='-c log_min_duration_statement=-1' psql -X -q -At -c "$1"
}
export_stats "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" > /dev/null
select="SELECT queryid, query, calls, total_exec_time, mean_exec_time, max_exec_time, rows FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY queryid"
export_stats "COPY ($select) TO STDOUT WITH (FORMAT csv, HEADER)" > "$out/app-pg_stat_statements.csv"
export_stats "SELECT json_agg(s) FROM ($select) AS s" > "$out/app-pg_stat_statements.json"
as_owner "$bin/pg_ctl" -D "$dir/data" -w stop > /dev/null
cp "$dir/data/log/postgresql" "$out/app.log"
cp "$dir/data/log/postgresql.csv" "$out/app.csv"
cp "$dir/data/log/postgresql.json" "$out/app.json"
chmod 644 "$out"/app*
echo "wrote $out/app.log, app.csv, app.json, app-pg_stat_statements.csv, app-pg_stat_statements.json"
