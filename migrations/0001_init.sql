-- Backlog Auditor: initial schema. Documented in docs/storage.md.
-- Every row that belongs to a tenant carries workspace_id, and every query filters on it.
-- Ids are random 128-bit values (not guessable). Times are ISO-8601 UTC strings.

CREATE TABLE workspaces (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  is_demo     INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL
);

CREATE TABLE users (
  id           TEXT PRIMARY KEY,
  tracker      TEXT NOT NULL CHECK (tracker IN ('github', 'linear', 'jira')),
  external_id  TEXT NOT NULL,
  login        TEXT NOT NULL,
  name         TEXT,
  created_at   TEXT NOT NULL,
  UNIQUE (tracker, external_id)
);

CREATE TABLE workspace_members (
  workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  created_at    TEXT NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user ON workspace_members (user_id);

-- One row per workspace: which rule pack, how write-back behaves, the declared focus.
CREATE TABLE workspace_settings (
  workspace_id        TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  rule_pack           TEXT,             -- YAML source; NULL = the default pack
  rule_pack_hash      TEXT NOT NULL DEFAULT 'default',
  write_mode          TEXT NOT NULL DEFAULT 'dry-run' CHECK (write_mode IN ('off', 'dry-run', 'on')),
  comments_enabled    INTEGER NOT NULL DEFAULT 1,
  focus_constraint    TEXT CHECK (focus_constraint IS NULL OR focus_constraint IN ('activation', 'adoption', 'reliability', 'operations', 'throughput')),
  label_prefix        TEXT NOT NULL DEFAULT 'constraint:',
  max_writes_per_run  INTEGER NOT NULL DEFAULT 50 CHECK (max_writes_per_run BETWEEN 0 AND 10000),
  audit_settings      TEXT NOT NULL DEFAULT '{}',   -- JSON: planned-work rules, drift thresholds, evidence weights
  updated_at          TEXT NOT NULL
);

-- A tracker connection: one OAuth grant (or GitHub App installation) on one account/site.
CREATE TABLE connections (
  id                     TEXT PRIMARY KEY,
  workspace_id           TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  tracker                TEXT NOT NULL CHECK (tracker IN ('github', 'linear', 'jira')),
  external_account_id    TEXT,
  external_account_name  TEXT,
  site_id                TEXT,            -- Jira cloudId, GitHub installation id
  site_url               TEXT,
  granted_scopes         TEXT NOT NULL DEFAULT '[]',   -- JSON array of OAuth scopes granted
  sync_scopes            TEXT NOT NULL DEFAULT '[]',   -- JSON array of SyncScope the user picked
  access_token_enc       TEXT,            -- AES-GCM ciphertext with key id (see src/security/crypto.ts)
  refresh_token_enc      TEXT,
  token_expires_at       TEXT,
  status                 TEXT NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'active', 'rate_limited', 'error', 'revoked', 'disconnected')),
  status_detail          TEXT,
  write_mode             TEXT CHECK (write_mode IS NULL OR write_mode IN ('off', 'dry-run', 'on')), -- NULL = workspace setting
  created_at             TEXT NOT NULL,
  updated_at             TEXT NOT NULL
);
CREATE INDEX connections_workspace ON connections (workspace_id);
CREATE INDEX connections_site ON connections (tracker, site_id);

-- Sync progress per connection and scope (repo, team, project). `cursor` is the
-- checkpoint of the last complete pass; `run_cursor` the page cursor of a pass in progress.
CREATE TABLE sync_state (
  connection_id   TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  scope_id        TEXT NOT NULL,
  workspace_id    TEXT NOT NULL,
  cursor          TEXT,
  run_cursor      TEXT,
  run_id          TEXT,
  status          TEXT NOT NULL DEFAULT 'idle' CHECK (status IN ('idle', 'running', 'waiting', 'error')),
  lease_until     TEXT,          -- a pass holds the lease: two passes of one scope never interleave
  next_run_at     TEXT,
  last_started_at TEXT,
  last_synced_at  TEXT,
  last_error      TEXT,
  issues_synced   INTEGER NOT NULL DEFAULT 0,
  requests_made   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (connection_id, scope_id)
);

-- The normalized issue snapshot (domain/types.ts Issue), one row per tracker issue.
CREATE TABLE issues (
  id               TEXT PRIMARY KEY,
  workspace_id     TEXT NOT NULL,
  connection_id    TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  scope_id         TEXT NOT NULL,
  tracker          TEXT NOT NULL,
  external_id      TEXT NOT NULL,
  key              TEXT NOT NULL,
  url              TEXT,
  title            TEXT NOT NULL,
  body             TEXT NOT NULL DEFAULT '',
  labels           TEXT NOT NULL DEFAULT '[]',
  type             TEXT,
  components       TEXT NOT NULL DEFAULT '[]',
  state            TEXT NOT NULL,
  state_category   TEXT NOT NULL,
  priority         INTEGER,
  priority_name    TEXT,
  estimate         REAL,
  iteration        TEXT,            -- JSON Iteration: cycle, sprint or milestone
  project          TEXT,
  assignees        TEXT NOT NULL DEFAULT '[]',
  reactions        INTEGER NOT NULL DEFAULT 0,
  comment_count    INTEGER NOT NULL DEFAULT 0,
  duplicate_count  INTEGER NOT NULL DEFAULT 0,
  custom_fields    TEXT NOT NULL DEFAULT '{}',
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  closed_at        TEXT,
  content_hash     TEXT NOT NULL,
  deleted          INTEGER NOT NULL DEFAULT 0,
  synced_at        TEXT NOT NULL,
  UNIQUE (connection_id, external_id)
);
CREATE INDEX issues_workspace ON issues (workspace_id, deleted, state_category);

-- The verdict and the four scores per issue, with the content and pack they were computed from.
CREATE TABLE classifications (
  issue_id          TEXT PRIMARY KEY REFERENCES issues(id) ON DELETE CASCADE,
  workspace_id      TEXT NOT NULL,
  constraint_name   TEXT,              -- NULL = abstained
  confidence        REAL NOT NULL,
  runner_up         TEXT,
  runner_up_conf    REAL,
  decided_by        TEXT NOT NULL,
  reasons           TEXT NOT NULL,     -- JSON Reason[]
  impact            INTEGER NOT NULL,
  evidence          INTEGER NOT NULL,
  exec_confidence   INTEGER NOT NULL,
  timing            INTEGER NOT NULL,
  score_reasons     TEXT NOT NULL,     -- JSON ScoreReason[]
  content_hash      TEXT NOT NULL,
  pack_hash         TEXT NOT NULL,
  classified_at     TEXT NOT NULL
);
CREATE INDEX classifications_workspace ON classifications (workspace_id, constraint_name);

-- Audit history: one row per audit run, with its compact summary and full report.
CREATE TABLE audit_runs (
  id               TEXT PRIMARY KEY,
  workspace_id     TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  created_at       TEXT NOT NULL,
  trigger          TEXT NOT NULL CHECK (trigger IN ('manual', 'cron', 'sync', 'demo', 'api')),
  dominant         TEXT,
  drift            REAL,
  drift_level      TEXT,
  issue_count      INTEGER NOT NULL,
  summary          TEXT NOT NULL,     -- JSON AuditSummary
  report           TEXT NOT NULL      -- JSON AuditReport
);
CREATE INDEX audit_runs_workspace ON audit_runs (workspace_id, created_at DESC);

-- One write-back pass over a connection (dry-run or for real).
CREATE TABLE writeback_runs (
  id             TEXT PRIMARY KEY,
  workspace_id   TEXT NOT NULL,
  connection_id  TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  audit_run_id   TEXT,
  mode           TEXT NOT NULL CHECK (mode IN ('dry-run', 'on')),
  status         TEXT NOT NULL CHECK (status IN ('planned', 'running', 'done', 'failed', 'undone')),
  planned        INTEGER NOT NULL DEFAULT 0,
  applied        INTEGER NOT NULL DEFAULT 0,
  failed         INTEGER NOT NULL DEFAULT 0,
  capped         INTEGER NOT NULL DEFAULT 0,
  started_at     TEXT NOT NULL,
  finished_at    TEXT
);
CREATE INDEX writeback_runs_workspace ON writeback_runs (workspace_id, started_at DESC);

-- The ledger: every label or comment we wrote, removed, or would write (dry-run), and every human override seen.
CREATE TABLE writeback_ledger (
  id                    TEXT PRIMARY KEY,
  workspace_id          TEXT NOT NULL,
  connection_id         TEXT NOT NULL,
  run_id                TEXT,
  audit_run_id          TEXT,
  issue_id              TEXT,
  external_id           TEXT NOT NULL,
  issue_key             TEXT NOT NULL,
  action                TEXT NOT NULL CHECK (action IN ('label_add', 'label_remove', 'comment_create', 'comment_update', 'comment_delete', 'human_override')),
  target                TEXT NOT NULL,    -- label name, or the comment marker
  before_value          TEXT,
  after_value           TEXT,
  rule_id               TEXT,
  reason                TEXT NOT NULL,
  mode                  TEXT NOT NULL CHECK (mode IN ('dry-run', 'on', 'observed')),
  outcome               TEXT NOT NULL CHECK (outcome IN ('planned', 'applied', 'failed', 'skipped', 'reverted', 'recorded')),
  tracker_response_id   TEXT,
  error                 TEXT,
  created_at            TEXT NOT NULL
);
CREATE INDEX writeback_ledger_workspace ON writeback_ledger (workspace_id, created_at DESC);
CREATE INDEX writeback_ledger_issue ON writeback_ledger (connection_id, external_id);
CREATE INDEX writeback_ledger_run ON writeback_ledger (run_id);

-- Labels a person removed after we applied them: never re-added for that issue.
CREATE TABLE label_overrides (
  connection_id  TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  external_id    TEXT NOT NULL,
  label          TEXT NOT NULL,
  workspace_id   TEXT NOT NULL,
  detected_at    TEXT NOT NULL,
  PRIMARY KEY (connection_id, external_id, label)
);

-- Webhook deliveries, for de-duplication by the tracker's delivery id.
CREATE TABLE webhook_deliveries (
  tracker        TEXT NOT NULL,
  delivery_id    TEXT NOT NULL,
  connection_id  TEXT,
  event          TEXT NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('queued', 'processed', 'ignored', 'failed')),
  received_at    TEXT NOT NULL,
  processed_at   TEXT,
  PRIMARY KEY (tracker, delivery_id)
);
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at);

-- Messages that reached the dead-letter queue, with why.
CREATE TABLE sync_failures (
  id             TEXT PRIMARY KEY,
  workspace_id   TEXT,
  connection_id  TEXT,
  message        TEXT NOT NULL,
  reason         TEXT NOT NULL,
  created_at     TEXT NOT NULL
);

-- Sign-in sessions, OAuth state, API tokens and invites (accounts).
CREATE TABLE sessions (
  id            TEXT PRIMARY KEY,      -- SHA-256 of the session secret in the cookie
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token    TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  expires_at    TEXT NOT NULL
);

CREATE TABLE oauth_states (
  state          TEXT PRIMARY KEY,      -- SHA-256 of the state value
  session_id     TEXT,                  -- the session it is bound to
  workspace_id   TEXT,
  tracker        TEXT NOT NULL,
  purpose        TEXT NOT NULL CHECK (purpose IN ('connect', 'signin')),
  code_verifier  TEXT,                  -- PKCE verifier (encrypted)
  redirect_to    TEXT,
  created_at     TEXT NOT NULL,
  expires_at     TEXT NOT NULL
);

CREATE TABLE api_tokens (
  id             TEXT PRIMARY KEY,
  workspace_id   TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name           TEXT NOT NULL,
  token_hash     TEXT NOT NULL UNIQUE,  -- SHA-256 of the token; the token is shown once
  scope          TEXT NOT NULL CHECK (scope IN ('read', 'write')),
  created_by     TEXT,
  created_at     TEXT NOT NULL,
  last_used_at   TEXT,
  revoked_at     TEXT
);

CREATE TABLE invites (
  id             TEXT PRIMARY KEY,      -- SHA-256 of the invite secret in the link
  workspace_id   TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  role           TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  created_by     TEXT,
  created_at     TEXT NOT NULL,
  expires_at     TEXT NOT NULL,
  used_at        TEXT
);
