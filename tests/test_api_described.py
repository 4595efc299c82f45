"""/api/v1/allocation.csv and /api/v1/openapi.json (issue 25 §2, §4), against the hand-made
database of tests/opendata_support.py: Erfurt, Gera and Jena reported KW 46 and 47/2024.

The proposal for KW 48 by hand: Ist (KW 46 + 47) Erfurt 50, Gera 40, Jena 17, the others 0;
N = 30 -> total 137; Soll Erfurt 9,5 % x 137 = 13,015 (deficit -36,985), Jena 5 % x 137 = 6,85
(deficit -10,15); Gera is over its places (cap 0), the 19 others never reported (cap 0). Jena
(20 free places) is behind Erfurt (382 free) until its cap: Jena 20, Erfurt 10.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

# the hand-made database and a TestClient of the app's routes, as the other API tests use them
from tests import test_opendata
from tests.etl_support import HEADER_DE, assert_loaded, csv_bytes, ingest

sample_db, client, rows_of = test_opendata.sample_db, test_opendata.client, test_opendata.rows_of

testclient = pytest.importorskip("starlette.testclient", reason="starlette's TestClient needs httpx2")


def test_allocation_csv_proposes_by_deficit_within_free_places(client) -> None:
    answer = client.get("/api/v1/allocation.csv?persons=30")
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="verteilung_2024-W48.csv"' in answer.headers["content-disposition"]
    rows = rows_of(answer)
    assert list(rows[0]) == ["ags", "name", "share_percent", "soll", "ist", "deficit",
                             "free_usable", "cap", "proposed"]
    assert len(rows) == 22  # no unplaced row: all 30 fit
    given = {r["ags"]: int(r["proposed"]) for r in rows if r["proposed"] != "0"}
    assert given == {"16051": 10, "16053": 20}
    erfurt = next(r for r in rows if r["ags"] == "16051")
    assert (erfurt["soll"], erfurt["ist"], erfurt["deficit"], erfurt["free_usable"], erfurt["cap"]) == (
        "13.02", "50", "-36.98", "382", "382")  # 13.015 and -36.985 rounded to cents
    gera = next(r for r in rows if r["ags"] == "16052")
    assert (gera["free_usable"], gera["cap"]) == ("-11", "0")
    assert client.get("/api/v1/allocation.csv?persons=30&week=2024-W48").content == answer.content


def test_allocation_csv_ends_with_the_persons_nobody_can_take(client) -> None:
    rows = rows_of(client.get("/api/v1/allocation.csv?persons=500"))
    assert rows[-1]["ags"] == "" and rows[-1]["name"] == "nicht unterzubringen"
    assert rows[-1]["proposed"] == "98"  # 500 - 382 - 20
    assert sum(int(r["proposed"]) for r in rows) == 500


@pytest.mark.parametrize("query, says", [
    ("", "„persons“ fehlt"),
    ("persons=-1", "ganze Zahl"),
    ("persons=3.5", "ganze Zahl"),
    ("persons=1000001", "ganze Zahl"),
    ("persons=10&week=2024-W99", "2024-W99"),
    ("persons=10&as_of=gestern", "ISO 8601"),
    ("as_of=2024-11-26T10:00", "„persons“ fehlt"),
    ("persons=10&persons=11", "mehrfach"),
    ("persons=10&ags=16051", "Unbekannter Parameter"),
])
def test_allocation_bad_parameters_answer_400_in_plain_words(client, query: str, says: str) -> None:
    answer = client.get(f"/api/v1/allocation.csv?{query}")
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/plain")
    assert says in answer.text


def test_allocation_without_a_key_in_force_is_404(client) -> None:
    answer = client.get("/api/v1/allocation.csv?persons=10&week=2010-W01")  # key from 2014-12-02
    assert answer.status_code == 404 and "Verteilschlüssel" in answer.text


def test_allocation_as_of_a_moment_uses_the_figures_as_they_stood_then(client, sample_db: Path) -> None:
    from reception.store import db

    with db.reader() as con:
        first_loaded = con.execute("SELECT max(loaded_at) FROM loads").fetchone()[0]
    # Jena corrects KW 47: 390 places instead of 400, so 10 free instead of 20
    assert_loaded(ingest(csv_bytes([HEADER_DE, ["16053", "Jena", "2024-W47", 9, 4, 390, 380]]),
                         "korrektur.csv", db_path=sample_db, publish=True))
    now = {r["ags"]: r["proposed"] for r in rows_of(client.get("/api/v1/allocation.csv?persons=30"))}
    assert (now["16053"], now["16051"]) == ("10", "20")
    moment = first_loaded.isoformat() + "Z"  # loaded_at is UTC
    then = client.get(f"/api/v1/allocation.csv?persons=30&as_of={moment}")
    assert then.status_code == 200
    assert {r["ags"]: r["proposed"] for r in rows_of(then) if r["proposed"] != "0"} == {
        "16051": "10", "16053": "20"}
    before = client.get("/api/v1/allocation.csv?persons=30&as_of=2000-01-01T00:00Z")
    assert before.status_code == 404  # nothing reported yet then: no week to propose for


def test_the_openapi_document_is_valid_and_lists_every_route(client) -> None:
    validator = pytest.importorskip("openapi_spec_validator", reason="a dev requirement")
    from reception.web import api

    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    document = answer.json()
    validator.validate(document)
    assert document["openapi"] == "3.1.0"
    served = {route.path for route in api.routes()} - {"/api/{rest:path}"}
    assert set(document["paths"]) == served
    allocation = document["paths"]["/api/v1/allocation.csv"]["get"]
    assert {p["name"]: p["required"] for p in allocation["parameters"]} == {
        "persons": True, "week": False, "as_of": False}
    assert {"200", "400", "404", "500", "503"} <= set(allocation["responses"])
    weekly = document["paths"]["/api/v1/weekly.json"]["get"]["responses"]["200"]
    fields = weekly["content"]["application/json"]["schema"]["items"]["properties"]
    assert fields["week"]["format"] == "date" and fields["arrivals"]["type"] == ["integer", "null"]


def test_a_common_parameter_is_one_entry_and_reaches_every_data_path(monkeypatch) -> None:
    from reception.web import api

    extra = api.Param("probe", {"type": "string"}, "only for this test", lambda v, n, lang: v)
    monkeypatch.setattr(api, "COMMON_PARAMS", (extra,))
    document = api.openapi()
    for entry in api.ENDPOINTS:
        names = [p["name"] for p in document["paths"][entry.path]["get"].get("parameters", [])]
        assert ("probe" in names) == entry.common, entry.path


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_answer_breaking_the_document(
        sample_db: Path, serve_app, tmp_path: Path) -> None:
    pytest.importorskip("schemathesis", reason="a dev requirement")
    app = serve_app(sample_db)
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{app.url}/api/v1/openapi.json",
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
         "response_schema_conformance", "--max-examples", "25", "--seed", "25",
         "--phases", "examples,coverage,fuzzing", "--request-timeout", "180", "--no-color"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900)  # its cache: .schemathesis/
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    cases = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert cases and cases[1] == cases[2] and int(cases[1]) >= 100  # it really ran (324 on 2026-12-07)
