"""Karte (real boundaries) and Vergleich with the measures of issue 14 in headless Chromium on
the demo data, 1400 px wide: each new measure chosen as a user would (radio, select box), the
chart drawn, axe-core (WCAG 2.1 A/AA) without violations; screenshots in tests/screenshots."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.a11y_support import axe_source, axe_violations, describe, settle
from tests.conftest import ServedApp, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAP_MEASURES = {"usable_rate": "Auslastung der belegbaren Plätze",
                "entitled_share": "Anteil Auszugsberechtigte",
                "ukraine_share_4w": "Anteil Ukraine an Zugängen (4 Wochen)"}
COMPARISON_MEASURES = {"usable_rate": "Auslastung der belegbaren Plätze",
                       "entitled_share": "Anteil Auszugsberechtigte",
                       "ukraine_share": "Anteil Ukraine an Zugängen"}


@pytest.fixture(scope="module")
def served(demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    target = tmp_path_factory.mktemp("shares") / "reception.duckdb"
    shutil.copy(demo_db_template, target)
    shutil.copy(str(demo_db_template) + ".snapshot", str(target) + ".snapshot")
    app = ServedApp(target)
    try:
        app.wait_until_healthy()
        yield app
    finally:
        app.stop()



def _chart_title(tab) -> str:
    return tab.locator('[data-testid="stPlotlyChart"] .gtitle').first.text_content()


def _no_violations(tab, where: str) -> None:
    violations = axe_violations(tab, axe_source())
    assert not violations, f"{where}:\n{describe(violations)}"


def test_karte_with_each_new_measure(served, tall):
    tall.goto(f"{served.url}/karte")
    settle(tall)
    for measure, label in MAP_MEASURES.items():
        tall.get_by_role("radiogroup", name="Kennzahl").get_by_text(label, exact=True).click()
        settle(tall)
        tall.wait_for_function("(label) => [...document.querySelectorAll("
                               "'[data-testid=\"stPlotlyChart\"] .gtitle')]"
                               ".some(t => t.textContent.endsWith(label))", arg=label)
        assert _chart_title(tall) == f"Thüringen nach Kreisgrenzen: {label}"
        body = tall.locator('[data-testid="stMain"]').inner_text()
        assert "© GeoBasis-DE / BKG (2020), Daten verändert" in body
        assert f"{label}: am höchsten" in body
        screenshot(tall, f"karte_{measure}")
        _no_violations(tall, f"Karte, {measure}")


def test_vergleich_with_each_new_measure(served, tall):
    tall.goto(f"{served.url}/vergleich")
    settle(tall)
    for measure, label in COMPARISON_MEASURES.items():
        tall.locator('[data-testid="stSelectbox"]').filter(has_text="Kennzahl").click()
        tall.get_by_role("option", name=label, exact=True).click()
        settle(tall)
        tall.wait_for_function("(label) => [...document.querySelectorAll("
                               "'[data-testid=\"stPlotlyChart\"] .gtitle')]"
                               ".some(t => t.textContent === 'Vergleich: ' + label)", arg=label)
        body = tall.locator('[data-testid="stMain"]').inner_text()
        assert tall.locator('[data-testid="stDataFrame"]').count() == 1  # columns: AppTest
        assert " %" in body.split("Werte in", 1)[1].split("\n", 1)[0]  # the summary in percent
        screenshot(tall, f"vergleich_{measure}")
        _no_violations(tall, f"Vergleich, {measure}")
