#!/bin/sh
# The server events behind the operational-report tests, provoked for real against the server
# named by the libpq environment: errors with known SQLSTATEs, a lock wait, a deadlock, a
# temporary file, a checkpoint, an autovacuum and autoanalyze of one table. Each psql is one
# session with its own application_name; waits happen inside a session (never by polling with
# new connections), so the connection counts are exact. A transaction sees pg_stat_activity as
# it was when first read: each poll clears that snapshot. The server needs deadlock_timeout well
# under a second and autovacuum_naptime = 1.
set -eu
PSQL="psql -X -q -v ON_ERROR_STOP=1"

PGAPPNAME=setup $PSQL <<'SQL'
CREATE TABLE accounts (id integer PRIMARY KEY, balance integer NOT NULL);
INSERT INTO accounts VALUES (1, 100), (2, 100);
CREATE TABLE sorted (g integer);
INSERT INTO sorted SELECT g FROM generate_series(1, 50000) AS g;
CREATE TABLE churn (id integer) WITH (autovacuum_enabled = false);
INSERT INTO churn SELECT g FROM generate_series(1, 1000) AS g;
DELETE FROM churn;
SQL

# Errors: two 42P01, one 23505 (with its DETAIL), one FATAL 3D000 without a statement.
PGAPPNAME=failing psql -X -q <<'SQL' 2> /dev/null || true
SELECT * FROM missing_table;
SELECT * FROM missing_table WHERE id = 2;
INSERT INTO accounts VALUES (1, 0);
SQL
PGAPPNAME=failing psql -X -q -d no_such_database -c 'SELECT 1' 2> /dev/null || true

# A session waiting while the application "holder" has the row: one lock wait, acquired.
PGAPPNAME=holder $PSQL -c 'BEGIN' -c 'UPDATE accounts SET balance = balance - 1 WHERE id = 1' \
    -c 'SELECT pg_sleep(1)' -c 'COMMIT' &
PGAPPNAME=waiter $PSQL <<'SQL'
DO $$ BEGIN
    WHILE NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'holder' AND query = 'SELECT pg_sleep(1)') LOOP
        PERFORM pg_sleep(0.01);
        PERFORM pg_stat_clear_snapshot();
    END LOOP;
END $$;
UPDATE accounts SET balance = balance + 1 WHERE id = 1;
SQL
wait

# A deadlock: "first" locks row 1 then waits for row 2 (a wait that is acquired once the
# deadlock is broken); "second" locks row 2, later asks for row 1 and is cancelled.
PGAPPNAME=first $PSQL -c 'BEGIN' -c 'UPDATE accounts SET balance = 0 WHERE id = 1' \
    -c "DO \$\$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'second' AND query LIKE 'SELECT pg_sleep(2)%') LOOP PERFORM pg_sleep(0.01); PERFORM pg_stat_clear_snapshot(); END LOOP; END \$\$" \
    -c 'UPDATE accounts SET balance = 0 WHERE id = 2' -c 'COMMIT' &
PGAPPNAME=second psql -X -q <<'SQL' 2> /dev/null || true
DO $$ BEGIN
    WHILE NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'first' AND query LIKE 'DO %') LOOP
        PERFORM pg_sleep(0.01);
        PERFORM pg_stat_clear_snapshot();
    END LOOP;
END $$;
BEGIN;
UPDATE accounts SET balance = 1 WHERE id = 2;
SELECT pg_sleep(2);
UPDATE accounts SET balance = 1 WHERE id = 1;
COMMIT;
SQL
wait

# One temporary file: a sort of 50,000 rows in 64 kB of work_mem.
PGAPPNAME=sorter $PSQL -c "SET work_mem = '64kB'" -c 'SELECT g FROM sorted ORDER BY g DESC' > /dev/null

# One requested checkpoint.
PGAPPNAME=admin $PSQL -c 'CHECKPOINT'

# Autovacuum and autoanalyze of churn (1,000 dead rows), waited for inside the session.
PGAPPNAME=admin $PSQL <<'SQL'
ALTER TABLE churn SET (autovacuum_enabled = true, autovacuum_vacuum_threshold = 100, autovacuum_vacuum_scale_factor = 0,
                       autovacuum_analyze_threshold = 100, autovacuum_analyze_scale_factor = 0);
DO $$ BEGIN
    LOOP
        PERFORM pg_stat_clear_snapshot();
        EXIT WHEN (SELECT autovacuum_count > 0 AND autoanalyze_count > 0 FROM pg_stat_user_tables WHERE relname = 'churn');
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
ALTER TABLE churn SET (autovacuum_enabled = false);
SQL

# The last statement: the logs are complete once it is in them.
PGAPPNAME=admin $PSQL -c "SELECT 'operations done'" > /dev/null
