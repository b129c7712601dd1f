-- 003: columns for the account page, a sanity check on totals.

ALTER TABLE users ADD COLUMN last_login_at timestamptz;

-- A volatile default: every existing row gets its own value, so users is rewritten.
ALTER TABLE users ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();

-- Fails as soon as audit_events has rows.
ALTER TABLE audit_events ADD COLUMN source text NOT NULL;

-- Scans every order under an ACCESS EXCLUSIVE lock.
ALTER TABLE orders ADD CONSTRAINT orders_total_nonnegative CHECK (total_cents >= 0);

-- The safe way.
ALTER TABLE order_items ADD CONSTRAINT order_items_quantity_positive CHECK (quantity > 0) NOT VALID;
ALTER TABLE order_items VALIDATE CONSTRAINT order_items_quantity_positive;
