-- `loaded_at` and `rolled_back_at` are UTC (CONTRACT.md, "As of"). Until now they were written
-- with current_localtimestamp(), the local time of the writing process's zone. Decision: the
-- values already there are converted from the zone of the process that runs this migration
-- (DuckDB's TimeZone setting, taken from TZ), the zone that wrote them wherever a server keeps
-- its zone: a server on UTC keeps its values, one on Europe/Berlin has them moved back one or
-- two hours. New values are written in UTC (reception.store.db.UTC_NOW).
UPDATE load_log SET
    loaded_at = CAST(CAST(loaded_at AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP),
    rolled_back_at = CAST(CAST(rolled_back_at AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP);
