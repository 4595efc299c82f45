"""What changed between two moments: per district-week the reported figures that differ, with
the loads that changed them (Meldungen, "Was hat sich seit … geändert").

Both sides are snapshots (the app's, or one of the past: :mod:`reception.store.asof`), read by
:func:`reception.read.queries.weekly`, so the figures compared are those the pages showed then
and show now. Only reported district-weeks count: a figure carried forward from an earlier week
is no report of its own. A district-week reported on one side only changed from or to "–".
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from reception.read import queries
from reception.store import db

FIGURES = ("arrivals", "arrivals_asylum", "arrivals_ukraine", "arrivals_other", "departures",
           "capacity", "capacity_unusable", "occupied", "occupied_entitled", "announced")
COLUMNS = ["ags", "name", "week", "figure", "before", "after", "loads", "rollbacks"]


def _reported(path: Path) -> pd.DataFrame:
    frame = queries.weekly(path=path)
    return frame.loc[frame.reported, ["ags", "name", "week", *FIGURES]]


def _events(after: Path, since: datetime, until: datetime | None) -> pd.DataFrame:
    """Per district-week the loads (not rejected) made and rolled back in (since, until], as
    texts of ids ("12, 14"), from the load history of the later snapshot."""
    with db.reader(after) as con:
        frame = con.execute(
            "SELECT DISTINCT w.ags, w.week, l.load_id, "
            "l.loaded_at > $1 AND coalesce(l.loaded_at <= $2, true) AND l.status <> 'rejected' "
            "AS made, coalesce(l.rolled_back_at > $1 AND coalesce(l.rolled_back_at <= $2, true), "
            "false) AS undone FROM load_week w JOIN load_log l USING (load_id) "
            "WHERE l.loaded_at > $1 OR l.rolled_back_at > $1 ORDER BY l.load_id",
            [since, until]).df()
    if frame.empty:
        return pd.DataFrame(columns=["ags", "week", "loads", "rollbacks"])
    frame["week"] = pd.to_datetime(frame["week"])

    def ids(kind: str) -> pd.Series:
        chosen = frame[frame[kind]]
        return chosen.groupby(["ags", "week"]).load_id.agg(lambda found: ", ".join(map(str, found)))

    return pd.concat({"loads": ids("made"), "rollbacks": ids("undone")}, axis=1).reset_index()


def between(before: Path, after: Path, since: datetime, until: datetime | None) -> pd.DataFrame:
    """One row per changed figure: ags, name, week, figure (a column of ``weekly``), before,
    after (NaN: not reported), loads and rollbacks (ids as text, "" where none) in (since,
    until]; ordered by district name, week, figure. ``before``/``after``: the snapshots at
    ``since`` and ``until`` (None: now)."""
    old, new = _reported(before), _reported(after)
    merged = old.merge(new, on=["ags", "week"], how="outer", suffixes=("_before", "_after"))
    merged["name"] = merged.name_after.fillna(merged.name_before)
    parts = []
    for figure in FIGURES:
        was, now = merged[f"{figure}_before"], merged[f"{figure}_after"]
        same = (was == now).fillna(False).astype(bool) | (was.isna() & now.isna())
        changed = ~same
        if changed.any():
            parts.append(pd.DataFrame({"ags": merged.ags[changed], "name": merged.name[changed],
                                       "week": merged.week[changed], "figure": figure,
                                       "before": was[changed], "after": now[changed]}))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    found = pd.concat(parts, ignore_index=True)
    found = found.merge(_events(after, since, until), on=["ags", "week"], how="left")
    for column in ("loads", "rollbacks"):
        found[column] = found[column].astype(object).where(found[column].notna(), "")
    order = {figure: i for i, figure in enumerate(FIGURES)}
    found["_order"] = found.figure.map(order)
    return found.sort_values(["name", "week", "_order"]).drop(columns="_order")[COLUMNS] \
        .reset_index(drop=True)
