-- Which districts and weeks each load covers (one row per load, district and week), kept by
-- write_rows beside report_row. It lets the snapshot tell cheaply where two active loads meet:
-- only there must the latest figure be chosen with window functions (see db.publish_snapshot).
-- ``keys`` < ``rows`` would mean a load holding the same key twice (validation rejects that).
CREATE TABLE load_week (
    load_id INTEGER NOT NULL,
    ags VARCHAR NOT NULL,
    week DATE NOT NULL,
    rows INTEGER NOT NULL,
    keys INTEGER NOT NULL
);

INSERT INTO load_week
SELECT load_id, ags, week, count(*), count(DISTINCT facility)
FROM report_row GROUP BY load_id, ags, week;
