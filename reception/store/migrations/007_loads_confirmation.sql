-- Plausibility findings confirmed by the sender (CONTRACT.md, "Plausibility findings") and the
-- contract view `loads` with `rolled_back_at` and `confirmed_by` (CONTRACT.md, "Database views").
-- `confirm_comment` is the optional comment given with the confirmation (upload page, form).
ALTER TABLE load_log ADD COLUMN confirmed_by VARCHAR;
ALTER TABLE load_log ADD COLUMN confirm_comment VARCHAR;

CREATE OR REPLACE VIEW loads AS
SELECT load_id, file_name, sha256, source, loaded_by, loaded_at, rows, status, rolled_back_at,
    confirmed_by
FROM load_log;
