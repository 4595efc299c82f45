"""Verteilung in headless Chromium on the demo data: the proposal with every district's sentence,
the unplaced persons in red and in words, 0 axe violations (WCAG 2.1 A/AA). Screenshots with a
tall viewport: tests/screenshots/verteilung.png and verteilung-unplaced.png (look at them)."""

from __future__ import annotations

import pytest

from tests.a11y_support import axe_source, axe_violations, describe, settle
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_verteilung_proposal_unplaced_and_accessible(demo_db, serve_app, tall):
    app = serve_app(demo_db)
    tall.goto(f"{app.url}/verteilung")
    # a fresh server first runs the page in Streamlit's own multipage mode, then reruns it through
    # dashboard.py (ui.ensure_navigation): the page has no chart to wait for, so wait for its title
    tall.get_by_role("heading", name="Verteilungsvorschlag").wait_for(timeout=60000)
    settle(tall)
    body = tall.inner_text("body")
    assert "Verteilungsvorschlag" in body and "Vorschlag für KW 51/2026" in body
    assert "Erläuterung" in body and "Obergrenze" in body and "Alle Personen finden Platz" in body
    assert not tall.query_selector_all('[data-testid="stException"]')
    screenshot(tall, "verteilung")
    violations = axe_violations(tall, axe_source())
    assert not violations, describe(violations)

    field = tall.get_by_label("Zu verteilende Personen")
    field.fill("20000")
    field.press("Enter")
    tall.wait_for_selector('[data-testid="stAlertContentError"]', timeout=60000)
    settle(tall)
    alert = tall.inner_text('[data-testid="stAlertContentError"]')
    assert "Nicht unterzubringen" in alert and "Personen" in alert
    screenshot(tall, "verteilung-unplaced")
    violations = axe_violations(tall, axe_source())
    assert not violations, describe(violations)
    assert "Traceback" not in app.output()
