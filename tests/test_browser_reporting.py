"""Meldungen's timeliness (issue 24) in headless Chromium: the week now due with who is still
open, the heatmap of on time / late / missing, each district's on-time rate; axe-core finds no
WCAG 2.1 A/AA violation. Tall screenshot: tests/screenshots/reporting-meldungen.png (look at it
after changes).

The data: the twelve weeks before the current one, loaded at times set around each week's real
deadline (Tuesday 12:00 Berlin of the following week): Erfurt always on time, Gera late in three
weeks, Jena missing two weeks, Suhl never; the week now due still open for everyone but Erfurt."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from reception.read import timeliness
from reception.read.queries import utc_now
from tests.a11y_support import axe_source, axe_violations, describe, settle
from tests.conftest import screenshot
from tests.remind_support import load

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WEEKS = 12


def due_of(monday: date) -> datetime:
    """Tuesday 12:00 Berlin of the following week, as UTC."""
    tuesday = monday + timedelta(days=8)
    return timeliness.parse_instant(f"{tuesday.isoformat()}T12:00")


@pytest.fixture
def timely_app_db(fresh_db):
    from reception.store import db

    with db.writer() as con:
        every = [ags for (ags,) in con.execute("SELECT ags FROM district_ref ORDER BY ags")
                 .fetchall()]
    now_berlin = timeliness.berlin(utc_now())
    current = now_berlin.date() - timedelta(days=now_berlin.weekday())
    for k in range(WEEKS, 0, -1):
        monday = current - timedelta(weeks=k)
        week = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
        due = due_of(monday)
        occupied = 50 + 3 * (WEEKS - k)  # grows by arrivals - departures: no finding
        if due > utc_now():  # the week now due: only Erfurt is in
            load([("16051", 100, occupied)], f"{week}-erfurt.csv", due - timedelta(days=1),
                 week=week)
            continue
        late = {"16052"} if k in (3, 5, 8) else set()
        missing = {"16054"} | ({"16053"} if k in (2, 6) else set())
        on_time = [(a, 100, occupied) for a in every if a not in late | missing]
        load(on_time, f"{week}.csv", due - timedelta(hours=2), week=week)
        if late:
            load([(a, 100, occupied) for a in late], f"{week}-spaet.csv", due + timedelta(hours=5),
                 week=week)
    return fresh_db


def test_meldungen_shows_deadline_heatmap_and_rates(timely_app_db, serve_app, tall):
    app = serve_app(timely_app_db)
    tall.goto(f"{app.url}/meldungen")
    settle(tall, 90000)
    # a fresh server may still be drawing: wait for the heatmap and the table after it
    tall.wait_for_selector(".js-plotly-plot .heatmaplayer", timeout=90000)
    tall.get_by_text("Pünktlichkeit der letzten 12 Wochen").wait_for(timeout=90000)
    settle(tall, 90000)
    assert not tall.query_selector_all('[data-testid="stException"]')
    screenshot(tall, "reporting-meldungen")
    body = " ".join(tall.inner_text("body").split())
    assert "Meldefrist" in body and "fällig am Di " in body
    assert "noch offen: 21 Kreise" in body or "fehlt noch: 21 Kreise" in body
    assert "Pünktlich, verspätet oder fehlend je Kreis und Woche" in body
    assert "Pünktlichkeit der letzten 12 Wochen" in body
    rates = tall.locator('[data-testid="stDataFrame"]').nth(1)
    assert rates.is_visible()
    heatmap = tall.locator(".js-plotly-plot").first
    symbols = heatmap.inner_text()
    assert "✓" in symbols and "◷" in symbols and "✗" in symbols
    legend = " ".join(heatmap.locator(".legendtext").evaluate_all(
        "nodes => nodes.map(node => node.textContent)"))
    assert "✓ pünktlich" in legend and "◷ verspätet" in legend and "✗ fehlt" in legend
    assert "22 Kreise über 12 fällige Wochen" in body
    assert "Am seltensten pünktlich: Suhl (0 %), Gera (73 %), Jena (82 %)" in body
    assert "ist am Di 12:00 Uhr (Europe/Berlin) der folgenden Woche fällig" in body
    violations = axe_violations(tall, axe_source())
    assert not violations, "meldungen (timeliness): " + describe(violations)
    assert "Traceback" not in app.output()
