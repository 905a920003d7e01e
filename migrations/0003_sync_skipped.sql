-- Items a tracker sent that failed validation at the boundary: skipped so their
-- page survives, and re-fetched one by one at the start of the next pass, since
-- the cursor has already moved past them.
CREATE TABLE sync_skipped (
  connection_id  TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  scope_id       TEXT NOT NULL,
  ref            TEXT NOT NULL,
  workspace_id   TEXT NOT NULL,
  external_id    TEXT,
  issue_key      TEXT,
  reason         TEXT NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 0,
  first_seen     TEXT NOT NULL,
  last_seen      TEXT NOT NULL,
  PRIMARY KEY (connection_id, scope_id, ref)
);
