"""Vergleich and Karte with the measures of issue 14 (usable rate, share entitled to move out,
Ukraine share of arrivals), through Streamlit's AppTest against the dashboard fixture plus the
parts for Erfurt: Erfurt reports the split, Gotha and Jena report first-version figures only."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests import dashboard_data
from tests.test_app_pages import charts, open_page, texts

MAP_MEASURES = ("usable_rate", "entitled_share", "ukraine_share_4w")
COMPARISON_MEASURES = ("usable_rate", "entitled_share", "ukraine_share")
SHARE_COLUMNS = ["Auslastung (belegbare Plätze)", "Anteil Auszugsberechtigte", "Anteil Ukraine (4 Wochen)"]


def _rows() -> pd.DataFrame:
    """Erfurt (KW 42-47/2024: arrivals 10 ... 20, 100 places, occupied 80 ... 96) gains Ukraine
    arrivals 1 ... 6, 10 unusable places and 24 entitled to move out in every week."""
    frame = dashboard_data._rows()
    erfurt = frame.ags == "16051"
    frame["arrivals_ukraine"] = pd.array([None] * len(frame), dtype="Int64")
    frame["capacity_unusable"] = pd.array([None] * len(frame), dtype="Int64")
    frame["occupied_entitled"] = pd.array([None] * len(frame), dtype="Int64")
    frame.loc[erfurt, "arrivals_ukraine"] = [1, 2, 3, 4, 5, 6]
    frame.loc[erfurt, "capacity_unusable"] = 10
    frame.loc[erfurt, "occupied_entitled"] = 24
    return frame


@pytest.fixture(scope="module")
def shares_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dashboard_data.build(tmp_path_factory.mktemp("shares") / "reception.duckdb", _rows())


@pytest.fixture
def app_db(shares_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RECEPTION_DB", str(shares_db))
    monkeypatch.delenv("RECEPTION_GEOJSON", raising=False)
    return shares_db


def _table(at) -> pd.DataFrame:
    return at.dataframe[0].value.set_index(at.dataframe[0].value.columns[0])


@pytest.mark.parametrize("view", ["boundaries", "tiles"])
@pytest.mark.parametrize("measure", MAP_MEASURES)
def test_karte_offers_each_new_measure(app_db, measure, view):
    at = open_page("karte")
    at.radio(key="map_view").set_value(view).run()
    at.radio(key="map_measure").set_value(measure).run()
    assert not at.exception, [e.value for e in at.exception]
    spec = json.loads(charts(at)[0].proto.spec)
    assert len([t for t in spec["data"] if t.get("fill") == "toself"]) == 22
    label = {"usable_rate": "Auslastung der belegbaren Plätze", "entitled_share": "Anteil Auszugsberechtigte",
             "ukraine_share_4w": "Anteil Ukraine an Zugängen (4 Wochen)"}[measure]
    assert spec["layout"]["title"]["text"].endswith(f": {label}")
    table = _table(at)
    assert list(table.columns[-3:]) == SHARE_COLUMNS
    # Erfurt, last week: 96 of 90 usable places; 24 of 96 entitled; KW 44-47 Ukraine 18 of 68
    assert list(table.loc["Erfurt", SHARE_COLUMNS]) == ["106,7 %", "25,0 %", "26,5 %"]
    assert list(table.loc["Gotha", SHARE_COLUMNS]) == ["104,3 %", "–", "–"]
    if view == "boundaries":
        assert any("© GeoBasis-DE / BKG (2020), Daten verändert" in c.value for c in at.caption)


def test_karte_summaries_of_the_new_measures(app_db):
    at = open_page("karte")
    at.radio(key="map_measure").set_value("usable_rate").run()
    summary = ("Auslastung der belegbaren Plätze: am höchsten Erfurt (106,7 %), am niedrigsten "
               "Jena (50,0 %). Gemessen an den belegbaren Plätzen: 2 Kreise an der Belastungsgrenze, "
               "0 angespannt.")
    assert summary in texts(at)
    at.radio(key="map_measure").set_value("ukraine_share_4w").run()
    body = texts(at)
    assert "Anteil Ukraine an Zugängen (4 Wochen): nur für Erfurt (26,5 %). Nicht gemeldet: " in body
    assert "Nicht gemeldet: Altenburger Land, Eichsfeld, Gera, Gotha, Greiz und 16 weitere." in body
    spec = json.loads(charts(at)[0].proto.spec)
    erfurt = next(t for t in spec["data"] if t.get("name") == "Erfurt")
    assert "Anteil Ukraine an Zugängen (4 Wochen): 26,5 %" in erfurt["text"]
    gotha = next(t for t in spec["data"] if t.get("name") == "Gotha")
    assert "Anteil Ukraine an Zugängen (4 Wochen): nicht gemeldet" in gotha["text"]
    assert any(t.get("name") == "nicht gemeldet" for t in spec["data"])  # the grey's legend


@pytest.mark.parametrize("measure", COMPARISON_MEASURES)
def test_vergleich_offers_each_new_measure_in_percent(app_db, measure):
    at = open_page("vergleich")
    at.multiselect(key="compare").set_value(["16051", "16067"]).run()
    at.selectbox(key="compare_measure").set_value(measure).run()
    assert not at.exception, [e.value for e in at.exception]
    # a ratio is never per 1,000 inhabitants: no scale to choose, a note instead
    assert "compare_scale" not in [radio.key for radio in at.radio]
    assert "ist ein Anteil und wird nicht auf die Einwohnerzahl bezogen" in texts(at)
    expected = {"usable_rate": "Erfurt: 106,7 %; Gotha: 104,3 %",
                "entitled_share": "Erfurt: 25,0 %; Gotha: nicht gemeldet",
                "ukraine_share": "Erfurt: 30,0 %; Gotha: nicht gemeldet"}[measure]  # KW 47: 6 of 20
    assert f"Werte in KW 47/2024: {expected}." in texts(at)
    spec = json.loads(charts(at)[0].proto.spec)
    erfurt = next(t for t in spec["data"] if t.get("name") == "Erfurt")
    assert " %" in erfurt["hovertemplate"]
    table = _table(at)
    # a ratio chosen: the ratios come first, where the table's visible width shows them
    assert list(table.columns[1:5]) == ["Auslastung", *SHARE_COLUMNS]
    assert list(table.loc["Erfurt", SHARE_COLUMNS]) == ["106,7 %", "25,0 %", "26,5 %"]
    assert list(table.loc["Gotha", SHARE_COLUMNS]) == ["104,3 %", "–", "–"]
    at.selectbox(key="compare_measure").set_value("capacity").run()
    assert at.radio(key="compare_scale").value == "per_1000"
    assert list(_table(at).columns[-4:]) == ["Auslastung", *SHARE_COLUMNS]  # absolute first


def test_a_first_version_database_says_not_reported(monkeypatch, tmp_path):
    path = dashboard_data.build(tmp_path / "reception.duckdb")
    monkeypatch.setenv("RECEPTION_DB", str(path))
    at = open_page("karte")
    at.radio(key="map_measure").set_value("entitled_share").run()
    assert not at.exception
    assert "Anteil Auszugsberechtigte: von keinem Kreis gemeldet." in texts(at)
    at.switch_page("pages/vergleich.py").run()
    at.selectbox(key="compare_measure").set_value("ukraine_share").run()
    assert not at.exception
    assert "nicht gemeldet" in texts(at)


def test_methodik_defines_the_new_figures(app_db):
    body = texts(open_page("methodik"))
    assert "Auslastung der belegbaren Plätze** = Belegt / belegbare Plätze" in body
    assert "Anteil Ukraine an Zugängen** = Zugänge Ukraine (§ 24 AufenthG) / Zugänge" in body
    assert "nicht 0 %" in body
