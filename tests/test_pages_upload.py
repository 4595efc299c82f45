"""The pages Anmelden and Hochladen with Streamlit's AppTest (file uploads: the browser test)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from reception import accounts
from reception.accounts import User
from reception.web import session, upload

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "richtig-geheim-42"
GOOD = ("Kreis;Woche;Zugänge;Abgänge;Kapazität;Belegung\n"
        "Erfurt;KW 45/2024;25;10;800;640\n").encode()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "accounts.json"
    monkeypatch.setenv("RECEPTION_ACCOUNTS", str(path))
    accounts.add_user("mueller", PASSWORD, "officer")
    accounts.add_user("chef", PASSWORD, "admin")
    return path


def page(name: str, user: User | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=30)
    if user is not None:  # signed in as the page itself does it (claims of the lasting sign-in)
        app.session_state["user"] = user
        app.session_state["_session"] = session.Claims(user.name, accounts.session_epoch(user.name)
                                                       or accounts.renew_session_epoch(user.name) or "gone",
                                                       int(time.time()) + 3600)
    return app.run()


def texts(app: AppTest) -> str:
    parts = [e.value for kind in ("success", "error", "warning", "info", "caption", "markdown")
             for e in getattr(app, kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_sign_in_with_wrong_password_shows_generic_message(fresh_db: Path, store: Path) -> None:
    app = page("anmelden.py")
    app.text_input(key="signin_name").input("mueller")
    app.text_input(key="signin_password").input("falsch-falsch")
    app.button[0].click().run()
    assert [e.value for e in app.error] == ["Anmeldung fehlgeschlagen: Name oder Passwort ist falsch."]
    assert "user" not in app.session_state


def test_sign_in_and_out(fresh_db: Path, store: Path) -> None:
    app = page("anmelden.py")
    app.text_input(key="signin_name").input("mueller")
    app.text_input(key="signin_password").input(PASSWORD)
    app.button[0].click().run()
    assert app.session_state["user"] == User("mueller", "officer")
    assert "Angemeldet als mueller" in texts(app)
    app.button(key="sign_out").click().run()
    assert "user" not in app.session_state
    assert app.text_input(key="signin_name") is not None


def test_upload_page_refuses_without_sign_in(fresh_db: Path, store: Path) -> None:
    app = page("hochladen.py")
    assert "nur nach Anmeldung" in app.warning[0].value
    assert not app.get("file_uploader")
    assert not app.button


def test_upload_page_refuses_a_removed_account_still_in_the_session(fresh_db: Path,
                                                                    store: Path) -> None:
    accounts.remove_user("mueller")
    app = page("hochladen.py", User("mueller", "officer"))
    assert "nur nach Anmeldung" in app.warning[0].value
    assert "user" not in app.session_state


def test_upload_page_for_an_officer_shows_templates_history_and_own_rollback(
        fresh_db: Path, store: Path) -> None:
    mine = upload.load_preview(upload.preview_file(GOOD, "meine.csv", today=date(2024, 12, 31)),
                               User("mueller", "officer"))
    other = GOOD.replace(b";25;", b";26;")
    upload.load_preview(upload.preview_file(other, "fremd.csv", today=date(2024, 12, 31)),
                        User("chef", "admin"))
    app = page("hochladen.py", User("mueller", "officer"))
    assert not app.exception
    assert len(app.get("file_uploader")) == 1
    assert len(app.get("download_button")) == 2
    choice = app.selectbox(key="rollback_choice")
    assert choice.options == [f"Load {mine.load_id} – meine.csv (mueller, "
                              f"{choice.options[0].split(', ')[1]}"]
    assert "1 frühere Werte gelten wieder" in texts(app) or "0 frühere" in texts(app)
    assert app.button(key="rollback_button").disabled
    app.checkbox(key=f"rollback_confirm_{mine.load_id}").check().run()
    app.button(key="rollback_button").click().run()
    assert not app.exception
    assert f"Load {mine.load_id} (meine.csv) zurückgenommen" in texts(app)
    assert upload.history().set_index("load_id").loc[mine.load_id, "status"] == "rolled_back"


def test_admin_may_roll_back_every_load(fresh_db: Path, store: Path) -> None:
    upload.load_preview(upload.preview_file(GOOD, "meine.csv", today=date(2024, 12, 31)),
                        User("mueller", "officer"))
    app = page("hochladen.py", User("chef", "admin"))
    assert len(app.selectbox(key="rollback_choice").options) == 1


def test_with_oidc_configured_the_page_offers_single_sign_on(fresh_db: Path, store: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from reception.web import signin

    monkeypatch.setattr(signin, "oidc_enabled", lambda: True)
    app = page("anmelden.py")
    assert [b.label for b in app.button] == ["Mit Single Sign-on anmelden"]
    assert not app.text_input
    upload_page = page("hochladen.py", User("mueller", "officer"))  # session user is not trusted
    assert "nur nach Anmeldung" in upload_page.warning[0].value


def test_without_secrets_file_embedded_accounts_are_used(fresh_db: Path, store: Path) -> None:
    app = page("anmelden.py")
    assert app.text_input(key="signin_password").proto.type == app.text_input(
        key="signin_password").proto.PASSWORD


class _Uploaded:
    """What ``st.file_uploader`` hands the page (AppTest cannot drive the widget itself)."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name, self._data = name, data

    def getvalue(self) -> bytes:
        return self._data


def page_with_files(monkeypatch: pytest.MonkeyPatch, files: list[tuple[str, bytes]]) -> AppTest:
    import streamlit

    monkeypatch.setattr(streamlit, "file_uploader",
                        lambda *args, **kwargs: [_Uploaded(n, d) for n, d in files])
    return page("hochladen.py", User("mueller", "officer"))


def frames(app: AppTest) -> str:
    return "\n".join(e.value.to_string() for e in app.dataframe)


def test_upload_page_reads_an_ods_report_and_names_the_sheet(fresh_db: Path, store: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.corpus.make_corpus import DE, ods, rows22

    app = page_with_files(monkeypatch, [("meldung.ods", ods([DE] + rows22(), first=[["Hinweis"]]))])
    assert not app.exception and not app.error
    shown = frames(app) + texts(app)
    assert "ODS" in shown and "Meldung" in shown
    assert 'Gelesen wurde das Blatt "Meldung" (Blatt 2)' in shown
    assert not app.button(key=next(b.key for b in app.button if b.key.startswith("load-"))).disabled


def test_upload_page_refuses_a_shifted_row_and_a_protected_file_in_plain_german(
        fresh_db: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.corpus.make_corpus import CASES

    shifted = CASES["leeres_feld_nach_woche.csv"][0]()
    protected = CASES["mit_kennwort.xlsx"][0]()
    app = page_with_files(monkeypatch, [("verschoben.csv", shifted), ("geschuetzt.xlsx", protected)])
    assert not app.exception
    shown = frames(app)
    assert '"640" steht rechts der Kopfzeile, die mit Spalte G (Belegung) endet' in shown
    assert "Die Datei ist mit einem Kennwort geschützt" in shown
    assert "Error" not in shown and "Traceback" not in shown
    assert all(b.disabled for b in app.button if b.key.startswith("load-"))
