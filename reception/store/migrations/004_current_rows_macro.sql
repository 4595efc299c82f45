-- The rows of the loads in force (not rolled back, not rejected).
CREATE OR REPLACE VIEW active_rows AS
SELECT r.* FROM report_row r JOIN load_log l USING (load_id) WHERE l.status = 'loaded';

-- The choice of the figure in force as a table macro over any table of active rows, so that the
-- snapshot can run it on the contested district-weeks alone (db.publish_snapshot) with the very
-- same logic as the view current_rows. The rule (README, "Das Meldeformat"):
-- * per district, week and facility ('' for a district total) the figure of the latest load wins;
-- * district totals and facility rows never add up within one district and week: whichever kind
--   was loaded last for that district-week is in force (``kind_latest = week_latest``), so a
--   facility report after a district total replaces the total, and a total after facility rows
--   replaces all of them.
CREATE OR REPLACE MACRO current_rows_from(active_table) AS TABLE
WITH latest AS (
    SELECT * FROM query_table(active_table)
    QUALIFY row_number() OVER (PARTITION BY ags, week, facility ORDER BY load_id DESC) = 1
), kinded AS (
    SELECT *,
        max(load_id) OVER (PARTITION BY ags, week, facility = '') AS kind_latest,
        max(load_id) OVER (PARTITION BY ags, week) AS week_latest
    FROM latest
)
SELECT load_id, ags, week, facility, facility_type, arrivals, departures, capacity, occupied, line
FROM kinded WHERE kind_latest = week_latest;

CREATE OR REPLACE VIEW current_rows AS SELECT * FROM current_rows_from('active_rows');
