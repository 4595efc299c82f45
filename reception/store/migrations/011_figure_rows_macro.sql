-- Which rows carry a figure, stated once: a row that only announces allocations (the Land's
-- notice of a coming week) is no figure and never replaces one. Every reader of "the figure in
-- force" takes its rows through this macro: current_rows_from below, report_arrivals, and the
-- read snapshot's shortcuts (reception/store/local.py), which the snapshot keeps it for.
CREATE OR REPLACE MACRO figure_rows_from(rows_table) AS TABLE
SELECT * FROM query_table(rows_table)
WHERE NOT (announced IS NOT NULL AND coalesce(arrivals, departures, capacity, occupied,
    arrivals_asylum, arrivals_ukraine, arrivals_other, capacity_unusable,
    occupied_entitled) IS NULL);

-- The choice of the figure in force as a table macro over any table of active rows, so that the
-- snapshot can run it on the contested district-weeks alone (db.publish_snapshot) and the
-- rollback preview on the active rows less one load (ingest/load.py) with the very same logic
-- as the view current_rows. The rule (README, "Das Meldeformat"):
-- * only rows with a figure count (figure_rows_from: an announcement alone is no figure;
--   announcements have their own choice, announcements_from);
-- * per district, week and facility ('' for a district total) the figure of the latest load wins;
-- * district totals and facility rows never add up within one district and week: whichever kind
--   was loaded last for that district-week is in force (``kind_latest = week_latest``), so a
--   facility report after a district total replaces the total, and a total after facility rows
--   replaces all of them.
CREATE OR REPLACE MACRO current_rows_from(active_table) AS TABLE
WITH latest AS (
    SELECT * FROM figure_rows_from(active_table)
    QUALIFY row_number() OVER (PARTITION BY ags, week, facility ORDER BY load_id DESC) = 1
), kinded AS (
    SELECT *,
        max(load_id) OVER (PARTITION BY ags, week, facility = '') AS kind_latest,
        max(load_id) OVER (PARTITION BY ags, week) AS week_latest
    FROM latest
)
SELECT load_id, ags, week, facility, facility_type, arrivals, departures, capacity, occupied, line,
    arrivals_asylum, arrivals_ukraine, arrivals_other, capacity_unusable, occupied_entitled,
    announced
FROM kinded WHERE kind_latest = week_latest;

-- Per district and week: when a load in force (not rolled back) first and last brought a figure
-- of it, and how many loads did (only rows with a figure: figure_rows_from). A later correction
-- keeps the first load's time, so it never makes a report late.
CREATE OR REPLACE VIEW report_arrivals AS
SELECT r.ags, r.week, min(l.loaded_at) AS first_loaded_at, max(l.loaded_at) AS last_loaded_at,
    count(DISTINCT r.load_id) AS loads
FROM figure_rows_from('report_row') r JOIN load_log l USING (load_id)
WHERE l.status = 'loaded'
GROUP BY r.ags, r.week;
