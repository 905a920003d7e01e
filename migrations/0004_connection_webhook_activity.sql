-- Webhook activity per connection, shown on the Connections page and in the API:
-- when a delivery was last applied to the connection, and how many have been.
ALTER TABLE connections ADD COLUMN last_webhook_at TEXT;
ALTER TABLE connections ADD COLUMN webhooks_applied INTEGER NOT NULL DEFAULT 0;
