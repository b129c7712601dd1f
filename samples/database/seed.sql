-- Sample data for the sample domain (tables created by samples/migrations/*.sql).
-- Deterministic (no random()) so plans are the same on every run; sized so the sample queries
-- get interesting plans (sequential scans that filter most rows, misestimates, spills) while
-- loading in a few seconds.

INSERT INTO users (email, name, status, created_at)
SELECT 'user' || g || '@example.com',
       'User ' || g,
       CASE WHEN g % 50 = 0 THEN 'banned' WHEN g % 7 = 0 THEN 'inactive' ELSE 'active' END,
       timestamptz '2024-01-01' + (g * interval '47 minutes')
FROM generate_series(1, 20000) AS g;

INSERT INTO products (name, price_cents, tags)
SELECT 'Product ' || g,
       100 + (g * 37) % 20000,
       ARRAY['tag' || (g % 20), 'group' || (g % 5)]
FROM generate_series(1, 2000) AS g;

-- Most orders are delivered or paid; a few hundred are still open: a selective filter on status.
INSERT INTO orders (user_id, status, total_cents, created_at)
SELECT 1 + (g * 7919) % 20000,
       CASE WHEN g % 500 = 0 THEN 'open' WHEN g % 23 = 0 THEN 'cancelled' WHEN g % 3 = 0 THEN 'paid' ELSE 'delivered' END,
       (g * 131) % 50000,
       timestamptz '2024-01-01' + (g * interval '5 minutes')
FROM generate_series(1, 200000) AS g;

INSERT INTO order_items (order_id, product_id, quantity)
SELECT 1 + (g / 2), 1 + (g::bigint * 104729) % 2000, 1 + g % 5
FROM generate_series(0, 399999) AS g;

ANALYZE users, products, orders, order_items;
