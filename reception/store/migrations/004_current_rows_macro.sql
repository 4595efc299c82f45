-- The choice of the figure in force as a table macro over any table of active rows, so that the
-- snapshot can run it on the contested district-weeks alone (db.publish_snapshot) with the very
-- same logic as the view current_rows.
CREATE OR REPLACE VIEW active_rows AS
SELECT r.* FROM report_row r JOIN load_log l USING (load_id) WHERE l.status = 'loaded';

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
