-- A delivery is recorded as 'received' when it arrives and becomes 'queued' only
-- once SYNC_QUEUE.send has succeeded, so a delivery whose enqueue failed is
-- enqueued again when the tracker retries it instead of being answered
-- "duplicate" (SQLite cannot alter a CHECK constraint, so the table is rebuilt).
CREATE TABLE webhook_deliveries_new (
  tracker        TEXT NOT NULL,
  delivery_id    TEXT NOT NULL,
  connection_id  TEXT,
  event          TEXT NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('received', 'queued', 'processed', 'ignored', 'failed')),
  received_at    TEXT NOT NULL,
  processed_at   TEXT,
  PRIMARY KEY (tracker, delivery_id)
);
INSERT INTO webhook_deliveries_new (tracker, delivery_id, connection_id, event, status, received_at, processed_at)
  SELECT tracker, delivery_id, connection_id, event, status, received_at, processed_at FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at);
