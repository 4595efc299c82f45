"""Lage on second-version reports (issue 14): the traffic light reads usable places, the runway
counts the announced allocations, arrivals stack by group. A small database loaded through the
real write path; every expected figure is computed by hand in the comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.etl_support import assert_loaded, csv_bytes, ingest

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["Kreisschlüssel", "Woche", "Zugänge", "davon Asyl", "davon Ukraine", "davon sonstige",
          "Abgänge", "Plätze", "davon nicht belegbar", "Belegung", "davon auszugsberechtigt",
          "Angekündigt"]


def _rows() -> list[list[object]]:
    rows = []
    for week, erfurt, gotha in ((45, 70, 75), (46, 75, 80), (47, 80, 85)):
        # Erfurt: 130 places, 10 unusable -> 120 usable; 80 housed in KW 47: 66,7 %, 40 free.
        # Net intake 10 - 5 = 5 a week: 8 weeks at the trend.
        rows.append(["16051", f"KW {week}/2024", 10, 4, 5, 1, 5, 130, 10, erfurt, 16, ""])
        # Gotha: 100 places, 20 unusable; 85 housed: 85 % of all places (below the 90 % line)
        # but 85 / 80 = 106,3 % of the usable ones: at the limit. Arrivals not split.
        rows.append(["16067", f"KW {week}/2024", 6, "", "", "", 1, 100, 20, gotha, "", ""])
    # 30 announced for Erfurt in each of KW 48 and 49: 25 a week net of its 5 moves out,
    # so the 40 free usable places last 1 + 15/25 = 1,6 weeks
    rows.append(["16051", "KW 48/2024", "", "", "", "", "", "", "", "", "", 30])
    rows.append(["16051", "KW 49/2024", "", "", "", "", "", "", "", "", "", 30])
    return rows


@pytest.fixture
def usable_db(fresh_db: Path) -> Path:
    assert_loaded(ingest(csv_bytes([HEADER, *_rows()]), "meldung_v2.csv", publish=True))
    return fresh_db


def lage() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def warning_rows(at: AppTest) -> dict[str, list[str]]:
    table = next(m.value for m in at.markdown if m.value.startswith("| Kreis |"))
    rows = [[cell.strip() for cell in line.strip("| ").split(" | ")] for line in table.splitlines()[2:]]
    return {row[0]: row for row in rows}


def test_the_traffic_light_reads_usable_places_and_the_runway_counts_announcements(usable_db):
    at = lage()
    rows = warning_rows(at)
    # Gotha is at the limit though only 85 % of all its places are taken
    assert rows["Gotha"][1].startswith("■") and rows["Gotha"][2] == "106,3 %"
    assert rows["Gotha"][5] == "keine belegbaren Plätze frei"
    # Erfurt: listed by the announcements alone (8 weeks at the trend would not be)
    assert rows["Erfurt"][1].startswith("◆")
    assert rows["Erfurt"][3] == "40"
    assert rows["Erfurt"][5] == "reicht bei angekündigten Zuweisungen noch 1,6 Wochen"
    cards = {m.label: m.value for m in at.metric}
    assert cards["Kreise ≥ 100 %"] == "1"
    assert cards["Freie belegbare Plätze"] == "35"  # Erfurt 120 - 80, Gotha 80 - 85
    assert cards["Angekündigt, nächste 4 Wochen"] == "60"


def test_lage_stacks_arrivals_by_group_and_draws_usable_places(usable_db):
    at = lage()
    development = next(c for c in at.get("plotly_chart") if c.key == "chart-land_wochen")
    spec = json.loads(development.proto.spec)
    bars = {trace["name"]: trace for trace in spec["data"] if trace["type"] == "bar"}
    assert list(bars) == ["Asylsuchende", "Ukraine (§ 24 AufenthG)", "Sonstige",
                          "Zugänge ohne Aufschlüsselung"]  # Gotha's 6 a week are not split
    lines = [trace["name"] for trace in spec["data"] if trace["type"] == "scatter"]
    assert lines == ["Plätze", "Belegbare Plätze", "Belegt"]
    text = "\n".join(m.value for m in at.markdown)
    assert "Nach Gruppen: 12 Asylsuchende, 15 aus der Ukraine (§ 24 AufenthG), 3 Sonstige, " \
           "18 ohne Aufschlüsselung." in text
    assert "Auslastung der belegbaren Plätze jetzt 82,5 %" in text  # (80 + 85) / (120 + 80)


def test_english_runway_sentence(usable_db):
    at = lage()
    at.sidebar.radio(key="lang_choice").set_value("en").run()
    assert not at.exception
    table = next(m.value for m in at.markdown if m.value.startswith("| District |"))
    assert "lasts 1.6 weeks at the announced allocations" in table


def test_kreis_reads_usable_places_and_counts_announcements_as_lage_does(usable_db):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30)
    at.query_params["kreis"] = "16067"
    at.run()
    at.switch_page("pages/kreis.py").run()
    assert not at.exception, [e.value for e in at.exception]
    cards = {m.label: m.value for m in at.metric}
    assert cards["Auslastung (belegbare Plätze)"] == "106,3 %"  # Gotha: 85 of 80 usable
    captions = [c.value for c in at.caption]
    assert "■ Grenze erreicht · aller Plätze: 85,0 %" in captions
    at.selectbox(key="kreis_select").set_value("16051").run()
    cards = {m.label: m.value for m in at.metric}
    assert cards["Reichweite"] == "1,6 Wochen"  # as in Lage's early warning
    assert any(c.value.startswith("bei angekündigten Zuweisungen, danach Netto-Zugang 5,0")
               for c in at.caption)


def test_kreis_summary_names_the_groups_and_usable_places(usable_db):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30)
    at.query_params["kreis"] = "16051"
    at.run()
    at.switch_page("pages/kreis.py").run()
    text = "\n".join(m.value for m in at.markdown)
    # Erfurt, 3 weeks of 4 asylum, 5 Ukraine, 1 other; 120 of 130 places usable, 80 housed
    assert "Nach Gruppen: 12 Asylsuchende, 15 aus der Ukraine (§ 24 AufenthG), 3 Sonstige." in text
    assert "Davon belegbar: 120 Plätze (10 nicht belegbar); Auslastung der belegbaren Plätze 66,7 %." \
        in text
