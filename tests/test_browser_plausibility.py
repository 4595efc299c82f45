"""Plausibility findings on the upload page in headless Chromium (issue 23): a report with a
typo (places ten times last week's) lists its findings beside the changes; "Trotzdem laden"
only after the confirmation box; the comment shows in the load history and on Meldungen.
Tall screenshots: tests/screenshots/plausi_1_findings.png, plausi_2_meldungen.png."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from reception import accounts
from reception.store import db
from tests.a11y_support import axe_source, axe_violations, describe, settle
from tests.conftest import screenshot, wait_for_app
from tests.test_browser_upload import open_page, upload

pytestmark = [pytest.mark.browser, pytest.mark.slow]
expect = pytest.importorskip("playwright.sync_api").expect

PASSWORD = "richtig-geheim-42"
DISTRICT = "16061"  # Eichsfeld reports district totals in the demo


def typo_report(db_path: Path) -> tuple[bytes, int]:
    """The week after Eichsfeld's latest: balanced figures, but places typed ten times."""
    with db.reader(Path(str(db_path) + ".snapshot")) as con:
        week, capacity, occupied = con.execute(
            "SELECT week, capacity, occupied FROM weekly WHERE ags = ? AND reported "
            "ORDER BY week DESC LIMIT 1", [DISTRICT]).fetchall()[0]
    year, number, _ = (week + timedelta(days=7)).isocalendar()
    data = ("Kreisschlüssel;Kreis;Woche;Zugänge;Abgänge;Kapazität;Belegung\n"
            f"{DISTRICT};Eichsfeld;KW {number}/{year};12;10;{capacity * 10};{occupied + 2}\n")
    return data.encode("utf-8"), capacity


def test_findings_are_confirmed_with_a_comment_before_loading(demo_db, tmp_path, serve_app,
                                                              tall) -> None:
    store = tmp_path / "accounts.json"
    accounts.add_user("mueller", PASSWORD, "officer", path=store)
    app = serve_app(demo_db, {"RECEPTION_ACCOUNTS": str(store)})
    data, _ = typo_report(demo_db)
    tab = tall
    tab.set_default_timeout(30000)
    tab.goto(app.url)
    wait_for_app(tab)
    open_page(tab, "Anmelden")
    tab.get_by_label("Name").fill("mueller")
    tab.get_by_label("Passwort").fill(PASSWORD)
    tab.get_by_role("button", name="Anmelden").click()
    tab.get_by_text("Angemeldet als mueller").wait_for()

    open_page(tab, "Hochladen")
    upload(tab, "eichsfeld.csv", data)
    tab.get_by_text("Auffälligkeiten gegenüber früheren Meldungen").wait_for()
    body = tab.inner_text("body")
    assert "Was das Laden ändert" in body
    assert "Trotzdem laden" in body  # the tables are drawn on a canvas: see the screenshot
    assert tab.get_by_role("button", name="Laden", exact=True).count() == 0
    anyway = tab.get_by_role("button", name="Trotzdem laden")
    assert anyway.is_disabled()
    settle(tab)
    violations = axe_violations(tab, axe_source())
    assert violations == [], describe(violations)

    tab.get_by_text("Ich habe die Auffälligkeiten geprüft").click()
    tab.get_by_role("textbox", name="Kommentar (optional)").fill("Notunterkunft Turnhalle eröffnet")
    tab.get_by_role("textbox", name="Kommentar (optional)").press("Enter")
    # the box's rerun enables the button; wait for that, not for "a run has ended" (under load
    # the check can run before the rerun has started)
    expect(anyway).to_be_enabled(timeout=60000)
    wait_for_app(tab)
    screenshot(tab, "plausi_1_findings")
    anyway.click()
    message = tab.get_by_text(re.compile(r"geladen als Load \d+"))
    message.wait_for()
    assert "Auffälligkeiten bestätigt von mueller" in message.inner_text()
    wait_for_app(tab)
    with db.reader(Path(str(demo_db) + ".snapshot")) as con:  # as the load history reads it
        assert con.execute("SELECT confirmed_by, confirm_comment FROM load_log "
                           "ORDER BY load_id DESC LIMIT 1").fetchall() == [
            ("mueller", "Notunterkunft Turnhalle eröffnet")]

    open_page(tab, "Meldungen")
    tab.get_by_text("Trotz Auffälligkeiten geladen").wait_for()
    settle(tab)
    assert "Keine Ladung wurde trotz Auffälligkeiten bestätigt" not in tab.inner_text("body")
    screenshot(tab, "plausi_2_meldungen")
    violations = axe_violations(tab, axe_source())
    assert violations == [], describe(violations)
    assert "Traceback" not in app.output()
