"""Planung in headless Chromium: the scenarios from a link render as a chart with their numbers
explained, and the needs table. Screenshot: tests/screenshots/planung.png (look at it)."""

from __future__ import annotations

import pytest

from tests.conftest import screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_planung_from_a_link_shows_three_scenarios_and_the_needs_table(demo_db, serve_app, browser):
    app = serve_app(demo_db)
    context = browser.new_context(viewport={"width": 1400, "height": 2400}, locale="de-DE")
    tab = context.new_page()
    try:
        tab.goto(f"{app.url}/planung?einheit=16051&wochen=10&reserve=10"
                 "&szenarien=Basis~forecast~0~0~|Mehr~percent~20~0~|Halle~forecast~0~10~")
        wait_for_app(tab)
        tab.wait_for_selector(".js-plotly-plot .main-svg", timeout=30000)
        text = tab.inner_text("body")
        assert "Planung: Szenarien und Bedarfsberechnung" in text
        assert "Erfurt" in text and "Mehr" in text and "Halle" in text
        assert "Bedarfsberechnung bis" in text and "Reserve" in text
        assert tab.query_selector_all('[data-testid="stDataFrame"]')
        assert not tab.query_selector_all('[data-testid="stException"]')
        screenshot(tab, "planung")
    finally:
        context.close()
    assert "Traceback" not in app.output()
