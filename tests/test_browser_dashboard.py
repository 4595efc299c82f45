"""The served dashboard in headless Chromium: every page opens, charts render, no exception shows.
Screenshots go to tests/screenshots/dashboard-*.png (look at them after changes)."""

from __future__ import annotations

import pytest

from tests.conftest import screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {"": 2, "kreis?kreis=16051": 8, "karte": 1, "vergleich": 1, "meldungen": 1, "methodik": 0}


def test_every_page_renders_charts_without_exception(demo_db, serve_app, page):
    app = serve_app(demo_db)
    for path, charts in PAGES.items():
        page.goto(f"{app.url}/{path}")
        wait_for_app(page)
        if charts:
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30000)
            page.wait_for_function(f"() => document.querySelectorAll('.js-plotly-plot').length >= {charts}",
                                   timeout=30000)
        page.wait_for_selector("h1", timeout=30000)
        assert not page.query_selector_all('[data-testid="stException"]'), path
        name = path.split("?")[0] or "lage"
        screenshot(page, f"dashboard-{name}")
    assert "Traceback" not in app.output()


def test_language_switch_in_the_browser_keeps_the_page(demo_db, serve_app, page):
    app = serve_app(demo_db)
    page.goto(f"{app.url}/karte")
    wait_for_app(page)
    page.get_by_text("English", exact=True).click()
    page.wait_for_selector("h1:has-text('Map')", timeout=30000)
    assert "/karte" in page.url
