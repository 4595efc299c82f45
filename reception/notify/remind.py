"""``etl remind``: the reminders and escalations due at a moment (CONTRACT.md, "Notifications").

* **Reminder**: a district's report of week W is ``missing`` (its ``due_at`` has passed): one
  message to each of the district's officer accounts with an address. It names that district
  alone.
* **Escalation**: ``[reporting] escalate_after_hours`` after ``due_at`` one message to each of
  ``[reporting] land_contacts`` listing every district whose report of W is still missing, with
  its officers and its on-time rate over the last 12 due weeks.

Only weeks whose ``due_at`` lies within :data:`WINDOW` before the moment are reminded: a timer
that did not run for a while catches up on the last two deadlines, and a first run on a database
with years of history does not send its past. Alerts still unsent (the mail server was down
when the load came) go out with the same run (:mod:`reception.notify.alerts`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd

from reception import accounts, config
from reception.notify import alerts, compose, outbox
from reception.read import timeliness
from reception.store import ledger

WINDOW = timedelta(days=14)


def status_at(con: duckdb.DuckDBPyConnection, now: datetime) -> pd.DataFrame:
    return con.execute("SELECT s.*, d.name FROM reporting_status_at(CAST(? AS TIMESTAMP)) s "
                       "JOIN district_ref d USING (ags) ORDER BY s.ags, s.week", [now]).df()


def plan(now: datetime) -> outbox.Plan:
    def due(con: duckdb.DuckDBPyConnection) -> list[outbox.Outgoing]:
        status = status_at(con, now)
        return (reminders(status, now) + escalations(status, now)
                + alerts.plan(now)(con))
    return due


def _missing(status: pd.DataFrame, now: datetime) -> pd.DataFrame:
    due = pd.to_datetime(status.due_at)
    return status[status.status.eq("missing") & (due > pd.Timestamp(now - WINDOW))
                  & (due <= pd.Timestamp(now))]


def reminders(status: pd.DataFrame, now: datetime) -> list[outbox.Outgoing]:
    outgoing = []
    for row in _missing(status, now).itertuples():
        week = pd.Timestamp(row.week).date()
        text = compose.reminder(row.name, week, row.due_at)
        for address in accounts.officer_addresses(row.ags):
            outgoing.append(outbox.Outgoing(ledger.Entry("reminder", row.ags, week, address),
                                            text))
    return outgoing


def escalations(status: pd.DataFrame, now: datetime) -> list[outbox.Outgoing]:
    settings = config.settings()
    hours = settings.escalate_after_hours
    missing = _missing(status, now)
    missing = missing[pd.to_datetime(missing.due_at) + pd.Timedelta(hours=hours)
                      <= pd.Timestamp(now)]
    if missing.empty or not settings.land_contacts:
        return []
    rates = timeliness.on_time_rates(status)
    outgoing = []
    for week, group in missing.groupby("week"):
        listed = [{"name": r.name, "ags": r.ags, "officers": accounts.officer_addresses(r.ags),
                   "rate": rates.get(r.ags), "weeks": timeliness.RATE_WEEKS}
                  for r in group.sort_values("name").itertuples()]
        day = pd.Timestamp(week).date()
        text = compose.escalation(day, group.due_at.iloc[0], hours, listed)
        for contact in settings.land_contacts:
            outgoing.append(outbox.Outgoing(ledger.Entry("escalation", None, day, contact), text))
    return outgoing
