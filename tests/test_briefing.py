"""The Lagebericht (PDF): what it says, read back with poppler's ``pdftotext``; the command line,
the weekly run that writes it, and the week names it takes."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from reception import config
from reception.read import briefing
from tests.conftest import run_etl
from tests.etl_support import HEADER_DE, csv_bytes
from tests.opendata_support import load_sample

POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="pdftotext/pdfinfo missing (Debian "
                                   "poppler-utils; CI installs it through .ci/run)")


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


@pytest.fixture
def sample_db(fresh_db: Path) -> Path:
    load_sample(fresh_db)
    return fresh_db


def test_file_name_carries_the_week() -> None:
    from reception.read.briefing import file_name

    assert file_name(date(2024, 11, 20)) == "lagebericht_KW47_2024.pdf"
    assert file_name(date(2025, 1, 1)) == "lagebericht_KW01_2025.pdf"


def test_content_names_the_week_the_limit_and_who_did_not_report(sample_db: Path) -> None:
    from reception.read import briefing

    data = briefing.content()
    assert data["week"] == "KW 47/2024"
    assert data["at_limit"] == ["Gera"]
    assert [row[0] for row in data["warning"]["rows"]][:1] == ["Gera"]
    assert data["missing"] is None  # 19 of 22 missing: one paragraph, not a table
    assert data["missing_list"].startswith("19 Kreise ohne Meldung")
    assert "Hildburghausen (noch nie)" in data["missing_list"]
    assert data["demo"] is None
    arrivals = data["headlines"]["rows"][0]
    assert arrivals[1:4] == ["64", "43", "+21"]  # 30 + 25 + 9 against 20 + 15 + 8


def test_the_state_forecast_adds_a_section_with_its_bands(demo_db: Path) -> None:
    from reception.read import briefing

    data = briefing.content(forecaster=briefing.state_forecast)
    prediction = data["_forecast"]
    assert len(prediction) == 8 and (prediction.lower <= prediction.forecast).all()
    assert data["forecast_summary"] and "KW" in data["forecast_summary"]
    assert briefing.content()["forecast_summary"] is None  # none unless asked for


@needs_poppler
@pytest.mark.slow
def test_briefing_pdf_says_week_state_and_districts_at_the_limit(sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "lage.pdf"
    result = run_etl("briefing", "--week", "2024-W47", "--out", str(out),
                     env={"RECEPTION_DB": str(sample_db)})
    assert "KW 47/2024" in result.stdout
    text = pdf_text(out)
    for expected in ("Lagebericht", "KW 47/2024", "Thüringen", "Gera", "Belastungsgrenze erreicht",
                     "Nicht gemeldet", "Hildburghausen", "Rangfolge", "Prognose der Zugänge",
                     "Methodik", "Stand:", "Seite 1 von"):
        assert expected in text, expected
    assert "Demodaten" not in text
    assert "102,2 %" in text  # Gera, German number format
    info = pdf_info(out)
    assert info["Page size"].startswith("595.") and "A4" in info["Page size"]
    assert 2 <= int(info["Pages"]) <= 4
    assert info["Tagged"] == "yes"  # PDF/UA-1: tagged, titled
    assert "KW 47/2024" in info["Title"]


@needs_poppler
@pytest.mark.slow
def test_briefing_of_demo_data_says_so(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo.pdf"
    run_etl("briefing", "--out", str(out), env={"RECEPTION_DB": str(demo_db)})
    text = pdf_text(out)
    assert "Demodaten" in text
    assert 2 <= int(pdf_info(out)["Pages"]) <= 3  # A4, 2-3 pages (issue 16); a broken table runs longer


@needs_poppler
def test_without_chromium_the_briefing_is_written_with_a_note_instead_of_the_chart(
        sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "ohne_chromium.pdf"
    run_etl("briefing", "--out", str(out), env={"RECEPTION_DB": str(sample_db),
                                               "BROWSER_PATH": str(tmp_path / "kein-chromium")})
    text = " ".join(pdf_text(out).split())
    assert "Diagramm nicht verfügbar (kein Chromium gefunden" in text
    assert "Gera" in text and "KW 47/2024" in text


def test_briefing_for_an_unreported_week_exits_1(sample_db: Path, tmp_path: Path) -> None:
    result = run_etl("briefing", "--week", "2023-W10", "--out", str(tmp_path / "x.pdf"),
                     env={"RECEPTION_DB": str(sample_db)}, check=False)
    assert result.returncode == 1 and "KW 10/2023" in result.stderr
    assert not (tmp_path / "x.pdf").exists()
    bad = run_etl("briefing", "--week", "irgendwann", env={"RECEPTION_DB": str(sample_db)}, check=False)
    assert bad.returncode == 1 and "keine Kalenderwoche" in bad.stderr


def test_briefing_refusals_follow_lang(sample_db: Path, tmp_path: Path) -> None:
    env = {"RECEPTION_DB": str(sample_db)}
    unreported = run_etl("--lang", "en", "briefing", "--week", "2023-W10", "--out",
                         str(tmp_path / "x.pdf"), env=env, check=False)
    assert unreported.returncode == 1 and "CW 10/2023" in unreported.stderr
    assert "KW" not in unreported.stderr
    bad = run_etl("--lang", "en", "briefing", "--week", "irgendwann", env=env, check=False)
    assert bad.returncode == 1 and "is not a calendar week" in bad.stderr


def test_briefing_without_any_data_exits_1(fresh_db: Path) -> None:
    result = run_etl("briefing", env={"RECEPTION_DB": str(fresh_db)}, check=False)
    assert result.returncode == 1


def _inbox_with_a_report(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    row = ["16052", "Gera", "2024-W47", 25, 4, 500, 511]
    (inbox / "meldung.csv").write_bytes(csv_bytes([HEADER_DE, row]))
    return inbox


@pytest.mark.slow
def test_weekly_run_writes_the_briefing_beside_the_database(fresh_db: Path, tmp_path: Path) -> None:
    inbox = _inbox_with_a_report(tmp_path)
    result = run_etl("weekly", env={"RECEPTION_DB": str(fresh_db), "RECEPTION_INBOX": str(inbox)})
    written = fresh_db.parent / "briefings" / "lagebericht_KW47_2024.pdf"
    assert written.is_file() and written.read_bytes().startswith(b"%PDF")
    assert "lagebericht_KW47_2024.pdf" in result.stdout
    # nothing new loaded (the same file again): no new briefing
    written.unlink()
    (inbox / "again.csv").write_bytes((next((inbox / "archive").iterdir())).read_bytes())
    run_etl("weekly", env={"RECEPTION_DB": str(fresh_db), "RECEPTION_INBOX": str(inbox)})
    assert not written.exists()


def test_weekly_run_writes_no_briefing_when_the_setting_is_off(fresh_db: Path, tmp_path: Path) -> None:
    from reception import config

    settings = tmp_path / "settings.toml"
    text = (config.DATA_DIR / "settings.toml").read_text(encoding="utf-8")
    settings.write_text(text.replace("after_weekly = true", "after_weekly = false"), encoding="utf-8")
    inbox = _inbox_with_a_report(tmp_path)
    run_etl("weekly", env={"RECEPTION_DB": str(fresh_db), "RECEPTION_INBOX": str(inbox),
                           "RECEPTION_SETTINGS": str(settings)})
    assert list((inbox / "archive").iterdir())  # the report was loaded
    assert not (fresh_db.parent / "briefings").exists()


def test_lage_page_offers_the_briefing_and_methodik_documents_the_api(sample_db: Path) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard.py"),
                           default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [button.proto.label for button in at.get("download_button")]
    assert "Lagebericht KW 47/2024 (PDF)" in labels
    at.switch_page("pages/methodik.py").run()
    assert not at.exception, [e.value for e in at.exception]
    text = "\n".join(m.value for m in at.markdown)
    for path in ("/api/v1/districts.csv", "/api/v1/weekly.json", "/api/v1/datapackage.json",
                 "/api/v1/briefing.pdf", "curl "):
        assert path in text, path


def test_the_briefing_forecast_takes_announced_allocations_as_the_lage_page_does() -> None:
    weeks = pd.date_range("2025-01-06", periods=6, freq="7D")
    weekly = pd.DataFrame([{"ags": ags, "week": week, "arrivals": 10.0, "reported": True}
                           for ags in ("16051", "16067") for week in weeks])
    ahead = weeks[-1] + pd.Timedelta(weeks=1)
    announced = pd.DataFrame({"ags": ["16051", "16067"], "week": [ahead, ahead], "announced": [30.0, 5.0]})
    settings = config.settings()
    plain = briefing.state_forecast(weekly, announced.iloc[0:0], settings).set_index("week")
    told = briefing.state_forecast(weekly, announced, settings).set_index("week")
    assert told.forecast[ahead] == 35.0 != plain.forecast[ahead]
    later = ahead + pd.Timedelta(weeks=1)
    assert told.forecast[later] == plain.forecast[later]
