"""A view of the past in headless Chromium on the demo data: ``?stand=T`` on Lage and Meldungen
shows the banner with what happened since, the link back to today works, and the Meldungen page
with its picker and "Was hat sich seit … geändert" has no WCAG 2.1 A/AA violation. Tall
screenshot: tests/screenshots/asof-meldungen.png (look at it after changes)."""

from __future__ import annotations

import pytest

from reception.store import asof
from tests.a11y_support import axe_source, axe_violations, describe, settle
from tests.conftest import screenshot, wait_for_app
from tests.test_asof import MICRO, loaded_at, report, rollback

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def confirmed_load(folder, data: bytes, name: str) -> int:
    """Load a report with its plausibility findings confirmed (corrections of demo figures
    jump); the new load's id."""
    from etl.cli import main
    from tests.etl_support import query

    (folder / name).write_bytes(data)
    assert main(["ingest", str(folder / name), "--confirm", "--user", "test"]) == 0
    return query(folder / "reception.duckdb", "SELECT max(load_id) FROM load_log")[0][0]


def test_stand_banner_link_back_and_meldungen_in_chromium(demo_db, serve_app, tall):
    folder = demo_db.parent
    first = confirmed_load(folder, report(10, 500, "2026-W49"), "korrektur_erfurt.csv")
    second = confirmed_load(folder, report(30, 600, "2026-W49"), "korrektur_erfurt_2.csv")
    confirmed_load(folder, report(5, 600, "2026-W50"), "nachtrag_kw50.csv")
    rollback(second)
    moment = asof.local(loaded_at(demo_db, first) - MICRO)  # only the demo load was in
    stand = moment.isoformat()
    app = serve_app(demo_db)

    tall.goto(f"{app.url}/meldungen?stand={stand}")
    tall.wait_for_function("() => document.body.innerText.includes('Ladehistorie')", timeout=90000)
    settle(tall, 90000)
    banner = tall.locator('[data-testid="stAlertContentWarning"]').first.inner_text()
    assert f"Historische Ansicht: Stand {moment:%d.%m.%Y %H:%M}" in banner
    assert "seitdem 3 Loads, 1 Rücknahme" in banner
    body = tall.inner_text("body")
    assert "Stand am … (historische Ansicht)" in body and "Was hat sich seit" in body
    screenshot(tall, "asof-meldungen")
    violations = axe_violations(tall, axe_source())
    assert not violations, describe(violations)

    tall.get_by_role("link", name="Zurück zum aktuellen Stand").click()
    wait_for_app(tall, 90000)
    tall.wait_for_function("() => !document.body.innerText.includes('Historische Ansicht')",
                           timeout=60000)
    assert "stand=" not in tall.url

    tall.goto(f"{app.url}/lage?stand={stand}")
    settle(tall, 90000)
    assert "Historische Ansicht" in tall.inner_text("body")
    assert not tall.query_selector_all('[data-testid="stException"]')
    assert "Traceback" not in app.output()
