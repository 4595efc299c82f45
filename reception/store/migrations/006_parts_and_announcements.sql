-- The second version of the report format (CONTRACT.md): the parts of arrivals, capacity and
-- occupied, and announced allocations. Existing rows get NULL: not split, not reported.
ALTER TABLE report_row ADD COLUMN arrivals_asylum INTEGER;
ALTER TABLE report_row ADD COLUMN arrivals_ukraine INTEGER;
ALTER TABLE report_row ADD COLUMN arrivals_other INTEGER;
ALTER TABLE report_row ADD COLUMN capacity_unusable INTEGER;
ALTER TABLE report_row ADD COLUMN occupied_entitled INTEGER;
ALTER TABLE report_row ADD COLUMN announced INTEGER;

-- The rows of the loads in force (not rolled back, not rejected), with the new columns.
CREATE OR REPLACE VIEW active_rows AS
SELECT r.* FROM report_row r JOIN load_log l USING (load_id) WHERE l.status = 'loaded';

-- The choice of the figure in force as a table macro over any table of active rows, so that the
-- snapshot can run it on the contested district-weeks alone (db.publish_snapshot) with the very
-- same logic as the view current_rows. The rule (README, "Das Meldeformat"):
-- * per district, week and facility ('' for a district total) the figure of the latest load wins;
-- * district totals and facility rows never add up within one district and week: whichever kind
--   was loaded last for that district-week is in force (``kind_latest = week_latest``), so a
--   facility report after a district total replaces the total, and a total after facility rows
--   replaces all of them;
-- * a row that only announces allocations (the Land's notice of a coming week) is no figure and
--   never replaces one; announcements have their own choice (announcements_from).
CREATE OR REPLACE MACRO current_rows_from(active_table) AS TABLE
WITH latest AS (
    SELECT * FROM query_table(active_table)
    WHERE NOT (announced IS NOT NULL AND coalesce(arrivals, departures, capacity, occupied,
        arrivals_asylum, arrivals_ukraine, arrivals_other, capacity_unusable,
        occupied_entitled) IS NULL)
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

CREATE OR REPLACE VIEW current_rows AS SELECT * FROM current_rows_from('active_rows');

-- Announced allocations in force: per district and week the announcement of the latest load
-- that announces that week (summed over its facilities), future weeks included.
CREATE OR REPLACE MACRO announcements_from(active_table) AS TABLE
WITH per_load AS (
    SELECT ags, week, load_id, CAST(sum(announced) AS BIGINT) AS announced
    FROM query_table(active_table) WHERE announced IS NOT NULL
    GROUP BY ags, week, load_id
)
SELECT ags, week, announced, load_id FROM per_load
QUALIFY row_number() OVER (PARTITION BY ags, week ORDER BY load_id DESC) = 1;

CREATE OR REPLACE VIEW announcements AS SELECT * FROM announcements_from('active_rows');

-- Places by kind of accommodation, from the facility rows in force of each reported week;
-- a facility without a type counts as 'ohne Angabe'.
CREATE OR REPLACE MACRO places_by_type_from(rows_table) AS TABLE
SELECT ags, week, coalesce(nullif(trim(facility_type), ''), 'ohne Angabe') AS facility_type,
    CAST(sum(capacity) AS BIGINT) AS capacity,
    CAST(sum(capacity_unusable) AS BIGINT) AS capacity_unusable,
    CAST(sum(occupied) AS BIGINT) AS occupied
FROM query_table(rows_table) WHERE facility <> ''
GROUP BY ALL;

CREATE OR REPLACE VIEW places_by_type AS SELECT * FROM places_by_type_from('current_rows');

-- The weekly read model (as in 002) with the parts, usable places and announcements. Weeks run
-- from the first to the last week with reported figures; an announcement of a later week is in
-- ``announcements`` only. The parts of capacity and occupied carry forward like them.
CREATE OR REPLACE MACRO weekly_from(rows_table, announced_table) AS TABLE
WITH per_week AS (
    SELECT ags, week,
        CAST(sum(arrivals) AS BIGINT) AS arrivals,
        CAST(sum(departures) AS BIGINT) AS departures,
        CAST(sum(capacity) AS BIGINT) AS capacity,
        CAST(sum(occupied) AS BIGINT) AS occupied,
        CAST(sum(arrivals_asylum) AS BIGINT) AS arrivals_asylum,
        CAST(sum(arrivals_ukraine) AS BIGINT) AS arrivals_ukraine,
        CAST(sum(arrivals_other) AS BIGINT) AS arrivals_other,
        CAST(sum(capacity_unusable) AS BIGINT) AS capacity_unusable,
        CAST(sum(occupied_entitled) AS BIGINT) AS occupied_entitled,
        true AS reported
    FROM query_table(rows_table) GROUP BY ags, week
), bounds AS (
    SELECT min(week) AS lo, max(week) AS hi FROM per_week
), calendar AS (
    SELECT CAST(unnest(generate_series(lo, hi, INTERVAL 7 DAY)) AS DATE) AS week
    FROM bounds WHERE lo IS NOT NULL
), joined AS (
    SELECT d.ags, c.week, p.arrivals, p.departures, p.capacity, p.occupied,
        p.arrivals_asylum, p.arrivals_ukraine, p.arrivals_other, p.capacity_unusable,
        p.occupied_entitled, coalesce(p.reported, false) AS reported
    FROM district_ref d CROSS JOIN calendar c
    LEFT JOIN per_week p ON p.ags = d.ags AND p.week = c.week
), filled AS (
    SELECT ags, week, arrivals, departures,
        last_value(capacity IGNORE NULLS) OVER w AS capacity,
        last_value(occupied IGNORE NULLS) OVER w AS occupied,
        reported, arrivals_asylum, arrivals_ukraine, arrivals_other,
        last_value(capacity_unusable IGNORE NULLS) OVER w AS capacity_unusable,
        last_value(occupied_entitled IGNORE NULLS) OVER w AS occupied_entitled
    FROM joined
    WINDOW w AS (PARTITION BY ags ORDER BY week ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), usable AS (
    SELECT *, capacity - coalesce(capacity_unusable, 0) AS capacity_usable FROM filled
)
SELECT u.ags, u.week, u.arrivals, u.departures, u.capacity, u.occupied,
    CASE WHEN u.capacity > 0 THEN u.occupied / u.capacity END AS occupancy_rate,
    u.capacity - u.occupied AS free_places,
    u.reported, u.arrivals_asylum, u.arrivals_ukraine, u.arrivals_other, u.capacity_unusable,
    u.capacity_usable, u.occupied_entitled, a.announced,
    CASE WHEN u.capacity_usable > 0 THEN u.occupied / u.capacity_usable END AS usable_rate,
    u.capacity_usable - u.occupied AS free_usable
FROM usable u LEFT JOIN query_table(announced_table) a ON a.ags = u.ags AND a.week = u.week;

CREATE OR REPLACE VIEW weekly AS SELECT * FROM weekly_from('current_rows', 'announcements');
