-- Dynamic webhooks registered in a tracker on a connection's behalf (Jira: they
-- expire after 30 days and the cron refreshes them before that).
CREATE TABLE connection_webhooks (
  connection_id  TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  webhook_id     TEXT NOT NULL,
  workspace_id   TEXT NOT NULL,
  expires_at     TEXT,
  refreshed_at   TEXT,
  created_at     TEXT NOT NULL,
  PRIMARY KEY (connection_id, webhook_id)
);
CREATE INDEX connection_webhooks_expiry ON connection_webhooks (expires_at);
