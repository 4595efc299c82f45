-- Reference data, the load log and the append-only report rows.
CREATE TABLE district_ref (
    ags VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    seat VARCHAR,
    population INTEGER,
    lat DOUBLE,
    lon DOUBLE,
    grid_row INTEGER,
    grid_col INTEGER
);

-- Keys and names that no longer exist, and where they went (e.g. Eisenach -> Wartburgkreis).
CREATE TABLE district_retired (
    ags VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    merged_into VARCHAR NOT NULL,
    since DATE
);

CREATE TABLE reference_meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE TABLE distribution_key (
    ags VARCHAR NOT NULL,
    share_percent DOUBLE NOT NULL,
    valid_from DATE,
    valid_to DATE,
    source VARCHAR
);

CREATE SEQUENCE load_id_seq START 1;

CREATE TABLE load_log (
    load_id INTEGER PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    source VARCHAR NOT NULL,       -- cli, inbox, upload, demo
    loaded_by VARCHAR,
    loaded_at TIMESTAMP NOT NULL,
    rows INTEGER NOT NULL,
    status VARCHAR NOT NULL,       -- loaded, rolled_back, rejected
    duration_ms INTEGER,
    errors INTEGER DEFAULT 0,
    warnings INTEGER DEFAULT 0,
    rolled_back_at TIMESTAMP,
    rolled_back_by VARCHAR
);

-- Every figure ever loaded, with its load. facility = '' for district-level rows.
CREATE TABLE report_row (
    load_id INTEGER NOT NULL,
    ags VARCHAR NOT NULL,
    week DATE NOT NULL,
    facility VARCHAR NOT NULL,
    facility_type VARCHAR,
    arrivals INTEGER,
    departures INTEGER,
    capacity INTEGER,
    occupied INTEGER,
    line INTEGER
);

CREATE VIEW districts AS
SELECT ags, name, kind, population FROM district_ref;

CREATE VIEW loads AS
SELECT load_id, file_name, sha256, source, loaded_by, loaded_at, rows, status FROM load_log;

-- The figure in force per district, week and facility: the one from the latest active load.
-- District-level rows and facility rows do not mix within one district and week: whichever
-- kind was loaded last for that district and week is in force.
CREATE VIEW current_rows AS
WITH active AS (
    SELECT r.* FROM report_row r JOIN load_log l USING (load_id) WHERE l.status = 'loaded'
), latest AS (
    SELECT * FROM active
    QUALIFY row_number() OVER (PARTITION BY ags, week, facility ORDER BY load_id DESC) = 1
), kinded AS (
    SELECT *,
        max(load_id) OVER (PARTITION BY ags, week, facility = '') AS kind_latest,
        max(load_id) OVER (PARTITION BY ags, week) AS week_latest
    FROM latest
)
SELECT load_id, ags, week, facility, facility_type, arrivals, departures, capacity, occupied, line
FROM kinded WHERE kind_latest = week_latest;

CREATE VIEW weekly AS
WITH per_week AS (
    SELECT ags, week,
        CAST(sum(arrivals) AS BIGINT) AS arrivals,
        CAST(sum(departures) AS BIGINT) AS departures,
        CAST(sum(capacity) AS BIGINT) AS capacity,
        CAST(sum(occupied) AS BIGINT) AS occupied,
        true AS reported
    FROM current_rows GROUP BY ags, week
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
