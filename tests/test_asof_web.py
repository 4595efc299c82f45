"""The figures as they stood at T on the pages (``?stand=``), in the API (``?as_of=``), in the
briefing (``etl briefing --as-of``) and in "Was hat sich seit … geändert"."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from reception.read import briefing, changes
from reception.store import asof
from tests.conftest import run_etl
from tests.test_asof import MICRO, load, loaded_at, report, rollback, rolled_back_at

testclient = pytest.importorskip("starlette.testclient", reason="starlette's TestClient needs httpx2")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def client(fresh_db: Path):
    from starlette.applications import Starlette

    from reception.web import routes

    return testclient.TestClient(Starlette(routes=routes.routes()), raise_server_exceptions=False)


def utc_text(moment) -> str:
    return moment.isoformat() + "Z"


def test_every_api_path_answers_as_of_t_the_same_bytes_whatever_happens_later(fresh_db, client):
    first = load(report(10, 500), "erste.csv")
    moment = utc_text(loaded_at(fresh_db, first) + timedelta(milliseconds=1))
    paths = ("/api/v1/weekly.csv", "/api/v1/weekly.json", "/api/v1/districts.csv",
             "/api/v1/datapackage.json")
    before = {path: client.get(path, params={"as_of": moment}) for path in paths}
    assert all(answer.status_code == 200 for answer in before.values())
    assert b"16051,2024-11-04,10," in before["/api/v1/weekly.csv"].content
    second = load(report(30, 600), "korrektur.csv")
    load(report(5, 600, "2024-W46"), "kw46.csv")
    rollback(first)
    for path in paths:
        assert client.get(path, params={"as_of": moment}).content == before[path].content, path
    now = client.get("/api/v1/weekly.csv").content
    assert b"16051,2024-11-04,30," in now and now != before["/api/v1/weekly.csv"].content
    earlier = utc_text(loaded_at(fresh_db, second) - MICRO)
    assert b"16051,2024-11-04,10," in client.get("/api/v1/weekly.csv?as_of=" + earlier).content


@pytest.mark.parametrize("value", ["gestern", "", "2026-12-01T25:00", "12/01/2026"])
def test_a_bad_as_of_is_400_with_a_plain_message(fresh_db, client, value):
    load(report(10, 500), "erste.csv")
    answer = client.get("/api/v1/weekly.csv", params={"as_of": value})
    assert answer.status_code == 400
    assert "ISO 8601" in answer.text and "Traceback" not in answer.text


def test_as_of_twice_is_400(fresh_db, client):
    load(report(10, 500), "erste.csv")
    answer = client.get("/api/v1/weekly.csv?as_of=2026-12-01T10:00&as_of=2026-12-02T10:00")
    assert answer.status_code == 400 and "as_of" in answer.text


def test_the_briefing_as_of_t_shows_the_figures_then(fresh_db):
    first = load(report(10, 500), "erste.csv")
    load(report(30, 600), "korrektur.csv")
    with asof.viewing(loaded_at(fresh_db, first)):
        then = briefing.content()
    now = briefing.content()
    assert "Historische Ansicht" in then["stand"] and "Historische Ansicht" not in now["stand"]
    arrivals_then, arrivals_now = then["headlines"]["rows"][0][1], now["headlines"]["rows"][0][1]
    assert (arrivals_then, arrivals_now) == ("10", "30")


def test_etl_briefing_refuses_a_bad_as_of_with_exit_2(fresh_db):
    result = run_etl("briefing", "--as-of", "gestern", env={"RECEPTION_DB": str(fresh_db)},
                     check=False)
    assert result.returncode == 2 and "ISO 8601" in result.stderr


def test_changes_name_each_changed_figure_with_the_loads_that_changed_it(fresh_db):
    first = load(report(10, 500), "erste.csv")
    second = load(report(30, 500), "korrektur.csv")
    third = load(report(5, 600, "2024-W46"), "kw46.csv")
    rollback(third)
    since = loaded_at(fresh_db, first)
    found = changes.between(asof.snapshot(since), asof.snapshot(rolled_back_at(fresh_db, third)),
                            since, rolled_back_at(fresh_db, third))
    rows = found[["week", "figure", "before", "after", "loads", "rollbacks"]].astype(str)
    assert rows.values.tolist() == [["2024-11-04", "arrivals", "10", "30", str(second), ""]]
    during = changes.between(asof.snapshot(since), asof.snapshot(loaded_at(fresh_db, third)),
                             since, loaded_at(fresh_db, third))
    assert set(during.figure[during.week.astype(str) == "2024-11-11"]) == {
        "arrivals", "departures", "capacity", "occupied"}
    assert set(during.loads[during.week.astype(str) == "2024-11-11"]) == {str(third)}


def open_page(page: str, stand: str | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if stand:
        at.query_params["stand"] = stand
    at.run()
    if page != "lage":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_pages_with_stand_show_the_banner_and_the_figures_then(fresh_db):
    load(report(10, 500), "erste.csv")
    second = load(report(30, 600), "korrektur.csv")
    load(report(5, 600, "2024-W46"), "kw46.csv")
    rollback(second)
    moment = asof.local(loaded_at(fresh_db, second) - MICRO)  # after the first load, before the second
    stand = moment.isoformat()
    at = open_page("lage", stand)
    banner = at.warning[0].value
    shown = moment.strftime("%d.%m.%Y %H:%M")
    assert f"Historische Ansicht: Stand {shown}" in banner
    assert "seitdem 2 Loads, 1 Rücknahme" in banner
    assert at.query_params["stand"] == stand
    now = open_page("lage", "heute")  # the banner's link back to today
    assert not any("Historische Ansicht" in w.value for w in now.warning)
    assert "stand" not in now.query_params


def test_meldungen_lists_what_changed_in_the_last_week(fresh_db):
    load(report(10, 500), "erste.csv")
    load(report(30, 600), "korrektur.csv")
    at = open_page("meldungen", None)
    assert any("Was hat sich seit" in h.value for h in at.header)
    table = next(d.value for d in at.dataframe if "Kennzahl" in d.value.columns)
    # since a week ago: every figure is new
    assert set(table["Kennzahl"]) == {"Zugänge", "Abgänge", "Plätze", "Belegung"}
    assert set(table["vorher"]) == {"–"} and "30" in set(table["nachher"])


def test_kreis_with_stand_shows_the_figures_then_beside_todays_cached_view(fresh_db):
    """The Kreis view is cached per data version: today's view, built first, is not what a
    viewer of the past is shown, nor the other way round."""
    first = load(report(10, 500), "erste.csv")
    load(report(30, 600), "korrektur.csv")
    moment = asof.local(loaded_at(fresh_db, first) + MICRO)  # after the first load, before the second

    def places(stand: str | None) -> str:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.query_params["kreis"] = "16051"
        if stand:
            at.query_params["stand"] = stand
        at.run()
        at.switch_page("pages/kreis.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return {m.label: m.value for m in at.metric}["Plätze"]

    assert places(None) == "600"
    assert places(moment.isoformat()) == "500"
    assert places(None) == "600"
