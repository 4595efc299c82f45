"""Claim, send, record: every message of ``etl remind`` and of the alerts goes through
:func:`deliver` (the protocol: :mod:`reception.store.ledger`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from reception import config
from reception.i18n import t
from reception.notify import compose, mail
from reception.store import db, ledger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    entry: ledger.Entry
    text: compose.Text


@dataclass
class Outcome:
    """What a delivery did: one line per message; ``unreachable``: why nothing could be sent;
    ``refused``: how many messages the server refused (they wait for the next run)."""

    lines: list[str] = field(default_factory=list)
    sent: int = 0
    refused: int = 0
    unreachable: str | None = None

    @property
    def ok(self) -> bool:
        return self.unreachable is None and self.refused == 0


Plan = Callable[[duckdb.DuckDBPyConnection], list[Outgoing]]


def deliver(plan: Plan, dry_run: bool = False, lang: str = "de") -> Outcome:
    """Run ``plan`` on the store of record (in a write transaction: what it reads is what the
    claims are made against), claim what it returns, send it, record what was accepted and give
    back the rest. ``dry_run``: report what ``plan`` returns and is not yet sent; no claim, no
    mail."""
    by = ledger.run_token()
    with db.writer() as con:
        ledger.set_deadline(con, config.settings().deadline)
        outgoing = plan(con)
        if dry_run:
            done = {key for kind in ("reminder", "escalation", "alert")
                    for key in ledger.sent_keys(con, kind)}
            todo = [o for o in outgoing if o.entry.key not in done]
        else:
            claimed = {e.key for e in ledger.claim(con, [o.entry for o in outgoing], by,
                                                   clock())}
            todo = [o for o in outgoing if o.entry.key in claimed]
    if dry_run:
        return Outcome([_line(o, t("remind.dry", lang), lang) for o in todo])
    return _send(todo, by, lang) if todo else Outcome()


def _send(todo: list[Outgoing], by: str, lang: str) -> Outcome:
    outcome = Outcome()
    accepted: list[ledger.Entry] = []
    refused: list[ledger.Entry] = []
    try:
        with mail.Mailer() as mailer:
            for item in todo:
                try:
                    mailer.send(compose.email(item.text, item.entry.recipient, mailer.sender))
                except mail.MailError as error:
                    refused.append(item.entry)
                    said = t("remind.refused", lang, reason=error.sentence(lang))
                    outcome.lines.append(_line(item, said, lang))
                    continue
                accepted.append(item.entry)
                outcome.lines.append(_line(item, t("remind.sent", lang), lang))
    except mail.MailError as error:
        outcome.unreachable = error.sentence(lang)
    finally:
        handled = {e.key for e in accepted} | {e.key for e in refused}
        refused += [item.entry for item in todo if item.entry.key not in handled]
        _record(accepted, refused, by)
    outcome.sent, outcome.refused = len(accepted), len(refused)
    if outcome.unreachable is not None:
        outcome.refused = 0  # nothing was refused: the server was not reached
    return outcome


def _record(accepted: list[ledger.Entry], refused: list[ledger.Entry], by: str) -> None:
    """Stamp what was accepted, give back the rest. Where even that fails, the claims lapse
    (ledger.LEASE) and the next run sends them: twice at worst, never lost."""
    if not accepted and not refused:
        return
    with db.writer() as con:
        ledger.mark_sent(con, accepted, by, clock())
        ledger.release(con, refused, by)


def _line(item: Outgoing, outcome: str, lang: str) -> str:
    return t("remind.line", lang, kind=t(f"remind.kind.{item.entry.kind}", lang),
             recipient=item.entry.recipient, subject=item.text.subject, outcome=outcome)


def clock() -> datetime:
    """The wall clock, UTC without zone. Not ``queries.utc_now``: that is the moment viewed in a
    page's view of the past, and a claim, a stamp or an alert after an upload made while viewing
    the past belongs to now."""
    return datetime.now(UTC).replace(tzinfo=None)


def now_or(value: datetime | None) -> datetime:
    return value or clock()
