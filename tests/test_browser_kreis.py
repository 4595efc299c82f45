"""The Kreis page's figures of issue 14 in headless Chromium on the demo data: places by kind of
accommodation, usable and unusable places, the Auszugsstau, announcements ahead and the
reimbursement. Tall screenshot: tests/screenshots/usable-kreis.png (look at it after changes)."""

from __future__ import annotations

import pytest

from tests.conftest import drawn_legends, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

def test_kreis_shows_kinds_usable_places_backlog_announcements_and_reimbursement(demo_db, serve_app, tall):
    app = serve_app(demo_db)
    tall.goto(f"{app.url}/kreis?kreis=16051")  # Erfurt reports per facility in the demo
    wait_for_app(tall)
    expected = {"Gemeinschaftsunterkünfte (GU)", "Wohnungen", "Notunterkünfte", "Belegbare Plätze",
                "Nicht belegbare Plätze", "Auszugsberechtigte", "Anteil an der Belegung"}
    legend = drawn_legends(tall, expected)
    assert not tall.query_selector_all('[data-testid="stException"]')
    assert expected <= legend
    body = tall.inner_text("body")
    for text in ("Auszugsstau: würden frei", "Angekündigt, nächste 4 Wochen", "Angekündigte Zuweisungen",
                 "Erstattung je Monat (laut Einstellung)", "× 332\u00a0€, kreisfreie Stadt", "ThürFlüKEVO"):
        assert text in body, text
    screenshot(tall, "usable-kreis")
    assert "Traceback" not in app.output()
