"""Issue 14 in headless Chromium, on the demo data (second-version reports): Lage stacks arrivals
by group and draws usable places; the early warning reads usable places. Whole-page screenshots
with a tall viewport (Streamlit scrolls inside its own container): tests/screenshots/
usable-lage.png, usable-kreis.png, usable-karte.png (look at them after changes)."""

from __future__ import annotations

import pytest

from tests.conftest import drawn_legends, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

def _open(tab, url: str, charts: int) -> str:
    tab.goto(url)
    wait_for_app(tab)
    tab.wait_for_function(f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
                          timeout=60000)
    assert not tab.query_selector_all('[data-testid="stException"]')
    return tab.inner_text("body")


def test_lage_shows_groups_usable_places_and_the_usable_traffic_light(demo_db, serve_app, tall):
    app = serve_app(demo_db)
    body = _open(tall, app.url, 4)
    expected = {"Asylsuchende", "Ukraine (§ 24 AufenthG)", "Belegbare Plätze", "Plätze", "Belegt",
                "Auslastung der belegbaren Plätze"}
    assert expected <= drawn_legends(tall, expected)
    assert "Freie belegbare Plätze" in body and "Auslastung der belegbaren Plätze je Kreis" in body
    assert "Auslastung (belegbare Plätze)" in body  # the early warning's rate column
    screenshot(tall, "usable-lage")
    assert "Traceback" not in app.output()


def test_karte_with_real_boundaries_screenshot(demo_db, serve_app, tall):
    app = serve_app(demo_db)
    body = _open(tall, f"{app.url}/karte", 1)
    tall.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .scatterlayer .trace .fills path').length >= 22",
        timeout=60000)
    assert "© GeoBasis-DE / BKG (2020), Daten verändert" in body
    screenshot(tall, "usable-karte")
