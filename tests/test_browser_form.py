"""Meldung erfassen in headless Chromium: an officer fills and sends the form with the keyboard
alone (1400 px); at 390 px an error is shown at its field, in German and English; axe-core finds
no WCAG 2.1 A/AA violation in any state (prefilled, with errors, checked); tall screenshots."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from reception import accounts
from reception.accounts import User
from reception.web import form, upload
from tests.a11y_support import axe_source, axe_violations, describe, settle
from tests.conftest import screenshot, wait_for_app
from tests.test_browser_a11y import PASSWORD, sign_in

pytestmark = pytest.mark.browser

LAST = form.offered_weeks(date.today())[0]

FOCUSED = """() => { const e = document.activeElement;
    const label = (e.labels && e.labels[0]) ? e.labels[0].innerText.trim() : '';
    return [e.tagName, label || e.getAttribute('aria-label') || (e.innerText || '').trim().slice(0, 40)]; }"""


@pytest.fixture
def served_form(fresh_db: Path, tmp_path: Path, serve_app):
    """A served app whose Erfurt has reported the two weeks before the one due; an officer of
    Erfurt (``mueller``)."""
    for weeks_back, line in ((2, "22;9;1250;30;1165"), (1, "25;10;1250;30;1180")):
        week = LAST - timedelta(weeks=weeks_back)
        year, number, _ = week.isocalendar()
        data = ("Kreisschlüssel;Woche;Zugänge;Abgänge;Kapazität;nicht belegbar;Belegung\n"
                f"16051;KW {number}/{year};{line}\n").encode()
        upload.load_preview(upload.preview_file(data, f"kw{number}.csv"), User("chef", "admin"))
    store = tmp_path / "accounts.json"
    accounts.add_user("mueller", PASSWORD, "officer", district="16051", path=store)
    return serve_app(fresh_db, {"RECEPTION_ACCOUNTS": str(store)})


def open_form(browser, url: str, width: int):
    context = browser.new_context(viewport={"width": width, "height": 3000}, locale="de-DE")
    context.set_default_timeout(30000)
    tab = context.new_page()
    sign_in(tab, url, "de")
    tab.goto(f"{url}/erfassen")
    settle(tab)
    tab.get_by_text("Vorbelegt mit den Zahlen von").wait_for()
    return context, tab


def tab_to(tab, label: str, limit: int = 60) -> list[str]:
    """Press Tab until the element labelled ``label`` has the focus; the labels passed on the way."""
    stops = []
    for _ in range(limit):
        tab.keyboard.press("Tab")
        stops.append(tab.evaluate(FOCUSED)[1])
        if stops[-1] == label:
            return stops
    raise AssertionError(f"{label!r} not reached by Tab: {stops}")


def type_into_focused(tab, text: str) -> None:
    tab.keyboard.press("Control+A")
    tab.keyboard.type(text)


def no_violations(tab, where: str, source: str) -> None:
    settle(tab)
    found = axe_violations(tab, source)
    assert not found, f"{where}:\n{describe(found)}"


def test_keyboard_alone_fills_checks_and_sends_the_form(served_form, browser) -> None:
    source = axe_source()
    context, tab = open_form(browser, served_form.url, 1400)
    try:
        assert tab.get_by_label("Plätze", exact=True).input_value() == "1.250"
        assert tab.get_by_label("Belegung", exact=True).input_value() == "1.180"
        no_violations(tab, "prefilled (1400 px)", source)
        screenshot(tab, "form_1_prefilled_1400")

        stops = tab_to(tab, "Zugänge")
        assert "Berichtswoche" in stops  # the week select comes first, in reading order
        type_into_focused(tab, "31")
        order = ["Zugänge Asyl", "Zugänge Ukraine (§ 24)", "Zugänge Sonstige", "Abgänge",
                 "Angekündigte Zuweisungen", "Plätze", "Nicht belegbare Plätze", "Belegung"]
        typed = ["20", "7", "4", "12", "", "1.250", "30", "1.199"]
        for label, text in zip(order, typed):
            tab.keyboard.press("Tab")
            assert tab.evaluate(FOCUSED)[1] == label
            if text:
                type_into_focused(tab, text)
        tab.keyboard.press("Enter")  # Enter in a field: "Prüfen", never "Melden"
        tab.get_by_text("Geprüft: keine Fehler").wait_for()
        tab.get_by_role("cell", name="1.199").wait_for()  # the summary, German numbers
        no_violations(tab, "checked (1400 px)", source)
        screenshot(tab, "form_2_checked_1400")

        tab_to(tab, "Melden")
        tab.keyboard.press("Enter")
        tab.get_by_text("Gemeldet:").wait_for()
        wait_for_app(tab)
        screenshot(tab, "form_3_sent_1400")
        latest = upload.history().iloc[0]
        assert (latest.source, latest.loaded_by, latest.file_name) == \
            ("form", "mueller", form.file_name("16051", LAST))
    finally:
        context.close()


def test_a_phone_sees_the_error_at_its_field(served_form, browser) -> None:
    source = axe_source()
    context, tab = open_form(browser, served_form.url, 390)
    try:
        no_violations(tab, "prefilled (390 px)", source)
        tab_to(tab, "Belegung")
        type_into_focused(tab, "-3")
        tab.keyboard.press("Enter")
        error = tab.get_by_role("paragraph").filter(has_text='Belegung: "-3" ist negativ')
        error.wait_for()
        wait_for_app(tab)
        field = tab.get_by_label("Belegung", exact=True).bounding_box()
        shown = error.bounding_box()
        assert 0 <= shown["y"] - (field["y"] + field["height"]) < 80, (field, shown)  # right below
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        no_violations(tab, "errors (390 px)", source)
        screenshot(tab, "form_4_error_390")
        assert upload.history().source.tolist() == ["upload", "upload"]  # nothing sent

        tab.goto(f"{served_form.url}/erfassen?lang=en")  # the switch's URL form
        settle(tab)
        tab.get_by_text("Prefilled with the figures of CW").wait_for()
        tab_to(tab, "Occupied")
        type_into_focused(tab, "viele")
        tab.keyboard.press("Enter")
        tab.get_by_role("paragraph").filter(has_text='Occupied: "viele" is not a number').wait_for()
        no_violations(tab, "errors, English (390 px)", source)
        screenshot(tab, "form_5_error_390_en")
    finally:
        context.close()


def test_findings_are_confirmed_with_the_keyboard_before_sending(served_form, browser) -> None:
    source = axe_source()
    context, tab = open_form(browser, served_form.url, 1400)
    try:
        tab_to(tab, "Plätze")
        type_into_focused(tab, "12.500")  # one key pressed twice
        tab_to(tab, "Melden")
        tab.keyboard.press("Enter")
        tab.get_by_text("weichen auffällig").wait_for()
        wait_for_app(tab)
        assert tab.get_by_role("button", name="Melden", exact=True).count() == 0
        no_violations(tab, "findings (1400 px)", source)
        screenshot(tab, "form_6_findings_1400")
        assert upload.history().source.tolist() == ["upload", "upload"]  # nothing sent yet

        tab_to(tab, "Ich habe die Hinweise geprüft; die Zahlen stimmen.")
        tab.keyboard.press("Space")
        tab.keyboard.press("Tab")
        assert tab.evaluate(FOCUSED)[1] == "Kommentar zur Bestätigung (freiwillig)"
        tab.keyboard.type("Neue Halle in Betrieb")
        tab_to(tab, "Trotzdem melden")
        tab.keyboard.press("Enter")
        tab.get_by_text("Gemeldet:").wait_for()
        wait_for_app(tab)
        latest = upload.history().iloc[0]
        assert (latest.source, latest.confirmed_by, latest.confirm_comment) == \
            ("form", "mueller", "Neue Halle in Betrieb")
    finally:
        context.close()
