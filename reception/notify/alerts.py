"""Alerts: a district whose latest report moves its traffic light (usable places,
``metrics.status_rate``) up into "angespannt" or "Grenze erreicht" gets one message to
``[alerts] recipients`` and its officers, with the figures and the runway.

Once per crossing: the message is about the week whose report crossed and the level it crossed
into (its ledger key), so a later week at the same level sends nothing, and a district that fell
below and crosses again sends again. Only a crossing in the district's latest reported week,
brought by a load (not the demo) within :data:`WINDOW`, is alerted: a first ``remind`` on an old
database does not send the history. A load calls :func:`after_load` once the store has committed
it; where sending fails, the alert waits for the next ``etl remind``, which sends the crossings
still unsent (:func:`plan`). The load itself never fails because of an alert.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import duckdb
import pandas as pd

from reception import accounts, config
from reception.i18n import t
from reception.notify import compose, mail, outbox
from reception.read import metrics
from reception.store import ledger

log = logging.getLogger(__name__)
WINDOW = timedelta(days=7)
RANK = {metrics.OK: 0, metrics.UNKNOWN: 0, metrics.WARN: 1, metrics.LIMIT: 2}


def crossings(con: duckdb.DuckDBPyConnection, now: datetime,
              districts: list[str] | None = None) -> list[dict]:
    """The districts (of ``districts``, default all) whose latest reported week crossed up into
    WARN or LIMIT, loaded within :data:`WINDOW` before ``now``: their latest figures
    (``metrics.latest_by_district``) with ``level``."""
    weekly = con.execute(
        "SELECT w.*, d.name, d.kind, d.population FROM weekly w JOIN district_ref d USING (ags) "
        "WHERE CAST(? AS VARCHAR[]) IS NULL OR list_contains(?, w.ags) ORDER BY w.ags, w.week",
        [districts, districts]).df()
    if weekly.empty:
        return []
    recent = con.execute(
        "SELECT DISTINCT r.ags, r.week FROM report_row r JOIN load_log l USING (load_id) "
        "WHERE l.status = 'loaded' AND l.source <> 'demo' AND l.loaded_at > ?",
        [now - WINDOW]).fetchall()
    fresh = {(ags, pd.Timestamp(week)) for ags, week in recent}
    announced = con.execute("SELECT ags, week, announced FROM announcements").df()
    settings = config.settings()
    found = []
    for ags, frame in weekly.groupby("ags"):
        reported = frame[frame.reported.astype(bool)]
        if reported.empty or (ags, pd.Timestamp(reported.week.iloc[-1])) not in fresh:
            continue
        levels = [metrics.classify(rate, settings) for rate in metrics.status_rate(reported.tail(2))]
        before = RANK[levels[0]] if len(levels) == 2 else 0
        if RANK[levels[-1]] <= before:
            continue
        upto = frame[frame.week <= reported.week.iloc[-1]]
        latest = metrics.latest_by_district(upto, settings, announced).iloc[0].to_dict()
        found.append({**latest, "level": levels[-1]})
    return found


def plan(now: datetime, districts: list[str] | None = None) -> outbox.Plan:
    """The alerts due at ``now``, as a plan for :func:`outbox.deliver`."""
    def alerts(con: duckdb.DuckDBPyConnection) -> list[outbox.Outgoing]:
        outgoing = []
        for row in crossings(con, now, districts):
            text = compose.alert(row, t(f"status.{row['level']}", compose.LANG))
            week = pd.Timestamp(row["week"]).date()
            for recipient in recipients(row["ags"]):
                entry = ledger.Entry("alert", row["ags"], week, recipient, row["level"])
                outgoing.append(outbox.Outgoing(entry, text))
        return outgoing
    return alerts


def recipients(ags: str) -> list[str]:
    """``[alerts] recipients`` and the district's officers, each once."""
    found = list(config.settings().alert_recipients)
    return found + [a for a in accounts.officer_addresses(ags) if a not in found]


def after_load(load_id: int, source: str) -> None:
    """The hook a committed load calls: alert the crossings its districts made. Silent where no
    mail server is configured; never raises (the load is committed and stays so)."""
    if not mail.configured() or source == "demo":
        return
    try:
        districts = _districts_of(load_id)
        outcome = outbox.deliver(plan(outbox.now_or(None), districts))
        for line in outcome.lines:
            log.info("%s", line)
        if not outcome.ok:
            log.warning("alerts after load %s wait for the next `etl remind`: %s", load_id,
                        outcome.unreachable or f"{outcome.refused} refused")
    except Exception:  # the alert waits for the next `etl remind`; the load is not touched
        log.exception("alerts after load %s failed; the next `etl remind` sends them", load_id)


def _districts_of(load_id: int) -> list[str]:
    from reception.store import db

    with db.writer() as con:
        return [ags for (ags,) in con.execute(
            "SELECT DISTINCT ags FROM load_week WHERE load_id = ?", [load_id]).fetchall()]
