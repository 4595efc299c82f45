"""The ledger of sent messages (table ``reminder_log``, view ``reminders``; migration 009).

Once, not at least once and not at most once by luck: a message is *claimed* in the store of
record before it is sent, in a write transaction (``db.writer``: the DuckDB file's lock, or the
PostgreSQL store's advisory lock, which serialises claims on every host). Whoever's claim is in
the table sends; the others skip it. Once the mail server has accepted the message the claim is
stamped ``sent_at``; where the server refused it or could not be reached, the claim is released
and the next run claims it again. A claim that was never stamped nor released (the run crashed
between claiming and recording) lapses after :data:`LEASE` and is taken over: a message is never
lost, and sent twice at worst where the crash fell between the server's acceptance and the stamp.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb

LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class Entry:
    """What one message is about; ``key`` names it uniquely."""

    kind: str  # reminder, escalation, alert
    ags: str | None
    week: date
    recipient: str
    level: str = ""  # alerts: the traffic light it crossed into

    @property
    def key(self) -> str:
        return ":".join((self.kind, self.ags or "-", self.week.isoformat(), self.level,
                         self.recipient.lower()))


def run_token() -> str:
    """Who claims: host, process and a random part (two runs in one process differ too)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(con: duckdb.DuckDBPyConnection, entries: Iterable[Entry], by: str,
          now: datetime) -> list[Entry]:
    """Claim ``entries`` for ``by`` (in the caller's write transaction); returns those now
    claimed by ``by``: not sent, not claimed by a run whose lease still holds."""
    wanted = {entry.key: entry for entry in entries}
    if not wanted:
        return []
    lapsed = now - LEASE
    for entry in wanted.values():
        con.execute(
            "INSERT INTO reminder_log (message_key, ags, week, kind, recipient, claimed_at, "
            "claimed_by) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_key) DO UPDATE SET "
            "claimed_at = excluded.claimed_at, claimed_by = excluded.claimed_by "
            "WHERE reminder_log.sent_at IS NULL AND reminder_log.claimed_at < ?",
            [entry.key, entry.ags, entry.week, entry.kind, entry.recipient, now, by, lapsed])
    mine = {key for (key,) in con.execute(
        "SELECT message_key FROM reminder_log WHERE claimed_by = ? AND sent_at IS NULL",
        [by]).fetchall()}
    return [entry for key, entry in wanted.items() if key in mine]


def mark_sent(con: duckdb.DuckDBPyConnection, entries: Iterable[Entry], by: str,
              sent_at: datetime) -> None:
    """Stamp what the mail server accepted."""
    for entry in entries:
        con.execute("UPDATE reminder_log SET sent_at = ? WHERE message_key = ? AND claimed_by = ?",
                    [sent_at, entry.key, by])


def release(con: duckdb.DuckDBPyConnection, entries: Iterable[Entry], by: str) -> None:
    """Give back claims whose messages were not sent, for the next run."""
    for entry in entries:
        con.execute("DELETE FROM reminder_log WHERE message_key = ? AND claimed_by = ? "
                    "AND sent_at IS NULL", [entry.key, by])


def sent_keys(con: duckdb.DuckDBPyConnection, kind: str) -> set[str]:
    """Keys of the messages of ``kind`` already sent."""
    return {key for (key,) in con.execute(
        "SELECT message_key FROM reminder_log WHERE kind = ? AND sent_at IS NOT NULL",
        [kind]).fetchall()}


def set_deadline(con: duckdb.DuckDBPyConnection, deadline: tuple[int, int]) -> bool:
    """Write the configured deadline (weekday, minute of the day) into the store where it
    differs; True where it changed."""
    found = con.execute("SELECT weekday, minute_of_day FROM reporting_deadline").fetchall()
    if found and tuple(found[0]) == tuple(deadline):
        return False
    con.execute("DELETE FROM reporting_deadline")
    con.execute("INSERT INTO reporting_deadline VALUES (1, ?, ?)", list(deadline))
    return True
