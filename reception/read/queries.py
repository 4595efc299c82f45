"""Every query of the app, against the published snapshot only (``reception.store.db.reader``).

Plain functions returning pandas DataFrames (or dicts); no Streamlit here, so they are usable from
scripts and tests. The app calls them through :mod:`reception.web.cache`, which caches the answers
keyed on :func:`reception.store.db.snapshot_version`: a new load publishes a new snapshot and the next
interaction shows the new figures.

Each function takes ``path`` (the snapshot file; default ``config.snapshot_path()``). Filters are
bound as parameters, never formatted into SQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from reception import isoweek
from reception.store import db


def _df(sql: str, params: list | None = None, path: Path | None = None) -> pd.DataFrame:
    with db.reader(path) as con:
        return con.execute(sql, params or []).df()


def snapshot_meta(path: Path | None = None) -> dict:
    """published_at, last_load_id, has_demo, has_real (empty dict for an empty snapshot)."""
    frame = _df("SELECT * FROM snapshot_meta", path=path)
    return frame.iloc[0].to_dict() if len(frame) else {}


def reference_meta(path: Path | None = None) -> dict[str, str]:
    frame = _df("SELECT key, value FROM reference_meta", path=path)
    return dict(zip(frame.key, frame.value))


def districts(path: Path | None = None) -> pd.DataFrame:
    """The reference: ags, name, kind, seat, population, lat, lon, grid_row, grid_col."""
    return _df("SELECT ags, name, kind, seat, population, lat, lon, grid_row, grid_col "
               "FROM district_ref ORDER BY name", path=path)


def week_bounds(path: Path | None = None) -> tuple[date | None, date | None]:
    """First and last week with any report."""
    rows = _df("SELECT min(week) AS lo, max(week) AS hi FROM weekly WHERE reported", path=path)
    lo, hi = rows.lo.iloc[0], rows.hi.iloc[0]
    return (None if pd.isna(lo) else pd.Timestamp(lo).date(),
            None if pd.isna(hi) else pd.Timestamp(hi).date())


def weekly(since: date | None = None, until: date | None = None, kinds: tuple[str, ...] | None = None,
           ags: tuple[str, ...] | None = None, path: Path | None = None) -> pd.DataFrame:
    """District-weeks (see CONTRACT: weekly) with name, kind and population, ordered by ags, week."""
    sql = ("SELECT ags, name, kind, population, week, arrivals, departures, capacity, occupied, "
           "occupancy_rate, free_places, reported, arrivals_asylum, arrivals_ukraine, "
           "arrivals_other, capacity_unusable, capacity_usable, occupied_entitled, announced, "
           "usable_rate, free_usable FROM weekly_named WHERE true")
    params: list = []
    if since is not None:
        sql += " AND week >= ?"
        params.append(since)
    if until is not None:
        sql += " AND week <= ?"
        params.append(until)
    if kinds:
        sql += " AND list_contains(?, kind)"
        params.append(list(kinds))
    if ags:
        sql += " AND list_contains(?, ags)"
        params.append(list(ags))
    frame = _df(sql + " ORDER BY ags, week", params, path)
    frame["week"] = pd.to_datetime(frame["week"])
    return frame


def arrivals_between(since: date, until: date, path: Path | None = None) -> pd.DataFrame:
    """Per district: arrivals summed over [since, until] and the number of weeks reported."""
    return _df(
        "SELECT d.ags, d.name, d.kind, d.population, "
        "coalesce(sum(w.arrivals), 0) AS arrivals, count(w.week) FILTER (WHERE w.reported) AS weeks "
        "FROM districts d LEFT JOIN weekly w ON w.ags = d.ags AND w.week BETWEEN ? AND ? "
        "GROUP BY ALL ORDER BY d.ags", [since, until], path)


_KEY_IN_FORCE = (
    "SELECT ags, share_percent, valid_from, source FROM distribution_key "
    "WHERE (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to >= ?) "
    "QUALIFY row_number() OVER (PARTITION BY ags ORDER BY valid_from DESC NULLS LAST) = 1")


def distribution_key(on: date, path: Path | None = None) -> pd.DataFrame:
    """The key in force on ``on``: ags, share_percent, valid_from, source."""
    return _df(_KEY_IN_FORCE + " ORDER BY ags", [on, on], path)


def allocation_inputs(week: date, path: Path | None = None) -> pd.DataFrame:
    """What the allocation proposal (:mod:`reception.read.allocation`) of ``week`` (its Monday)
    reads, per district of the key in force on that Monday: ags, name, share_percent, ist (the
    arrivals of the ISO weeks of its ISO year before it), last_reported (the latest reported
    week before it) and that week's capacity_usable and free_usable; ordered by ags."""
    since = isoweek.year_start(week)
    figures = _df(
        "WITH i AS (SELECT ags, sum(arrivals) AS ist FROM weekly WHERE week >= ? AND week < ? "
        "GROUP BY ags), "
        "l AS (SELECT ags, week AS last_reported, capacity_usable, free_usable FROM weekly "
        "WHERE reported AND week < ? QUALIFY row_number() OVER (PARTITION BY ags "
        "ORDER BY week DESC) = 1) "
        "SELECT d.ags, d.name, coalesce(i.ist, 0) AS ist, l.last_reported, l.capacity_usable, "
        "l.free_usable FROM districts d LEFT JOIN i ON i.ags = d.ags LEFT JOIN l ON l.ags = d.ags",
        [since, week, week], path)
    key = distribution_key(week, path)[["ags", "share_percent"]]
    frame = key.merge(figures, on="ags", how="left").sort_values("ags").reset_index(drop=True)
    frame["name"] = frame["name"].fillna(frame["ags"])
    frame["ist"] = frame["ist"].fillna(0)
    frame["last_reported"] = pd.to_datetime(frame["last_reported"])
    return frame


def announced_in(week: date, path: Path | None = None) -> int | None:
    """The persons announced for allocation in ``week`` (its Monday) over all districts; None
    where nothing is announced for it."""
    frame = _df("SELECT sum(announced) AS total FROM announcements WHERE week = ?", [week], path)
    total = frame.total.iloc[0]
    return None if pd.isna(total) else int(total)


def facilities(ags: str, path: Path | None = None) -> pd.DataFrame:
    """Facility-level rows of one district, ordered by week and facility."""
    frame = _df("SELECT week, facility, facility_type, arrivals, departures, capacity, occupied, "
                "arrivals_asylum, arrivals_ukraine, arrivals_other, capacity_unusable, "
                "occupied_entitled FROM facility_weekly WHERE ags = ? ORDER BY week, facility",
                [ags], path)
    frame["week"] = pd.to_datetime(frame["week"])
    return frame


def announcements(since: date | None = None, ags: str | None = None,
                  path: Path | None = None) -> pd.DataFrame:
    """Announced allocations in force (ags, week, announced, load_id), future weeks included,
    optionally from week ``since`` on and of one district; ordered by ags, week."""
    frame = _df("SELECT ags, week, announced, load_id FROM announcements "
                "WHERE (CAST(? AS DATE) IS NULL OR week >= ?) AND (CAST(? AS VARCHAR) IS NULL "
                "OR ags = ?) ORDER BY ags, week", [since, since, ags, ags], path)
    frame["week"] = pd.to_datetime(frame["week"])
    return frame


def places_by_type(ags: str | None = None, path: Path | None = None) -> pd.DataFrame:
    """Places by kind of accommodation per district and reported week (facility reports only;
    'ohne Angabe' where no type was given), ordered by ags, week, type."""
    frame = _df("SELECT ags, week, facility_type, capacity, capacity_unusable, occupied "
                "FROM places_by_type WHERE CAST(? AS VARCHAR) IS NULL OR ags = ? "
                "ORDER BY ags, week, facility_type", [ags, ags], path)
    frame["week"] = pd.to_datetime(frame["week"])
    return frame


LOAD_COLUMNS = ["load_id", "file_name", "source", "loaded_by", "loaded_at", "rows", "status",
                "errors", "warnings", "districts", "rolled_back_at", "rolled_back_by",
                "confirmed_by", "confirm_comment"]


def loads(path: Path | None = None) -> pd.DataFrame:
    """The load history (``db.load_history``), newest first."""
    with db.reader(path) as con:
        return db.load_history(con, newest_first=True)[LOAD_COLUMNS]


def confirmed_loads(path: Path | None = None) -> pd.DataFrame:
    """Loads confirmed despite plausibility findings (``load_log.confirmed_by``), one row per
    district they cover: ags, name, load_id, loaded_at, file_name, source, confirmed_by,
    confirm_comment, status; by district, newest first."""
    return _df("""
        SELECT w.ags, d.name, l.load_id, l.loaded_at, l.file_name, l.source, l.confirmed_by,
            l.confirm_comment, l.status
        FROM load_log l JOIN (SELECT DISTINCT load_id, ags FROM load_week) w USING (load_id)
        LEFT JOIN districts d USING (ags)
        WHERE l.confirmed_by IS NOT NULL
        ORDER BY w.ags, l.load_id DESC
    """, [], path)


def weekly_view(ags: str | None = None, since: date | None = None, until: date | None = None,
                path: Path | None = None) -> pd.DataFrame:
    """Every column of the snapshot's ``weekly`` (the open-data export picks the contract's
    columns from it), optionally one district and a range of weeks, ordered by ags, week."""
    sql, params = "SELECT * FROM weekly WHERE true", []
    for clause, value in ((" AND ags = ?", ags), (" AND week >= ?", since), (" AND week <= ?", until)):
        if value is not None:
            sql += clause
            params.append(value)
    return _df(sql + " ORDER BY ags, week", params, path)


def reporting_status(now: datetime | None = None, ags: str | None = None,
                     since: date | None = None, until: date | None = None,
                     kinds: tuple[str, ...] | None = None,
                     path: Path | None = None) -> pd.DataFrame:
    """The ``reporting_status`` view (CONTRACT.md) as it stands at ``now`` (a UTC datetime
    without zone; default: the clock), with each district's name; optionally one district, a
    range of weeks (their Mondays) and district kinds, ordered by ags, week."""
    sql = ("SELECT s.*, d.name FROM reporting_status_at(CAST(? AS TIMESTAMP)) s "
           "JOIN district_ref d USING (ags) WHERE true")
    params: list = [now or utc_now()]
    for clause, value in ((" AND s.ags = ?", ags), (" AND s.week >= ?", since),
                          (" AND s.week <= ?", until),
                          (" AND list_contains(?, d.kind)", list(kinds) if kinds else None)):
        if value is not None:
            sql += clause
            params.append(value)
    return _df(sql + " ORDER BY s.ags, s.week", params, path)


def utc_now() -> datetime:
    """The clock as the store's timestamps are: UTC, without zone. In a view of the past
    (:func:`reception.store.asof.viewing`) the moment viewed: what was due then, as it stood."""
    from reception.store import asof

    return asof.viewed_moment() or datetime.now(UTC).replace(tzinfo=None)


def utc_minute() -> datetime:
    """:func:`utc_now` to the end of its minute: the pages' cached timeliness follows the clock
    by the minute (a status turns from open to missing at a deadline on the minute without a new
    load). The end, not the start: a report loaded earlier in this minute is not 'missing'."""
    return utc_now().replace(second=59, microsecond=999999)
