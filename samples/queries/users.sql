-- Account pages and admin tools.

-- name: user_by_id (good: primary-key lookup)
SELECT id, email, name, status FROM users WHERE id = $1;

-- name: user_by_email
SELECT * FROM users WHERE lower(email) = lower($1);

-- name: search_users
SELECT id, email FROM users WHERE email ILIKE '%' || $1 || '%' ORDER BY id LIMIT 20;

-- name: users_without_orders
SELECT id, email FROM users WHERE id NOT IN (SELECT user_id FROM orders) ORDER BY id LIMIT 100;

-- name: recent_active_users (good: bounded, ordered by a unique key)
SELECT id, email, created_at FROM users WHERE status = 'active' ORDER BY created_at DESC, id DESC LIMIT 50;

-- name: deactivate_everyone (a forgotten WHERE)
UPDATE users SET status = 'inactive';

-- name: deactivate_user (good)
UPDATE users SET status = 'inactive' WHERE id = $1;
