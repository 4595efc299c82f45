-- What only the PostgreSQL store has, applied (idempotently) after the tables that the numbered
-- migrations make (reception/store/postgres.py, _ensure_tables). The read model (weekly,
-- current_rows, ...) lives in each machine's snapshot, not here.
-- report_row only grows, load by load, so its rows lie in load_id order: a BRIN index (a few
-- pages) finds a load's rows for the syncs (load_id = ANY (...)) while a COPY into the table
-- costs about what it costs without an index; a B-tree cost a million-row load 30-130 % more.
DROP INDEX IF EXISTS report_row_load;
CREATE INDEX IF NOT EXISTS report_row_load_range ON report_row USING brin (load_id)
    WITH (autosummarize = on);
CREATE INDEX IF NOT EXISTS load_week_load ON load_week (load_id);
CREATE INDEX IF NOT EXISTS load_log_sha ON load_log (sha256);

-- The contract views that are plain selections, for scripts that read the store directly
-- (reporting_status depends on the clock and the deadline: it lives in the snapshots).
CREATE OR REPLACE VIEW districts AS SELECT ags, name, kind, population FROM district_ref;
CREATE OR REPLACE VIEW loads AS
SELECT load_id, file_name, sha256, source, loaded_by, loaded_at, rows, status, rolled_back_at,
    confirmed_by
FROM load_log;
CREATE OR REPLACE VIEW reminders AS
SELECT ags, week, kind, recipient, sent_at FROM reminder_log WHERE sent_at IS NOT NULL;
