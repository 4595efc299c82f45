"""A small database for the dashboard tests, written through the real write path.

Weeks KW 42-47/2024 (Mondays 14.10.-18.11.2024):
* Erfurt (16051): every week, district totals, filling up (capacity 100, occupied 80 -> 96);
* Gotha (16067): per facility, two facilities (one with a hostile name), over capacity at the end;
* Jena (16053): only KW 42 (capacity and occupancy carried forward afterwards);
* every other district: no report at all.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from reception.ingest import load
from reception.reference import districts
from reception.store import db

FIRST_WEEK = date(2024, 10, 14)
WEEKS = [FIRST_WEEK + timedelta(weeks=k) for k in range(6)]  # KW 42 .. KW 47/2024
HOSTILE_FACILITY = "=HYPERLINK(\"http://x\")<b>Halle</b>"


def _rows() -> pd.DataFrame:
    rows = []
    erfurt_occupied = [80, 84, 88, 90, 93, 96]
    for week, occupied, arrivals in zip(WEEKS, erfurt_occupied, [10, 12, 14, 16, 18, 20]):
        rows.append(("16051", week, "", None, arrivals, arrivals - 6, 100, occupied))
    for index, week in enumerate(WEEKS):
        rows.append(("16067", week, "GU Nord", "GU", 5, 2, 50, 45 + index))
        rows.append(("16067", week, HOSTILE_FACILITY, "Notunterkunft", 3, 1, 20, 18 + index))
    rows.append(("16053", WEEKS[0], "", None, 7, 3, 60, 30))
    frame = pd.DataFrame(rows, columns=["ags", "week", "facility", "facility_type", "arrivals",
                                        "departures", "capacity", "occupied"])
    frame["line"] = range(2, len(frame) + 2)
    return frame


def build(path: Path, rows: pd.DataFrame | None = None, with_rows: bool = True) -> Path:
    """Create the database at ``path`` and publish its snapshot; returns the database path."""
    with db.writer(path) as con:
        districts.install_reference(con, districts.read_reference())
        districts.install_distribution_key(con)
        if with_rows:
            frame = _rows() if rows is None else rows
            load.write_rows(con, con.from_df(frame), "fixture.csv", "f" * 64, "cli", "test")
        db.publish_snapshot(con, Path(str(path) + ".snapshot"))
    return path


def single_week_rows() -> pd.DataFrame:
    frame = _rows()
    return frame[frame.week == WEEKS[-1]].reset_index(drop=True)


def add_jena_places(path: Path) -> None:
    """A second load: Jena reports 1.000 places in the last week (a new data version)."""
    extra = pd.DataFrame([("16053", WEEKS[-1], "", None, 1, 0, 1000, 10, 2)],
                         columns=["ags", "week", "facility", "facility_type", "arrivals", "departures",
                                  "capacity", "occupied", "line"])
    with db.writer(path) as con:
        load.write_rows(con, con.from_df(extra), "more.csv", "e" * 64, "cli", "test")
        db.publish_snapshot(con, Path(str(path) + ".snapshot"))
