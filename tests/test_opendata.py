"""The open-data API (/api/v1/...) and ``python -m etl export``, against a hand-made database.

The routes are tested through Starlette's TestClient (the same Route objects ``dashboard.py``
mounts), and once through a served ``streamlit run dashboard.py`` to show they answer on the
app's own port.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import run_etl
from tests.opendata_support import ROWS, load_sample

testclient = pytest.importorskip("starlette.testclient", reason="starlette's TestClient needs httpx2")


@pytest.fixture
def sample_db(fresh_db: Path) -> Path:
    load_sample(fresh_db)
    return fresh_db


@pytest.fixture
def client(sample_db: Path):
    from starlette.applications import Starlette

    from reception.web import routes

    return testclient.TestClient(Starlette(routes=routes.routes()), raise_server_exceptions=False)


def rows_of(answer) -> list[dict]:
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8"))))


def test_districts_csv_lists_every_district_with_a_machine_readable_header(client) -> None:
    answer = client.get("/api/v1/districts.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert not answer.content.startswith(b"\xef\xbb\xbf")  # no BOM: for machines, not Excel
    rows = rows_of(answer)
    assert list(rows[0]) == ["ags", "name", "kind", "population"]
    assert len(rows) == 22
    gera = next(r for r in rows if r["ags"] == "16052")
    assert gera["name"] == "Gera" and gera["kind"] == "kreisfreie Stadt"
    assert gera["population"].isdigit()


def test_weekly_csv_filtered_by_district_and_dates_has_exactly_its_rows(client) -> None:
    answer = client.get("/api/v1/weekly.csv?ags=16052&from=2024-11-13&to=2024-12-31")
    assert answer.status_code == 200
    rows = rows_of(answer)
    assert [(r["ags"], r["week"]) for r in rows] == [("16052", "2024-11-18")]
    row = rows[0]
    assert (row["arrivals"], row["departures"], row["capacity"], row["occupied"]) == ("25", "4", "500", "511")
    assert row["occupancy_rate"] == "1.022"  # decimal point, not comma
    assert row["free_places"] == "-11" and row["reported"] == "true"


def test_weekly_csv_without_filters_has_every_district_week(client) -> None:
    rows = rows_of(client.get("/api/v1/weekly.csv"))
    reported = {(r["ags"], r["week"]) for r in rows if r["reported"] == "true"}
    mondays = {"2024-W46": "2024-11-11", "2024-W47": "2024-11-18"}
    assert reported == {(r[0], mondays[r[2]]) for r in ROWS}
    assert len(rows) == 22 * 2  # every district, every week from the first to the last report


def test_weekly_json_is_an_array_of_the_same_rows(client) -> None:
    answer = client.get("/api/v1/weekly.json?ags=16053")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    rows = answer.json()
    assert [r["week"] for r in rows] == ["2024-11-11", "2024-11-18"]
    assert rows[1] == {"ags": "16053", "week": "2024-11-18", "arrivals": 9, "departures": 4,
                       "capacity": 400, "occupied": 380, "occupancy_rate": 0.95,
                       "free_places": 20, "reported": True}


@pytest.mark.parametrize("query, says", [
    ("ags=1605", "5-stelligen"),
    ("ags=16067x", "5-stelligen"),
    ("ags=99999", "gibt es nicht"),
    ("from=2024-13-01", "JJJJ-MM-TT"),
    ("to=18.11.2024", "JJJJ-MM-TT"),
    ("from=2024-12-01&to=2024-01-01", "liegt nach"),
    ("kreis=16052", "Unbekannter Parameter"),
    ("ags=16052&ags=16053", "mehrfach"),
    ("ags=%27%3B%20DROP%20TABLE%20weekly%3B--", "5-stelligen"),
])
def test_bad_parameters_answer_400_with_a_plain_message(client, query: str, says: str) -> None:
    for path in ("/api/v1/weekly.csv", "/api/v1/weekly.json"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code == 400, (path, query)
        assert answer.headers["content-type"].startswith("text/plain")
        assert says in answer.text and "Traceback" not in answer.text


def test_bad_week_of_the_briefing_is_400_and_an_unreported_week_404(client) -> None:
    assert client.get("/api/v1/briefing.pdf?week=2024-W99").status_code == 400
    assert client.get("/api/v1/briefing.pdf?weeks=2024-W47").status_code == 400
    missing = client.get("/api/v1/briefing.pdf?week=2023-W10")
    assert missing.status_code == 404 and "2023-W10" in missing.text


def test_parameters_on_paths_without_any_are_refused(client) -> None:
    assert client.get("/api/v1/districts.csv?ags=16052").status_code == 400
    assert client.get("/api/v1/datapackage.json?x=1").status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v2/weekly.csv", "/api/", "/api/v1/weekly.xml",
                                  "/api/v1/weekly.csv/../../etc/passwd"])
def test_unknown_paths_under_api_answer_404(client, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert "Nicht gefunden" in answer.text


def test_an_unexpected_error_answers_500_with_a_reference_never_a_traceback(
        client, monkeypatch: pytest.MonkeyPatch) -> None:
    from reception.read import opendata

    def broken(**_):
        raise RuntimeError("secret internals /srv/db")

    monkeypatch.setattr(opendata, "weekly", broken)
    answer = client.get("/api/v1/weekly.csv")
    assert answer.status_code == 500
    assert "Kennung" in answer.text
    assert "secret" not in answer.text and "Traceback" not in answer.text


def test_without_a_snapshot_the_api_answers_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.applications import Starlette

    from reception.web import routes

    monkeypatch.setenv("RECEPTION_DB", str(tmp_path / "none.duckdb"))
    client = testclient.TestClient(Starlette(routes=routes.routes()))
    answer = client.get("/api/v1/weekly.csv")
    assert answer.status_code == 503 and "python -m etl init" in answer.text


def test_messages_are_english_when_the_caller_prefers_it(client) -> None:
    answer = client.get("/api/v1/weekly.csv?ags=1", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert answer.status_code == 400 and "5-digit" in answer.text


def test_datapackage_describes_every_column_with_type_and_description(client) -> None:
    package = client.get("/api/v1/datapackage.json").json()
    assert package["licenses"][0]["name"] == "dl-de-by-2.0"
    assert package["sources"] and package["stand"] == "KW 47/2024"
    assert package["version"].startswith("load-") and not package["demo"]
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == {"districts", "weekly"}
    csv_header = rows_of(client.get("/api/v1/weekly.csv"))[0].keys()
    fields = resources["weekly"]["schema"]["fields"]
    assert [f["name"] for f in fields] == list(csv_header)
    assert all(f["type"] and f["description"] for f in fields)
    assert {f["name"]: f["type"] for f in fields}["week"] == "date"
    assert resources["weekly"]["path"] == "weekly.csv"  # beside datapackage.json: /api/v1/weekly.csv


def test_export_writes_a_package_that_frictionless_validates(sample_db: Path, tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless", reason="frictionless is a test dependency")
    folder = tmp_path / "paket"
    result = run_etl("export", str(folder), env={"RECEPTION_DB": str(sample_db)})
    assert "weekly.csv" in result.stdout
    assert sorted(p.name for p in folder.iterdir()) == ["datapackage.json", "districts.csv", "weekly.csv"]
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["stand"] == "KW 47/2024"


def test_export_without_data_exits_1(tmp_path: Path) -> None:
    result = run_etl("export", str(tmp_path / "out"), env={"RECEPTION_DB": str(tmp_path / "x.duckdb")},
                     check=False)
    assert result.returncode == 1 and "python -m etl init" in result.stderr


@pytest.mark.slow
def test_the_served_app_answers_the_api_on_its_own_port(sample_db: Path, serve_app) -> None:
    app = serve_app(sample_db)
    with urllib.request.urlopen(app.url + "/api/v1/weekly.csv?ags=16051", timeout=30) as answer:
        body = answer.read().decode("utf-8")
    assert body.splitlines()[0].startswith("ags,week,arrivals") and "16051,2024-11-18,30,12" in body
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(app.url + "/api/v1/weekly.csv?from=gestern", timeout=30)
    assert refused.value.code == 400
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(app.url + "/api/v1/unbekannt", timeout=30)
    assert missing.value.code == 404
    with urllib.request.urlopen(app.url + "/", timeout=30) as page:  # the pages are still there
        assert page.status == 200
    # the briefing through the server's own worker thread (kaleido's Chromium, Typst)
    with urllib.request.urlopen(app.url + "/api/v1/briefing.pdf?week=2024-W47", timeout=120) as pdf:
        assert pdf.headers["Content-Type"] == "application/pdf"
        assert 'filename="lagebericht_KW47_2024.pdf"' in pdf.headers["Content-Disposition"]
        assert pdf.read().startswith(b"%PDF")
