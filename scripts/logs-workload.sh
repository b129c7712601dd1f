#!/bin/sh
# The workload behind samples/logs/ and the analyze tests: every pattern `sargable analyze`
# must tell apart, run against the server named by the libpq environment (PGHOST, PGPORT,
# PGUSER, PGDATABASE). Each psql or pgbench invocation is one session.
set -eu
PSQL="psql -X -q -v ON_ERROR_STOP=1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Schema (multi-line statements) and seed data in one statement per table.
$PSQL <<'SQL'
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email text NOT NULL,
    name text,
    status text NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE products (id bigserial PRIMARY KEY, name text NOT NULL, price_cents integer NOT NULL, tags text[]);
CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    status text NOT NULL,
    total_cents integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE order_items (
    id bigserial PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id),
    product_id bigint NOT NULL REFERENCES products (id),
    quantity integer NOT NULL
);
INSERT INTO users (email, name) SELECT 'user' || i || '@example.com', 'User ' || i FROM generate_series(1, 10) AS i;
INSERT INTO products (name, price_cents) SELECT 'Product ' || i, i * 100 FROM generate_series(1, 5) AS i;
INSERT INTO orders (user_id, status, total_cents) SELECT 1 + i % 10, 'paid', i * 250 FROM generate_series(1, 30) AS i;
SQL

# N+1 over the extended protocol: one parent query, then one query per user (pgbench sends
# :uid as $1). Once with unnamed statements, once with named prepared statements.
{
    echo "SELECT id, email FROM users WHERE status = 'active' ORDER BY id LIMIT 10;"
    for uid in 1 2 3 4 5 6 7 8 9 10; do
        echo "\\set uid $uid"
        echo "SELECT id, status, total_cents FROM orders WHERE user_id = :uid;"
    done
} > "$work/n-plus-one.sql"
pgbench -n -M extended -c 1 -t 1 -f "$work/n-plus-one.sql" > /dev/null
pgbench -n -M prepared -c 1 -t 1 -f "$work/n-plus-one.sql" > /dev/null

# N+1 with literals (simple protocol), as an ORM without bind parameters sends it.
{
    echo "SELECT id, email FROM users WHERE status = 'active' ORDER BY id LIMIT 8;"
    for uid in 1 2 3 4 5 6 7 8; do echo "SELECT id, status, total_cents FROM orders WHERE user_id = $uid;"; done
} | $PSQL > /dev/null

# A nested loop: for each user its orders, for each order its items. The items' loop goes on
# across users although the orders query runs between its executions.
{
    echo "SELECT id, email FROM users WHERE id IN (1, 2, 3) ORDER BY id;"
    for user in "1:10 20 30" "2:1 11 21" "3:2 12 22"; do
        echo "SELECT id, status, total_cents FROM orders WHERE user_id = ${user%%:*};"
        for order in ${user#*:}; do echo "SELECT product_id, quantity FROM order_items WHERE order_id = $order;"; done
    done
} | $PSQL > /dev/null

# The fixes: one batched query, and a join. Neither is a finding.
$PSQL -c "SELECT id, status, total_cents FROM orders WHERE user_id = ANY('{1,2,3,4,5,6,7,8}'::bigint[])" > /dev/null
$PSQL > /dev/null <<'SQL'
SELECT u.id, u.email, o.id AS order_id, o.total_cents
FROM users AS u
JOIN orders AS o ON o.user_id = u.id
WHERE u.status = 'active'
ORDER BY u.id;
SQL

# The same query once in each of six sessions: normal traffic, not N+1.
for session in 1 2 3 4 5 6; do
    $PSQL -c "SELECT count(*) FROM products WHERE price_cents > 100" > /dev/null
done

# Polling with identical parameters: a cache candidate.
for poll in 1 2 3 4 5; do echo "SELECT status FROM orders WHERE id = 7;"; done | $PSQL > /dev/null

# Row-by-row inserts.
for item in 1 2 3 4 5; do
    echo "INSERT INTO order_items (order_id, product_id, quantity) VALUES (1, $item, 1);"
done | $PSQL > /dev/null

# auto_explain for one statement, whose plan must be attached to it.
$PSQL > /dev/null <<'SQL'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_format = json;
SELECT p.name, sum(i.quantity) FROM products AS p JOIN order_items AS i ON i.product_id = p.id GROUP BY p.name;
SQL

# A syntax error: logged as ERROR + STATEMENT, counted as an error.
$PSQL -c "SELEC id FROM users" > /dev/null 2>&1 || true
