-- 001: the shop's domain. Other parts of Sargable (seed data, analyze, explain) rely on exactly
-- these tables and columns; later migrations only add to them.

CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email text NOT NULL,
    name text,
    status text NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    price_cents integer NOT NULL,
    tags text[]
);

-- orders.user_id is deliberately left without an index.
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
