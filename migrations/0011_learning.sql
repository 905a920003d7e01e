-- Learning from each team (issue 16). Documented in docs/storage.md.
-- The workspace's own labelled evidence: constraint labels a person applied in the tracker,
-- human overrides from the ledger (a removed bot label is a negative example), and review answers.
-- `label` is a constraint or 'none'. Everything is scoped by workspace_id and exportable.
CREATE TABLE learning_examples (
  workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  issue_id      TEXT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  source        TEXT NOT NULL CHECK (source IN ('label', 'override', 'review')),
  label         TEXT NOT NULL CHECK (label IN ('activation', 'adoption', 'reliability', 'operations', 'throughput', 'none')),
  polarity      TEXT NOT NULL CHECK (polarity IN ('positive', 'negative')),
  verdict       TEXT,              -- the product's verdict when the example was recorded (NULL = abstained)
  confidence    REAL,
  detail        TEXT,              -- the tracker label, the override's label, or who answered
  created_at    TEXT NOT NULL,
  PRIMARY KEY (workspace_id, issue_id, source, polarity, label)
);
CREATE INDEX learning_examples_issue ON learning_examples (issue_id);

-- One row per workspace: the target precision, the workspace model and its backtest.
CREATE TABLE workspace_learning (
  workspace_id      TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  target_precision  REAL NOT NULL DEFAULT 0.95 CHECK (target_precision >= 0.5 AND target_precision <= 1),
  status            TEXT NOT NULL DEFAULT 'none' CHECK (status IN ('none', 'queued', 'live', 'off')),
  reason            TEXT,
  model_id          TEXT,          -- set only while a model is live
  model             TEXT,          -- JSON WorkspaceModel (the live one)
  report            TEXT,          -- JSON: backtest, threshold, labelled counts, training CPU time
  trained_at        TEXT,
  updated_at        TEXT NOT NULL
);
