"""Timeliness as the API, the pages and the briefing read it (issue 24): ``/api/v1/reporting.csv``
and :mod:`reception.read.timeliness` on the published snapshot."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pandas as pd
import pytest

from reception.read import timeliness
from tests.remind_support import DUE_UTC, load

testclient = pytest.importorskip("starlette.testclient", reason="starlette's TestClient needs httpx2")


@pytest.fixture
def timely_db(fresh_db):
    """KW 45/2024: Erfurt on time, Gera a day late, Jena loaded and rolled back; KW 44 and 46
    from everyone but Jena on time. (The other districts never report.)"""
    from reception.ingest.load import rollback
    from reception.store import db

    # occupied grows by arrivals - departures (5 - 2) a week: no plausibility finding
    for week, due, occupied in (("2024-W44", DUE_UTC - timedelta(days=7), 50),
                                ("2024-W46", DUE_UTC + timedelta(days=7), 56)):
        load([("16051", 100, occupied), ("16052", 100, occupied)], f"{week}.csv",
             due - timedelta(hours=1), week=week)
    load([("16051", 100, 53)], "erfurt.csv", DUE_UTC - timedelta(hours=1))
    load([("16052", 100, 53)], "gera.csv", DUE_UTC + timedelta(days=1))
    jena = load([("16053", 100, 50)], "jena.csv", DUE_UTC - timedelta(hours=1))
    with db.writer() as con:
        rollback(con, jena)
        db.publish_snapshot(con)
    return fresh_db


def test_reporting_csv_is_the_view_with_utc_timestamps_and_filters(timely_db):
    from starlette.applications import Starlette

    from reception.web import routes

    client = testclient.TestClient(Starlette(routes=routes.routes()), raise_server_exceptions=False)
    answer = client.get("/api/v1/reporting.csv?ags=16052&from=2024-11-04&to=2024-11-04")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8"))))
    assert rows == [{"ags": "16052", "week": "2024-11-04", "due_at": "2024-11-12T11:00:00Z",
                     "status": "late", "first_loaded_at": "2024-11-13T11:00:00Z",
                     "last_loaded_at": "2024-11-13T11:00:00Z", "loads": "1"}]
    jena = list(csv.DictReader(io.StringIO(client.get(
        "/api/v1/reporting.csv?ags=16053&from=2024-11-04&to=2024-11-04").text)))
    assert jena[0]["status"] == "missing" and jena[0]["first_loaded_at"] == ""  # rolled back
    everything = list(csv.DictReader(io.StringIO(client.get("/api/v1/reporting.csv").text)))
    weeks = {r["week"] for r in everything}
    assert min(weeks) == "2024-10-28" and len({r["ags"] for r in everything}) == 22
    assert client.get("/api/v1/reporting.csv?ags=99999").status_code == 400
    assert client.get("/api/v1/reporting.csv?week=2024-W45").status_code == 400


def test_on_time_rate_counts_the_recent_due_weeks(timely_db):
    from reception.read import queries

    status = queries.reporting_status(now=DUE_UTC + timedelta(days=8),
                                      until=pd.Timestamp("2024-11-11").date())
    rates = timeliness.on_time_rates(status)
    assert rates["16051"] == 1.0  # 3 of 3
    assert rates["16052"] == pytest.approx(2 / 3)  # KW 45 late
    assert rates["16053"] == 0.0 and rates["16054"] == 0.0
    table = timeliness.rate_table(status)
    assert table.iloc[-1].tolist() == ["16051", "Erfurt", 1.0, 3, 0, 0]
    gera = table[table.ags == "16052"].iloc[0]
    assert (gera.on_time, gera.late, gera.missing) == (2, 1, 0)
    coded = timeliness.matrix(status)
    assert coded.loc["Gera"].tolist() == [2.0, 1.0, 2.0]
    assert coded.loc["Jena"].tolist() == [0.0, 0.0, 0.0]
    assert timeliness.missing_in(status, "2024-11-04")[:3] == ["Altenburger Land", "Eichsfeld",
                                                               "Gotha"]


def test_the_week_now_due_lists_who_is_still_open():
    status = pd.DataFrame({
        "ags": ["1", "2", "3", "1", "2", "3"], "name": ["A", "B", "C", "A", "B", "C"],
        "week": pd.to_datetime(["2024-11-04"] * 3 + ["2024-11-11"] * 3),
        "status": ["on_time", "late", "missing", "on_time", "open", "open"],
        "due_at": pd.to_datetime(["2024-11-12 11:00"] * 3 + ["2024-11-19 11:00"] * 3)})
    assert timeliness.still_missing(status).name.tolist() == ["B", "C"]


def test_parse_instant_reads_berlin_time_without_a_zone():
    assert timeliness.parse_instant("2024-11-12T12:00") == datetime(2024, 11, 12, 11, 0)
    assert timeliness.parse_instant("2024-07-09T12:00") == datetime(2024, 7, 9, 10, 0)
    assert timeliness.parse_instant("2024-11-12T11:00:01Z") == datetime(2024, 11, 12, 11, 0, 1)
    with pytest.raises(ValueError):
        timeliness.parse_instant("Dienstag")


def test_the_briefing_names_who_was_late_and_who_is_missing(timely_db):
    from reception.read import briefing

    text = briefing.content(week=pd.Timestamp("2024-11-04").date())["deadline"]
    assert text.startswith("Meldefrist KW 45/2024 (Di 12.11.2024 12:00 Uhr): pünktlich 1 von 22 "
                           "Kreisen; verspätet: Gera; fehlt: Altenburger Land, Eichsfeld, ")
    assert "Jena" in text.split("fehlt:")[1] and "Erfurt" not in text


def test_as_of_shows_the_statuses_at_that_moment(timely_db):
    from starlette.applications import Starlette

    from reception.web import routes

    client = testclient.TestClient(Starlette(routes=routes.routes()), raise_server_exceptions=False)
    # an hour before KW 45's deadline: Gera's late report and the deadline itself lie ahead
    answer = client.get("/api/v1/reporting.csv?ags=16052&as_of=2024-11-12T10:00:00Z")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert answer.status_code == 200, answer.text
    assert [(r["week"], r["status"]) for r in rows] == [("2024-10-28", "on_time"),
                                                        ("2024-11-04", "open")]


def test_the_pages_minute_never_lies_before_the_clock(monkeypatch):
    """The pages judge timeliness at queries.utc_minute(); a report loaded 30 s into the minute
    must not read as missing in the rest of that minute (it did: the minute's start was used)."""
    from reception.read import queries
    from reception.store import asof

    moment = datetime(2024, 11, 12, 10, 17, 30, 250000)
    monkeypatch.setattr(asof, "viewed_moment", lambda: moment)
    assert moment <= queries.utc_minute() < moment + timedelta(minutes=1)
    assert queries.utc_minute().minute == moment.minute
