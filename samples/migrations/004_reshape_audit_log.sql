-- 004: reshape the audit trail.

ALTER TABLE audit_events ALTER COLUMN message SET NOT NULL;

ALTER TABLE audit_events ALTER COLUMN payload TYPE jsonb USING payload::jsonb;

DROP INDEX audit_events_occurred_at_idx;

ALTER TABLE audit_events RENAME COLUMN occurred_at TO created_at;

ALTER TABLE audit_events RENAME TO audit_log;

ALTER TABLE audit_log ADD COLUMN order_id bigint;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE SET NULL;

-- sargable-ignore drop-column: legacy_ref was never read by the application
ALTER TABLE audit_log DROP COLUMN legacy_ref;
