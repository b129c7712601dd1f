-- Order history and reporting.

-- name: revenue_this_month
SELECT count(*), sum(total_cents) FROM orders
WHERE date_trunc('month', created_at) = date_trunc('month', now());

-- name: orders_on_day
SELECT id, total_cents FROM orders WHERE created_at::date = $1 ORDER BY id LIMIT 100;

-- name: paid_orders_with_email (the join condition was forgotten)
SELECT o.id, o.total_cents, u.email
FROM orders o, users u
WHERE o.status = 'paid'
ORDER BY o.id
LIMIT 100;

-- name: order_history_page
SELECT id, status, total_cents FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20 OFFSET $2;

-- name: order_history_after (good: keyset pagination)
SELECT id, status, total_cents, created_at FROM orders
WHERE user_id = $1 AND (created_at, id) < ($2, $3)
ORDER BY created_at DESC, id DESC
LIMIT 20;

-- name: orders_by_status (good: aggregated)
SELECT status, count(*) FROM orders GROUP BY status;

-- name: open_orders
SELECT id, user_id, total_cents FROM orders WHERE status = 'open';

-- name: purge_old_orders (good)
DELETE FROM orders WHERE created_at < now() - interval '7 years';
