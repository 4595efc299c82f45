"""Each page is one view of the snapshot, cached whole (issue 22): two viewers of the same data
version and filter share one build of the view; a new load builds a new one on the next run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reception.ingest import load
from reception.read import queries, views
from reception.store import db
from tests import dashboard_data
from tests.test_app_pages import open_page

# the page, a builder of reception.read.views it renders, the query its link carries
VIEWS = [
    ("lage", "lage", {}),
    ("kreis", "kreis", {"kreis": "16051"}),
    ("planung", "planung", {"einheit": "16051"}),
    ("vergleich", "vergleich", {}),
    ("karte", "karte", {}),
    ("meldungen", "meldungen", {}),
    ("meldungen", "changes", {}),  # "Was hat sich seit … geändert"
    ("meldungen", "loads", {}),  # the load history and the confirmed loads
    ("verteilung", "verteilung", {}),
    ("methodik", "methodik", {}),  # the texts with settings and figures, the key in force
]


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list:
    builds: list = []
    original = getattr(views, name)

    def counted(*args, **kwargs):
        builds.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(views, name, counted)
    return builds


def _load_more(path: Path) -> None:
    extra = pd.DataFrame([("16051", dashboard_data.WEEKS[-1], "", None, 1, 0, 1000, 10, 2)],
                         columns=["ags", "week", "facility", "facility_type", "arrivals", "departures",
                                  "capacity", "occupied", "line"])
    with db.writer(path) as con:
        load.write_rows(con, con.from_df(extra), "more.csv", "e" * 64, "cli", "test")
        db.publish_snapshot(con, Path(str(path) + ".snapshot"))


@pytest.mark.parametrize(("page", "builder", "query"), VIEWS, ids=[f"{p}-{b}" for p, b, _ in VIEWS])
def test_a_view_is_built_once_per_data_version_and_again_after_a_load(
        page: str, builder: str, query: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = dashboard_data.build(tmp_path / "views.duckdb")  # a new path: no view cached yet
    monkeypatch.setenv("RECEPTION_DB", str(path))
    builds = _counting(monkeypatch, builder)
    # Meldungen's view follows the clock by the minute: hold the minute so the test never
    # straddles one
    minute = queries.utc_minute()
    monkeypatch.setattr(queries, "utc_minute", lambda: minute)
    first = open_page(page, query)
    open_page(page, query)
    first.run()
    assert len(builds) == 1, "two viewers and a rerun of one data version: one build"
    _load_more(path)
    first.run()
    assert len(builds) == 2, "a new load: a new view"
