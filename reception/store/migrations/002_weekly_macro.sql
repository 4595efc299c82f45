-- The weekly read model as a table macro over any table of current rows, so that the snapshot
-- can compute it from rows it has already materialised; the contract view uses current_rows.
CREATE OR REPLACE MACRO weekly_from(rows_table) AS TABLE
WITH per_week AS (
    SELECT ags, week,
        CAST(sum(arrivals) AS BIGINT) AS arrivals,
        CAST(sum(departures) AS BIGINT) AS departures,
        CAST(sum(capacity) AS BIGINT) AS capacity,
        CAST(sum(occupied) AS BIGINT) AS occupied,
        true AS reported
    FROM query_table(rows_table) GROUP BY ags, week
), bounds AS (
    SELECT min(week) AS lo, max(week) AS hi FROM per_week
), calendar AS (
    SELECT CAST(unnest(generate_series(lo, hi, INTERVAL 7 DAY)) AS DATE) AS week
    FROM bounds WHERE lo IS NOT NULL
), joined AS (
    SELECT d.ags, c.week, p.arrivals, p.departures, p.capacity, p.occupied,
        coalesce(p.reported, false) AS reported
    FROM district_ref d CROSS JOIN calendar c
    LEFT JOIN per_week p ON p.ags = d.ags AND p.week = c.week
), filled AS (
    SELECT ags, week, arrivals, departures,
        last_value(capacity IGNORE NULLS) OVER w AS capacity,
        last_value(occupied IGNORE NULLS) OVER w AS occupied,
        reported
    FROM joined
    WINDOW w AS (PARTITION BY ags ORDER BY week ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT ags, week, arrivals, departures, capacity, occupied,
    CASE WHEN capacity > 0 THEN occupied / capacity END AS occupancy_rate,
    capacity - occupied AS free_places,
    reported
FROM filled;

CREATE OR REPLACE VIEW weekly AS SELECT * FROM weekly_from('current_rows');
