"""Timeliness of the weekly reports (issue 24): who reported on time, late, or not at all.

The statuses come from the store (``reporting_status_at``, migration 009: ``on_time``, ``late``,
``missing``, ``open``); this module turns them into what pages, the briefing and ``etl remind``
show: each district's on-time rate over the recent weeks, the heatmap's matrix, the districts
still open for the week now due, and the instant ``--now`` / ``as_of`` names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from reception.store import asof

BERLIN = ZoneInfo("Europe/Berlin")
RATE_WEEKS = 12  # the on-time rate counts this many recent weeks that are due
# the heatmap's codes: missing 0, late 1, on time 2; open (not yet due) stays empty
CODES = {"missing": 0, "late": 1, "on_time": 2}
DUE = ("on_time", "late", "missing")


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date-time (with an offset or ``Z``; without one it is Berlin local time) as
    UTC without zone, as the store keeps timestamps (the rule of ``as_of``: ``asof.parse``).
    ValueError where it is none."""
    return asof.parse(text)  # asof.BadMoment is a ValueError


def berlin(moment: datetime) -> datetime:
    """A UTC timestamp without zone as Berlin local time."""
    return pd.Timestamp(moment).to_pydatetime().replace(tzinfo=UTC).astimezone(BERLIN)


def on_time_rates(status: pd.DataFrame, weeks: int = RATE_WEEKS) -> pd.Series:
    """Per ags: the share of its last ``weeks`` due weeks whose report came on time (NaN where
    none is due yet). A late report counts as not on time, a missing one too."""
    due = status[status.status.isin(DUE)]
    if due.empty:
        return pd.Series(dtype="float64", name="on_time_rate")
    recent = due.sort_values("week").groupby("ags").tail(weeks)
    rate = recent.assign(hit=recent.status.eq("on_time")).groupby("ags").hit.mean()
    return rate.rename("on_time_rate")


def matrix(status: pd.DataFrame, since=None) -> pd.DataFrame:
    """District name x week (from week ``since`` on): 2 on time, 1 late, 0 missing, NaN open
    (not yet due)."""
    if since is not None:
        status = status[pd.to_datetime(status.week) >= pd.Timestamp(since)]
    if status.empty:
        return pd.DataFrame()
    coded = status.assign(code=status.status.map(CODES).astype("float64"),
                          week=pd.to_datetime(status.week))
    return (coded.pivot_table(index="name", columns="week", values="code", aggfunc="max",
                              dropna=False)
            .sort_index(ascending=False))


def latest_week(status: pd.DataFrame) -> pd.DataFrame:
    """The rows of the latest week in ``status`` (the report now due or just past due)."""
    if status.empty:
        return status
    return status[status.week == status.week.max()]


def still_missing(status: pd.DataFrame) -> pd.DataFrame:
    """Districts whose report of the latest week has not come (open or missing), by name."""
    latest = latest_week(status)
    return latest[latest.status.isin(("open", "missing"))].sort_values("name")


def missing_in(status: pd.DataFrame, week) -> list[str]:
    """Names of the districts whose report of ``week`` is missing, alphabetically."""
    rows = status[(pd.to_datetime(status.week) == pd.Timestamp(week))
                  & status.status.eq("missing")]
    return sorted(rows.name.tolist())


def rate_table(status: pd.DataFrame, weeks: int = RATE_WEEKS) -> pd.DataFrame:
    """Per district: name, on-time rate, and how many of the recent due weeks were on time, late,
    missing; lowest rate first."""
    if status.empty:
        return pd.DataFrame(columns=["ags", "name", "on_time_rate", "on_time", "late", "missing"])
    due = status[status.status.isin(DUE)].sort_values("week").groupby("ags").tail(weeks)
    counts = (due.pivot_table(index="ags", columns="status", values="week", aggfunc="count")
              .reindex(columns=list(DUE)).fillna(0).astype(int))
    names = status.groupby("ags").name.first()
    table = counts.join(on_time_rates(status, weeks)).join(names).reset_index()
    order = table.on_time_rate.fillna(np.inf)
    return (table.assign(_order=order).sort_values(["_order", "name"])
            [["ags", "name", "on_time_rate", "on_time", "late", "missing"]].reset_index(drop=True))
