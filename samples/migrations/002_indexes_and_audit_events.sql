-- 002: indexes for the order history page, and an audit trail.

-- Blocks writes to orders while it builds.
CREATE INDEX orders_created_at_idx ON orders (created_at);

-- The safe way: serves order_items.order_id's foreign key.
CREATE INDEX CONCURRENTLY order_items_order_id_idx ON order_items (order_id);

CREATE TABLE audit_events (
    occurred_at timestamptz NOT NULL DEFAULT now(),
    user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    message text,
    payload text,
    legacy_ref text
);

-- audit_events is new in this file, so a plain CREATE INDEX is fine here.
CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at);
CREATE INDEX audit_events_user_id_idx ON audit_events (user_id);
