#!/bin/sh
# Regenerates samples/logs/ from a real PostgreSQL 15: the analyze tests start a throwaway server
# (TemporaryPostgres) logging every statement to stderr, csvlog and jsonlog at once, run
# scripts/logs-workload.sh against it, export pg_stat_statements, and, with this variable set,
# copy the five files into samples/logs/.
set -eu
cd "$(dirname "$0")/.."
SARGABLE_REGENERATE_SAMPLES=1 swift test --filter RealServerTests
ls -l samples/logs
