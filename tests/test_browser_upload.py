"""The officer's whole flow in headless Chromium: sign in, upload (real file input), load, a bad
file's errors, roll back."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from reception import accounts
from reception.store import db
from tests.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

PASSWORD = "richtig-geheim-42"
BAD = ("Kreis;Woche;Zugänge;Kapazität;Belegung\n"
       "Erfurt;KW 46/2024;-4;800;640\n"
       "Atlantis;KW 46/2024;3;100;50\n").encode()


def open_page(tab, title: str) -> None:
    """Client-side navigation through the sidebar (a reload would start a new session); clicks
    again if a click landed while the previous page was still being drawn."""
    link = tab.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]').filter(
        has_text=re.compile(f"^\\W*{title}$", re.IGNORECASE)).first
    heading = tab.locator("h1").filter(has_text=re.compile(f"^{title}"))
    for attempt in range(3):
        wait_for_app(tab)
        link.click()
        try:
            heading.first.wait_for(timeout=10000)
            break
        except Exception:
            if attempt == 2:
                raise
    wait_for_app(tab)


def last_week(db_path: Path) -> date:
    with db.reader(Path(str(db_path) + ".snapshot")) as con:
        return con.execute("SELECT max(week) FROM weekly").fetchall()[0][0]


def kw(week: date) -> str:
    year, number, _ = week.isocalendar()
    return f"KW {number}/{year}"


def report_for(week: date) -> bytes:
    """Two districts' figures for ``week`` (a Monday), as an Excel export with a title line."""
    year, number, _ = week.isocalendar()
    return (f"Meldung Unterbringung KW {number}/{year}\n\n"
            "Kreisschlüssel;Kreis;Woche;Zugänge;Abgänge;Kapazität;Belegung\n"
            f"16051;Erfurt;KW {number}/{year};31;12;812;799\n"
            f"16053;Jena;KW {number}/{year};14;6;420;433\n").encode("cp1252")


def upload(tab, name: str, data: bytes) -> None:
    tab.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    tab.get_by_text(name, exact=False).last.wait_for()
    wait_for_app(tab)


def test_officer_signs_in_uploads_loads_sees_errors_and_rolls_back(
        demo_db: Path, tmp_path: Path, serve_app, page) -> None:
    store = tmp_path / "accounts.json"
    accounts.add_user("mueller", PASSWORD, "officer", path=store)
    app = serve_app(demo_db, {"RECEPTION_ACCOUNTS": str(store)})
    tab = page
    tab.set_default_timeout(30000)
    tab.set_viewport_size({"width": 1400, "height": 2600})  # Streamlit scrolls inside the page
    tab.goto(app.url)
    wait_for_app(tab)

    open_page(tab, "Anmelden")
    tab.get_by_label("Name").fill("mueller")
    tab.get_by_label("Passwort").fill("falsch-falsch")
    tab.get_by_role("button", name="Anmelden").click()
    tab.get_by_text("Name oder Passwort ist falsch").wait_for()
    tab.get_by_label("Passwort").fill(PASSWORD)
    tab.get_by_role("button", name="Anmelden").click()
    tab.get_by_text("Angemeldet als mueller").wait_for()
    screenshot(tab, "upload_1_signed_in")

    before = last_week(demo_db)
    new_week = before + timedelta(days=7)
    open_page(tab, "Hochladen")
    upload(tab, "meldung_kw45.csv", report_for(new_week))
    tab.get_by_text("Erkanntes Format").wait_for()
    tab.get_by_text("Was das Laden ändert").wait_for()
    screenshot(tab, "upload_2_preview")
    tab.get_by_role("button", name="Laden", exact=True).click()
    message = tab.get_by_text(re.compile(r"geladen als Load \d+"))
    message.wait_for()
    load_id = re.search(r"Load (\d+)", message.inner_text()).group(1)
    wait_for_app(tab)
    screenshot(tab, "upload_3_loaded")

    open_page(tab, "Lage")  # the dashboard shows the new week at once
    tab.get_by_text(f"Stand: {kw(new_week)}").first.wait_for()
    screenshot(tab, "upload_3b_lage")
    open_page(tab, "Hochladen")

    upload(tab, "fehlerhaft.csv", BAD)
    tab.get_by_text("die Datei kann so nicht geladen werden").wait_for()
    assert tab.get_by_role("button", name="Laden", exact=True).last.is_disabled()
    tab.get_by_role("button", name="Fehlerbericht herunterladen (CSV)").last.wait_for()
    screenshot(tab, "upload_4_errors")

    tab.get_by_text(f"Ja, Load {load_id} zurücknehmen").click()
    wait_for_app(tab)
    tab.get_by_role("button", name="Zurücknehmen").click()
    tab.get_by_text(f"Load {load_id} (meldung_kw45.csv) zurückgenommen;").wait_for()
    wait_for_app(tab)
    screenshot(tab, "upload_5_rolled_back")
    open_page(tab, "Lage")
    # The "Stand" line names the newest reported week (forecast texts may name later weeks).
    tab.get_by_text(f"Stand: {kw(before)}").first.wait_for()
    assert tab.get_by_text(f"Stand: {kw(new_week)}").count() == 0
    assert "Traceback" not in tab.content()
    assert "Traceback" not in app.output()
