"""The Karte page in headless Chromium: real district boundaries by default, for Thuringia and
for Bavaria (``init --land 09 --demo``), drawn without a single request off the app's own port.
Screenshots: tests/screenshots/karte-thueringen.png, karte-bayern.png (look at them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import run_etl, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FILLED = ".js-plotly-plot .scatterlayer .trace .fills path"
# Streamlit's own favicon lookup (dashboard.py's page_icon=":material/home_work:"), not the map;
# without internet it fails quietly and the tab shows no icon.
FAVICON = "https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/"


@pytest.fixture(scope="module")
def bavaria_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db_path = tmp_path_factory.mktemp("bayern") / "reception.duckdb"
    run_etl("init", "--land", "09", "--demo", env={"RECEPTION_DB": str(db_path)})
    return db_path


def _open_map(page, url: str) -> list[str]:
    """Open the Karte page; the URLs it requested that are not the app's own."""
    foreign: list[str] = []
    page.on("request", lambda request: foreign.append(request.url)
            if not request.url.startswith((url, "data:", "blob:", FAVICON)) else None)
    page.set_viewport_size({"width": 1400, "height": 1300})
    page.goto(f"{url}/karte")
    wait_for_app(page)
    page.wait_for_selector(FILLED, timeout=60000)
    return foreign


@pytest.mark.parametrize("land", ["thueringen", "bayern"])
def test_map_draws_real_boundaries_offline(land, demo_db, bavaria_db, serve_app, page, tmp_path):
    if land == "bayern":
        db = tmp_path / "bayern.duckdb"
        shutil.copy(bavaria_db, db)
        shutil.copy(str(bavaria_db) + ".snapshot", str(db) + ".snapshot")
    else:
        db = demo_db
    app = serve_app(db)
    foreign = _open_map(page, app.url)
    districts = {"thueringen": 22, "bayern": 96}[land]
    page.wait_for_function(f"() => document.querySelectorAll('{FILLED}').length >= {districts}",
                           timeout=60000)
    body = page.inner_text("body")
    assert "© GeoBasis-DE / BKG (2020), Daten verändert" in body
    assert {"thueringen": "Thüringen nach Kreisgrenzen", "bayern": "Bayern nach Kreisgrenzen"}[land] in body
    assert "an der Belastungsgrenze" in body  # the traffic light in words, beside the map
    assert not page.query_selector_all('[data-testid="stException"]')
    assert foreign == []  # no map tiles, fonts or topojson from the internet
    # hovering over a district names it and its status in words (not by colour alone)
    where = {"thueringen": ("Gotha", 10.62, 50.86), "bayern": ("Landkreis Rosenheim", 12.2, 47.75)}
    name, lon, lat = where[land]
    x, y = page.evaluate("""([lon, lat]) => {
        const gd = document.querySelector('.js-plotly-plot'), box = gd.getBoundingClientRect();
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        return [box.left + xa._offset + xa.l2p(lon), box.top + ya._offset + ya.l2p(lat)];
    }""", [lon, lat])
    page.mouse.move(x, y)
    page.wait_for_selector(".hoverlayer .hovertext", timeout=10000)
    hover = page.text_content(".hoverlayer") or ""
    assert name in hover and "Auslastung" in hover
    assert any(word in hover for word in ("unter Warnschwelle", "angespannt", "Grenze erreicht"))
    page.mouse.move(5, 5)
    screenshot(page, f"karte-{land}")
    assert "Traceback" not in app.output()
