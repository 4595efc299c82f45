"""Messages raised deep in the code reach a person in the language they chose: each exception
keeps its text key and parameters, ``str()`` is the German sentence, ``sentence("en")`` English."""

from __future__ import annotations

from pathlib import Path

import pytest

from reception.reference import districts
from reception.store import db, local

UMLAUT = set("äöüÄÖÜß")


@pytest.mark.parametrize(("content", "german", "english"), [
    (None, "Kreisreferenz nicht gefunden", "district reference not found"),
    ("ags,name\n16051,Erfurt\n", "Spalten fehlen: kind, population",
     "columns missing: kind, population"),
    ("ags,name,kind,population\n16051,Erfurt,Landkreis,viele\n",
     "Einwohnerzahl fehlt oder ist keine Zahl", "population missing or not a number"),
])
def test_a_bad_reference_says_why_in_german_and_in_english(
        tmp_path: Path, content: str | None, german: str, english: str) -> None:
    path = tmp_path / "kreise.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    with pytest.raises(districts.BadReference) as caught:
        districts.read_reference(path)

    assert str(caught.value) == caught.value.sentence("de")
    assert caught.value.sentence("de").startswith(f"{path}: {german}")
    assert caught.value.sentence("en").startswith(f"{path}: {english}")


def test_a_bad_distribution_key_names_its_kind_in_the_chosen_language(tmp_path: Path) -> None:
    with pytest.raises(districts.BadReference) as caught:
        districts.read_distribution_key(tmp_path / "fehlt.csv")

    assert caught.value.sentence("de").endswith("Verteilschlüssel nicht gefunden")
    assert caught.value.sentence("en").endswith("distribution key not found")


def test_an_unknown_land_is_said_in_english_too() -> None:
    with pytest.raises(districts.UnknownLand) as caught:
        districts.land_reference("99")

    assert caught.value.sentence("en").startswith("Unknown Land code '99'; known codes: ")
    assert str(caught.value).startswith("Unbekannter Landesschlüssel '99'")


def test_a_busy_database_is_said_in_english_without_german(tmp_path: Path) -> None:
    busy = local.DatabaseBusy("store.busy_file", path=tmp_path / "x.duckdb", seconds="30")

    assert str(busy) == (f"Datenbank {tmp_path / 'x.duckdb'} ist seit 30 s durch einen anderen "
                         "Prozess gesperrt; bitte später erneut versuchen.")
    assert busy.sentence("en") == (f"Database {tmp_path / 'x.duckdb'} has been locked by another "
                                   "process for 30 s; please try again later.")


def test_the_shared_store_away_is_a_busy_database_with_its_own_sentence() -> None:
    away = db.StoreUnavailable(12, file="meldung.csv")

    assert isinstance(away, local.DatabaseBusy)
    assert away.sentence("en").startswith("meldung.csv: not loaded, because the shared store ")
    assert not UMLAUT & set(away.sentence("en"))
    assert "nicht geladen" in str(away)


def test_a_mail_server_error_is_german_and_english() -> None:
    from reception.notify import mail

    with pytest.raises(mail.NotConfigured) as caught:
        mail.server_from_url("ftp://mail.example")

    assert str(caught.value) == caught.value.sentence("de")
    assert caught.value.sentence("en") != caught.value.sentence("de")
    assert not UMLAUT & set(caught.value.sentence("en"))
    away = mail.MailError("mail.unreachable", server="mail.example:587", reason="timed out")
    assert "mail.example:587" in away.sentence("en") and "timed out" in str(away)


def test_a_refused_recipient_is_named_in_the_chosen_language(monkeypatch: pytest.MonkeyPatch) -> None:
    import smtplib
    from email.message import EmailMessage

    from reception.notify import mail

    class RefusingServer:
        def send_message(self, message: EmailMessage) -> dict:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such user")})

    monkeypatch.setenv("RECEPTION_SMTP_URL", "smtp://mail.example:587")
    monkeypatch.setenv("RECEPTION_MAIL_FROM", "monitor@example.org")
    mailer = mail.Mailer()
    mailer._smtp = RefusingServer()  # type: ignore[assignment]
    message = EmailMessage()
    message["To"] = "mueller@lra-gotha.example"

    with pytest.raises(mail.MailError) as caught:
        mailer.send(message)

    assert caught.value.sentence("en") == ("Mail server smtp://mail.example:587 refused the recipient "
                                           "mueller@lra-gotha.example")
    assert "hat den Empfänger mueller@lra-gotha.example abgelehnt" in str(caught.value)
