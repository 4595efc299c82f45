"""Helpers of the e-mail tests: a real SMTP server (aiosmtpd) on a loopback port, settings and
accounts for reminders, report files of one week, and loads dated to the second."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from harness.served import free_port
from tests.etl_support import HEADER_DE, csv_bytes

PUBLIC_URL = "https://aufnahme.example.org"
LAND = "lage@land.example"
WATCH = "stab@land.example"
WEEK = "2024-W45"  # Monday 2024-11-04; due Tue 2024-11-12 12:00 Berlin = 11:00 UTC
DUE_UTC = datetime(2024, 11, 12, 11, 0, 0)


class Inbox:
    """What the server accepted, parsed back with ``email``; ``refuse``: answer 550 to DATA."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = False
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.refuse:
            return "550 mailbox unavailable"
        parsed = email.message_from_bytes(envelope.original_content or envelope.content,
                                          policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox = field(default_factory=Inbox)
    controller: object = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A running SMTP server on a free loopback port, configured as the app's mail server."""
    server = SmtpServer(free_port())
    server.start()
    monkeypatch.setenv("RECEPTION_SMTP_URL", server.url)
    monkeypatch.setenv("RECEPTION_MAIL_FROM", "aufnahme-monitor@land.example")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings with the Land's contacts, alert recipients and a public URL; accounts with
    addresses for Erfurt (two officers), Gera (one), Jena (none), and an admin."""
    from reception import accounts, config

    shipped = (config.DATA_DIR / "settings.toml").read_text(encoding="utf-8")
    changed = (shipped.replace("land_contacts = []", f'land_contacts = ["{LAND}"]')
               .replace("recipients = []", f'recipients = ["{WATCH}"]')
               .replace('public_url = "http://localhost:8501"', f'public_url = "{PUBLIC_URL}"'))
    path = tmp_path / "settings.toml"
    path.write_text(changed, encoding="utf-8")
    monkeypatch.setenv("RECEPTION_SETTINGS", str(path))
    monkeypatch.setenv("RECEPTION_ACCOUNTS", str(tmp_path / "accounts.json"))
    config.settings.cache_clear()
    password = "geheim-genug-123"
    accounts.add_user("erfurt1", password, "officer", "16051", email="a@erfurt.example")
    accounts.add_user("erfurt2", password, "officer", "16051", email="b@erfurt.example")
    accounts.add_user("gera", password, "officer", "16052", email="meldung@gera.example")
    accounts.add_user("jena", password, "officer", "16053")
    accounts.add_user("chef", password, "admin", email="chef@land.example")
    yield path
    config.settings.cache_clear()


def week_file(rows: list[tuple[str, int, int]], week: str = WEEK) -> bytes:
    """A report of ``week``: (ags, capacity, occupied) per district."""
    body = [[ags, "", week, 5, 2, capacity, occupied] for ags, capacity, occupied in rows]
    return csv_bytes([HEADER_DE, *body])


def load(rows: list[tuple[str, int, int]], name: str, at: datetime | None = None,
         week: str = WEEK) -> int:
    """Load a report through the one write path (as ``etl ingest``); ``at``: set its
    ``loaded_at`` (UTC) afterwards, in the store of record."""
    from reception.ingest.load import ingest_bytes

    result = ingest_bytes(week_file(rows, week), name, "cli", "test")
    assert result.status == "loaded", result
    if at is not None:
        backdate(result.load_id, at)
    return result.load_id


def backdate(load_id: int, at: datetime) -> None:
    from reception.store import db

    with db.writer() as con:
        con.execute("UPDATE load_log SET loaded_at = ? WHERE load_id = ?", [at, load_id])
        db.publish_snapshot(con)
