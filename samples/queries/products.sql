-- Catalogue pages.

-- name: featured_products
SELECT id, name, price_cents FROM products ORDER BY random() LIMIT 4;

-- name: products_in_price_band
SELECT id, name, price_cents FROM products WHERE price_cents / 100 BETWEEN $1 AND $2 ORDER BY price_cents LIMIT 20;

-- name: products_tagged (good)
SELECT id, name FROM products WHERE $1 = ANY (tags) ORDER BY id LIMIT 20;

-- name: best_sellers (good)
SELECT p.name, sum(i.quantity) AS sold
FROM order_items i
JOIN products p ON p.id = i.product_id
GROUP BY p.name
ORDER BY sold DESC
LIMIT 10;

-- name: product_export
-- sargable-ignore select-star: the admin export really needs every column
SELECT * FROM products WHERE id = $1;
