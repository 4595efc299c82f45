-- Deadlines and reminders (CONTRACT.md: reporting_status, reminders; README "Fristen und
-- Erinnerungen"). The deadline of the week's report, as `[reporting] deadline` in
-- data/settings.toml sets it: weekday (0 = Monday) and minute of the day, Europe/Berlin, of the
-- week after the reported one. At most one row; `etl init`, `etl remind` and the alerts after a
-- load write the configured value here, so that every reader of the store (both stores, the
-- snapshot) computes the same due_at. Empty: the default, Tuesday 12:00. (No row is inserted
-- here: a PostgreSQL mirror applies this migration and then copies the store's rows in.)
CREATE TABLE reporting_deadline (
    id INTEGER PRIMARY KEY,
    weekday INTEGER NOT NULL,
    minute_of_day INTEGER NOT NULL
);

-- Every message of `remind` and of the alerts, claimed here before it is sent and stamped
-- `sent_at` once the mail server accepted it. `message_key` says what the message is about
-- (kind, district, week, recipient): a second claim of the same key while the first is fresh or
-- sent is refused, which is what keeps two runs (or two hosts) from sending it twice.
-- `claimed_at`/`claimed_by`: a claim that was never stamped (a run that crashed) may be taken
-- over once it is older than the claim's lease (reception/notify/ledger.py).
CREATE TABLE reminder_log (
    message_key VARCHAR PRIMARY KEY,
    ags VARCHAR,
    week DATE,
    kind VARCHAR NOT NULL,
    recipient VARCHAR NOT NULL,
    claimed_at TIMESTAMP NOT NULL,
    claimed_by VARCHAR NOT NULL,
    sent_at TIMESTAMP
);

-- The contract view: the messages the mail server accepted (UTC).
CREATE VIEW reminders AS
SELECT ags, week, kind, recipient, sent_at FROM reminder_log WHERE sent_at IS NOT NULL;

-- Per district and week: when a load in force (not rolled back) first and last brought a figure
-- of it, and how many loads did. A row that only announces allocations is no report. A later
-- correction keeps the first load's time, so it never makes a report late.
CREATE VIEW report_arrivals AS
SELECT r.ags, r.week, min(l.loaded_at) AS first_loaded_at, max(l.loaded_at) AS last_loaded_at,
    count(DISTINCT r.load_id) AS loads
FROM report_row r JOIN load_log l USING (load_id)
WHERE l.status = 'loaded' AND NOT (r.announced IS NOT NULL AND coalesce(r.arrivals, r.departures,
    r.capacity, r.occupied, r.arrivals_asylum, r.arrivals_ukraine, r.arrivals_other,
    r.capacity_unusable, r.occupied_entitled) IS NULL)
GROUP BY r.ags, r.week;

-- Timeliness as it stands at `now_utc` (a UTC TIMESTAMP): every district and week from the first
-- reported week to the week before the one `now_utc` falls in (Europe/Berlin); a load after
-- `now_utc` does not count yet. due_at: the
-- deadline's weekday and time of the following week, Berlin local time, as UTC. loaded_at is UTC.
CREATE MACRO reporting_status_at(now_utc) AS TABLE
WITH bounds AS (
    SELECT (SELECT min(week) FROM report_arrivals) AS first_week,
        CAST(date_trunc('week', timezone('Europe/Berlin', timezone('UTC', now_utc))) AS DATE)
            AS current_week
), weeks AS (
    SELECT CAST(w AS DATE) AS week
    FROM bounds, range(CAST(bounds.first_week AS TIMESTAMP), CAST(bounds.current_week AS TIMESTAMP),
        INTERVAL 7 DAY) t(w)
    WHERE bounds.first_week IS NOT NULL
), deadline AS (
    SELECT coalesce((SELECT weekday FROM reporting_deadline), 1) AS weekday,
        coalesce((SELECT minute_of_day FROM reporting_deadline), 720) AS minute_of_day
), due AS (
    SELECT w.week, timezone('UTC', timezone('Europe/Berlin', CAST(w.week AS TIMESTAMP)
        + INTERVAL 7 DAY + d.weekday * INTERVAL 1 DAY + d.minute_of_day * INTERVAL 1 MINUTE))
        AS due_at
    FROM weeks w, deadline d
)
SELECT d.ags, u.week, u.due_at,
    CASE WHEN a.first_loaded_at IS NULL AND u.due_at < now_utc THEN 'missing'
         WHEN a.first_loaded_at IS NULL THEN 'open'
         WHEN a.first_loaded_at <= u.due_at THEN 'on_time'
         ELSE 'late' END AS status,
    a.first_loaded_at, a.last_loaded_at, coalesce(a.loads, 0) AS loads
FROM district_ref d CROSS JOIN due u
LEFT JOIN report_arrivals a ON a.ags = d.ags AND a.week = u.week AND a.first_loaded_at <= now_utc
ORDER BY d.ags, u.week;

-- The contract view: timeliness now.
CREATE VIEW reporting_status AS
SELECT * FROM reporting_status_at(CAST(timezone('UTC', now()) AS TIMESTAMP));
