"""``/lagebild`` (issue 22): the Lage page's figures, texts and charts as one static HTML page,
built once per data version and served as bytes. Nothing from the data reaches the page
unescaped; the page has no axe-core violations (WCAG 2.1 A/AA); a reload answers 304."""

from __future__ import annotations

import gzip
import urllib.request
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from reception.read import lagebild
from tests.a11y_support import axe_source, axe_violations, describe
from tests.conftest import SCREENSHOTS, screenshot

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>'


def test_nothing_from_the_data_reaches_the_page_as_markup(demo_db: Path) -> None:
    view, meta = lagebild.build_view()
    table = pd.DataFrame({"Kreis": [HOSTILE], "Warnung": ["**fett** & <b>nicht</b>"]})
    hostile = replace(view, warning_table=table,
                      ranking=replace(view.ranking, summary=HOSTILE))
    page = lagebild.render(hostile, meta, {"rangfolge_auslastung": b"<svg></svg>"})
    assert "<script>" not in page and "<img src=x" not in page and "<b>nicht</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<strong>fett</strong> &amp; &lt;b&gt;nicht&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page  # in the chart's alt text and caption


def test_the_page_shows_the_lage_view(demo_db: Path) -> None:
    view, meta = lagebild.build_view()
    page = lagebild.render(view, meta, {})  # without Chromium: the summaries alone
    assert page.startswith("<!DOCTYPE html>") and '<html lang="de">' in page
    for card in view.cards:
        assert lagebild.text(card["value"]) in page
    assert lagebild.text(view.development[0].summary) in page
    assert lagebild.text(view.ranking.summary) in page
    if view.warning_table is not None:
        assert lagebild.text(view.warning_table.iloc[0, 0]) in page


def _get(url: str, **headers: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=300) as answer:  # noqa: S310 (local server)
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.mark.slow
@pytest.mark.browser
def test_served_page_is_cached_compressed_and_accessible(demo_db: Path, serve_app, browser) -> None:
    app = serve_app(demo_db)
    status, headers, body = _get(f"{app.url}/lagebild", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    html = gzip.decompress(body).decode("utf-8")
    assert "Lagebild" in html and "data:image/svg+xml;base64," in html  # the charts as images
    status, _, plain = _get(f"{app.url}/lagebild")
    assert status == 200 and plain.decode("utf-8") == html
    status, _, _ = _get(f"{app.url}/lagebild", **{"If-None-Match": headers["etag"]})
    assert status == 304

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    tab = context.new_page()
    try:
        tab.goto(f"{app.url}/lagebild")
        tab.wait_for_selector("footer")
        violations = axe_violations(tab, axe_source())
        screenshot(tab, "lagebild")
        tab.screenshot(path=str(SCREENSHOTS / "lagebild-full.png"), full_page=True)
    finally:
        context.close()
    assert not violations, describe(violations)
