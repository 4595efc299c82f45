"""The Kreis page's parts of issue 14 through AppTest: places by kind of accommodation, usable
and unusable places, the Auszugsstau, announcements ahead and the reimbursement per month, on a
second-version database and on a first-version one (no parts reported: "nicht gemeldet")."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from reception import config
from tests import dashboard_data

ROOT = Path(__file__).resolve().parent.parent
WEEKS = dashboard_data.WEEKS[2:]  # KW 44-47/2024
COLUMNS = ["ags", "week", "facility", "facility_type", "arrivals", "departures", "capacity",
           "occupied", "capacity_unusable", "occupied_entitled", "announced"]


def _rows() -> pd.DataFrame:
    """Erfurt (kreisfreie Stadt): totals with the parts and announcements of KW 48 and 49; Gotha
    (Landkreis): per facility with free-text types, no parts."""
    rows = []
    for index, week in enumerate(WEEKS):
        rows.append(("16051", week, "", None, 10, 5, 100, 80 + index, 10, 20 + index, None))
        for facility, kind, places in (("GU Nord", "GU", 50), ("GU Ost", "Gemeinschaftsunterkunft", 30),
                                       ("Wohnungen Mitte", "wohnungen", 20),
                                       ("Halle", "Notunterkunft", 40 - 10 * index),
                                       ("Container", "Containeranlage", 12)):
            rows.append(("16067", week, facility, kind, 1, 0, places, places - 2, None, None, None))
    last = WEEKS[-1]
    rows.append(("16051", last + timedelta(weeks=1), "", None, None, None, None, None, None, None, 12))
    rows.append(("16051", last + timedelta(weeks=2), "", None, None, None, None, None, None, None, 15))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["line"] = range(2, len(frame) + 2)
    return frame


@pytest.fixture(scope="module")
def second_version(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dashboard_data.build(tmp_path_factory.mktemp("kreis2") / "reception.duckdb", rows=_rows())


@pytest.fixture(scope="module")
def first_version(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dashboard_data.build(tmp_path_factory.mktemp("kreis1") / "reception.duckdb")


def open_kreis(db: Path, ags: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("RECEPTION_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30)
    at.query_params["kreis"] = ags
    at.run()
    at.switch_page("pages/kreis.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics_of(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    return "\n".join(parts)


def test_second_version_district_shows_usable_places_backlog_announcements_and_money(
        second_version, monkeypatch):
    at = open_kreis(second_version, "16051", monkeypatch)
    cards = metrics_of(at)
    # KW 47: 100 places, 10 unusable, 83 occupied, 23 entitled to move out
    assert cards["Nicht belegbare Plätze"] == "10"
    assert cards["Freie belegbare Plätze"] == "7"  # 90 - 83
    assert cards["Auszugsstau: würden frei"] == "23 Plätze"
    assert cards["Angekündigt, nächste 4 Wochen"] == "27"  # KW 48: 12 + KW 49: 15
    assert cards["Erstattung je Monat (laut Einstellung)"] == "29.880\u00a0€"  # 90 x 332 €
    shown = texts(at)
    assert "10,0 % der Plätze" in shown and "Auszugsberechtigte, 27,7 % der Belegung" in shown  # 23 / 83
    assert "90 belegbare Plätze × 332\u00a0€, kreisfreie Stadt" in shown
    assert "ThürFlüKEVO" in shown and "gültig 2024–2026" in shown
    table = next(m.value for m in at.markdown if m.value.startswith("| Woche |"))
    assert table.splitlines()[2:] == ["| KW 48/2024 | 12 |", "| KW 49/2024 | 15 |"]
    assert "Angekündigt für die 4 Wochen nach KW 47/2024: **27** Personen" in shown
    # Erfurt reports totals only: no kinds of accommodation, said instead of an empty chart
    assert "Erfurt meldet im gewählten Zeitraum nicht je Unterkunft" in shown
    assert len(at.get("plotly_chart")) == 6  # development, rate, usable places, Auszugsstau, quota, forecast


def test_places_by_type_of_a_facility_district(second_version, monkeypatch):
    at = open_kreis(second_version, "16067", monkeypatch)
    shown = texts(at)
    # KW 47: GU 50 + 30 (GU and "Gemeinschaftsunterkunft"), flats 20, emergency 10, other 12
    assert "In KW 47/2024 meldete der Kreis 122 Plätze in Unterkünften" in shown
    assert "Gemeinschaftsunterkünfte (GU) 80 (66 %); Wohnungen 20 (16 %); Notunterkünfte 10 (8 %); " \
           "Sonstige 12 (10 %)" in shown
    assert "Notunterkünfte hatten im Zeitraum höchstens 40 Plätze (KW 44/2024), jetzt 10" in shown
    assert "„Containeranlage“" in shown
    # Gotha reports no parts: said, no chart of unusable places or of the Auszugsstau
    assert "Nicht belegbare Plätze: von Gotha im Zeitraum nicht gemeldet" in shown
    assert "Auszugsberechtigte: von Gotha im Zeitraum nicht gemeldet" in shown
    assert "Für Gotha liegt für die Wochen nach KW 47/2024 keine Ankündigung vor." in shown
    assert metrics_of(at)["Erstattung je Monat (laut Einstellung)"] == "35.868\u00a0€"  # 122 x 294 €
    assert len(at.get("plotly_chart")) == 6  # development, rate, kinds, facilities, quota, forecast


def test_first_version_database_still_works_and_says_not_reported(first_version, monkeypatch):
    at = open_kreis(first_version, "16051", monkeypatch)
    cards = metrics_of(at)
    assert cards["Nicht belegbare Plätze"] == "–" and cards["Auszugsstau: würden frei"] == "–"
    assert cards["Angekündigt, nächste 4 Wochen"] == "–"
    assert cards["Freie belegbare Plätze"] == "4"  # every place usable: 100 - 96
    captions = [c.value for c in at.caption]
    assert captions.count("nicht gemeldet") == 2 and "keine Ankündigung" in captions
    shown = texts(at)
    assert "Nicht belegbare Plätze: von Erfurt im Zeitraum nicht gemeldet" in shown
    assert "Auszugsberechtigte: von Erfurt im Zeitraum nicht gemeldet" in shown
    assert "keine Ankündigung" in shown
    assert cards["Erstattung je Monat (laut Einstellung)"] == "33.200\u00a0€"  # 100 x 332 €


def test_first_version_facility_district_gets_its_kinds_of_accommodation(first_version, monkeypatch):
    at = open_kreis(first_version, "16067", monkeypatch)
    shown = texts(at)
    assert "Gemeinschaftsunterkünfte (GU) 50 (71 %); Notunterkünfte 20 (29 %)" in shown


def test_english_page_names_the_new_figures(second_version, monkeypatch):
    at = open_kreis(second_version, "16051", monkeypatch)
    at.sidebar.radio(key="lang_choice").set_value("en").run()
    assert not at.exception
    cards = metrics_of(at)
    assert cards["Move-out backlog: would free up"] == "23 places"
    assert cards["Reimbursement per month (as configured)"] == "€29,880"


def test_a_week_outside_the_rates_validity_shows_no_amount(second_version, tmp_path, monkeypatch):
    text = (config.DATA_DIR / "settings.toml").read_text(encoding="utf-8")
    changed = tmp_path / "settings.toml"
    changed.write_text(text.replace("valid_to = 2026-12-31", "valid_to = 2024-10-31"), encoding="utf-8")
    monkeypatch.setenv("RECEPTION_SETTINGS", str(changed))
    config.settings.cache_clear()
    try:
        at = open_kreis(second_version, "16051", monkeypatch)
        assert metrics_of(at)["Erstattung je Monat (laut Einstellung)"] == "–"
        assert "Der eingestellte Satz gilt für KW 47/2024 nicht (gültig 01.01.2024–31.10.2024" in texts(at)
    finally:
        config.settings.cache_clear()
