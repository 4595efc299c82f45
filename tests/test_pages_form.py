"""The page Meldung erfassen with Streamlit's AppTest: prefill, check, send, the admin's choice."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from reception import accounts
from reception.accounts import User
from reception.web import form, session, upload
from tests.test_pages_upload import PASSWORD, ROOT, page, texts

OFFICER = User("mueller", "officer", "16051")
ADMIN = User("chef", "admin")
LAST = form.offered_weeks(date.today())[0]  # the last completed week: due now


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "accounts.json"
    monkeypatch.setenv("RECEPTION_ACCOUNTS", str(path))
    accounts.add_user("mueller", PASSWORD, "officer", district="16051")
    accounts.add_user("chef", PASSWORD, "admin")
    return path


def report(week: date, line: str) -> None:
    """A report of Erfurt for ``week`` loaded as an upload (``line``: Zugänge;…;Belegung)."""
    year, number, _ = week.isocalendar()
    data = ("Kreisschlüssel;Woche;Zugänge;Abgänge;Kapazität;nicht belegbar;Belegung\n"
            f"16051;KW {number}/{year};{line}\n").encode()
    preview = upload.preview_file(data, f"kw{number}.csv")
    assert preview.ok, preview.problems
    upload.load_preview(preview, ADMIN)


def shown(element) -> str:
    """An element's text as the browser shows it (Markdown escapes removed)."""
    return str(element.value).replace("\\", "")


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def test_the_page_refuses_without_sign_in(fresh_db: Path, store: Path) -> None:
    app = page("erfassen.py")
    assert "nur nach Anmeldung" in app.warning[0].value
    assert not app.text_input and not app.button


def test_an_officer_gets_the_due_week_prefilled_from_last_week_and_reports(
        fresh_db: Path, store: Path) -> None:
    report(LAST - timedelta(weeks=1), "25;10;1250;30;1180")
    app = page("erfassen.py", OFFICER)
    assert not app.exception
    assert app.selectbox(key="form_week").value == LAST  # preselected: the week due
    assert "Kreis: **Erfurt** (16051)" in [m.value for m in app.markdown]
    assert app.text_input(key="form_capacity").value == "1.250"
    assert app.text_input(key="form_occupied").value == "1.180"
    assert app.text_input(key="form_arrivals").value == "25"
    assert app.text_input(key="form_announced").value == ""
    assert f"Vorbelegt mit den Zahlen von {form_week(LAST - timedelta(weeks=1))}" in texts(app)

    app.text_input(key="form_occupied").input("1.210")
    app.text_input(key="form_capacity_unusable").input("-2")
    button(app, "Prüfen").click().run()
    assert not app.exception
    assert [shown(e) for e in app.error if e.value.startswith("Nicht belegbare")] == \
        ['Nicht belegbare Plätze: "-2" ist negativ']
    assert any("nichts gemeldet" in e.value for e in app.error)
    assert upload.history().source.tolist() == ["upload"]  # nothing sent by a check

    app.text_input(key="form_capacity_unusable").input("30")
    button(app, "Melden").click().run()
    assert not app.exception
    assert f"Gemeldet: {form_week(LAST)} für Erfurt (16051)" in texts(app)
    latest = upload.history().iloc[0]
    assert (latest.source, latest.loaded_by) == ("form", "mueller")
    assert app.selectbox(key="form_week").value == LAST
    assert "schon gemeldet" in app.selectbox(key="form_week").format_func(LAST)


def test_checking_shows_what_is_sent_with_german_numbers(fresh_db: Path, store: Path) -> None:
    report(LAST - timedelta(weeks=1), "25;10;1250;30;1180")
    app = page("erfassen.py", OFFICER)
    app.text_input(key="form_capacity").input("1.300")
    button(app, "Prüfen").click().run()
    assert any(s.value.startswith("Geprüft: keine Fehler") for s in app.success)
    frame = app.table[0].value.set_index("Feld")
    assert frame.loc["Plätze", "Wird gemeldet"] == "1.300"
    assert upload.history().source.tolist() == ["upload"]


def test_an_admin_picks_the_district_first(fresh_db: Path, store: Path) -> None:
    report(LAST - timedelta(weeks=1), "25;10;1250;30;1180")
    app = page("erfassen.py", ADMIN)
    assert not app.exception
    choice = app.selectbox(key="form_district")
    assert choice.value is None and "Bitte zuerst den Kreis wählen" in texts(app)
    assert not app.text_input
    choice.select("16051").run()
    assert app.text_input(key="form_capacity").value == "1.250"
    app.selectbox(key="form_district").select("16053").run()
    assert app.text_input(key="form_capacity").value == ""
    assert "noch keine Meldung" in texts(app)


def test_an_empty_form_sends_nothing(fresh_db: Path, store: Path) -> None:
    app = page("erfassen.py", OFFICER)
    assert "noch keine Meldung" in texts(app)
    button(app, "Melden").click().run()
    assert [e.value for e in app.error] == ["Bitte mindestens eine Zahl eintragen; es wurde nichts gemeldet."]
    assert upload.history().empty


def test_english_labels_and_messages(fresh_db: Path, store: Path) -> None:
    app = AppTest.from_file(str(ROOT / "pages" / "erfassen.py"), default_timeout=30)
    app.session_state["_lang"] = "en"
    app.session_state["user"] = OFFICER
    app.session_state["_session"] = session.Claims(
        "mueller", accounts.session_epoch("mueller") or accounts.renew_session_epoch("mueller"),
        int(time.time()) + 3600)
    app.run()
    assert app.title[0].value == "Enter a report"
    assert app.text_input(key="form_occupied").label == "Occupied"
    app.text_input(key="form_occupied").input("viele")
    button(app, "Check").click().run()
    assert 'Occupied: "viele" is not a number' in [shown(e) for e in app.error]


def form_week(week: date) -> str:
    year, number, _ = week.isocalendar()
    return f"KW {number}/{year}"



def test_findings_wait_for_a_confirmation_before_the_report_is_sent(fresh_db: Path,
                                                                    store: Path) -> None:
    report(LAST - timedelta(weeks=1), "25;10;1250;30;1180")
    app = page("erfassen.py", OFFICER)
    app.text_input(key="form_capacity").input("12.500")  # one key pressed twice
    button(app, "Melden").click().run()
    assert not app.exception
    assert upload.history().source.tolist() == ["upload"]  # not sent
    warned = [shown(w) for w in app.warning if shown(w).startswith("Plätze: ")]
    assert len(warned) == 1 and "12.500" in warned[0] and "(1.250;" in warned[0]  # at its field
    assert "weichen auffällig" in texts(app)
    assert not any(b.label == "Melden" for b in app.button)

    button(app, "Trotzdem melden").click().run()  # not confirmed: nothing sent
    assert "Bitte zuerst bestätigen" in texts(app)
    assert upload.history().source.tolist() == ["upload"]

    app.checkbox(key="form_confirm").check()
    app.text_input(key="form_comment").input("Neue Halle in Betrieb")
    button(app, "Trotzdem melden").click().run()
    assert not app.exception
    assert f"Gemeldet: {form_week(LAST)}" in texts(app)
    latest = upload.history().iloc[0]
    assert (latest.source, latest.loaded_by, latest.confirmed_by, latest.confirm_comment) == \
        ("form", "mueller", "mueller", "Neue Halle in Betrieb")
