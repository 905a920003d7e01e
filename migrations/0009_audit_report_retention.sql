-- Bounded audit history (issue 21). Summaries stay for the life of the
-- workspace (the trend needs them); full reports are kept for a retention
-- window (src/db/audits.ts pruneAuditReports) and stored gzip-compressed.
--
-- New runs write the report to `report_gz` (gzip of the JSON) and '' to
-- `report`. Runs stored before this migration keep their JSON text in `report`
-- and stay readable as they are. A pruned run has `report = ''`,
-- `report_gz = NULL` and `report_pruned_at` set; its summary is untouched.
ALTER TABLE audit_runs ADD COLUMN report_gz BLOB;
ALTER TABLE audit_runs ADD COLUMN report_pruned_at TEXT;
