"""Accessibility in headless Chromium, on one served demo app for the whole module.

* axe-core (WCAG 2.1 A and AA rules): 0 violations on every page, in German and English, at 1400
  and 390 px, signed out (the sign-in form) and signed in (every page; the upload page with a
  good file previewed and a bad file's error table shown): 36 page views (9 per language and
  width). A failure names the rule, the page, the language and the width;
* the same walk checks what axe cannot: ``<html lang>`` matches the language, the headings form an
  outline (one h1, no skipped level), every chart has an accessible name and its "Kurz gesagt"
  text, and in English no German navigation entry or heading;
* the keyboard alone reaches the sidebar menu and the filters in order, with a visible focus,
  and changes the district on the Kreis page.
"""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from reception import accounts
from reception.i18n import catalogue, t
from reception.web import session, ui
from tests.a11y_support import axe_source, axe_violations, describe, settle
from tests.conftest import ServedApp, copy_store, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "richtig-geheim-42"
# page -> charts it draws on the demo data (Kreis: six of its eight for the default district,
# Altenburger Land, as AppTest counts them; the walk waits for that many, each drawn and named)
PAGES = {"lage": 2, "kreis": 6, "karte": 1, "vergleich": 1, "planung": 1, "verteilung": 0, "meldungen": 1,
         "methodik": 0, "erfassen": 0}
GOOD = ("Kreisschlüssel;Kreis;Woche;Zugänge;Abgänge;Kapazität;Belegung\n"
        "16051;Erfurt;KW 1/2030;31;12;812;799\n").encode("cp1252")
BAD = ("Kreis;Woche;Zugänge;Kapazität;Belegung\n"
       "Erfurt;KW 46/2024;-4;800;640\nAtlantis;KW 46/2024;3;100;50\n").encode()
SUMMARY = {"de": "Kurz gesagt", "en": "In short"}

OUTLINE = """() => [...document.querySelectorAll('[data-testid="stMain"] :is(h1,h2,h3,h4,h5,h6)')]
    .map(h => [Number(h.tagName[1]), h.innerText.trim()])"""
CHARTS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map(chart => {
    const block = chart.closest('[data-testid="stHorizontalBlock"]');
    return [chart.getAttribute('role'), chart.getAttribute('aria-label') || '',
            block ? block.innerText : ''];
})"""
# the menu's fixed entries (the sign-in, upload and form pages join where their files exist)
MENU = ("lage", "kreis", "karte", "vergleich", "planung", "verteilung", "meldungen", "methodik")
SIDEBAR_DRAWN = """([labels, note, focus_rule]) => {
    const bar = document.querySelector('[data-testid="stSidebar"]');
    if (!bar) return false;
    const links = new Set([...bar.querySelectorAll('a[data-testid="stPageLink-NavLink"]')]
        .map(link => link.textContent.trim()));
    return labels.every(label => links.has(label)) && bar.textContent.includes(note)
        && [...document.querySelectorAll('style')].some(sheet => sheet.textContent.includes(focus_rule));
}"""
CHARTS_DRAWN = """([count, summary]) => {
    const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
    return charts.length >= count && charts.every(chart => {
        const block = chart.closest('[data-testid="stHorizontalBlock"]');
        return chart.querySelector('.main-svg') && chart.getAttribute('role') === 'figure'
            && (chart.getAttribute('aria-label') || '').length > 20
            && block && block.innerText.includes(summary);
    });
}"""
SIDEBAR_TEXTS = """() => [...document.querySelectorAll(
    '[data-testid="stSidebar"] :is(a, p, label, [data-testid="stMarkdownContainer"])')]
    .map(e => e.innerText.trim()).filter(Boolean)"""


@pytest.fixture(scope="module")
def served(demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """One demo app (own database copy, one officer account) for the whole module."""
    folder = tmp_path_factory.mktemp("a11y")
    target = folder / "reception.duckdb"
    copy_store(demo_db_template, target)
    store = folder / "secrets" / "accounts.json"
    accounts.add_user("mueller", PASSWORD, "officer", path=store)
    app = ServedApp(target, {"RECEPTION_ACCOUNTS": str(store)})
    try:
        app.wait_until_healthy()
        yield app
    finally:
        app.stop()


def german_texts() -> set[str]:
    """Every German text that differs from its English one (the start before any placeholder)."""
    found = set()
    for entry in catalogue().values():
        german = str(entry.get("de", "")).split("{")[0].strip()
        if len(german) >= 4 and german != str(entry.get("en", "")).split("{")[0].strip():
            found.add(german)
    return found


def check_outline(outline: list, where: str) -> None:
    levels = [level for level, _ in outline]
    assert levels.count(1) == 1 and levels[0] == 1, f"{where}: one h1, first: {outline}"
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"{where}: heading level skipped: {outline}"


def wait_until(tab, condition: str, arg: list) -> None:
    """Wait until the page shows what the checks that follow assert, or 30 s have passed (the
    assertions then name what is missing; a timeout here would not)."""
    try:
        tab.wait_for_function(condition, arg=arg, timeout=30000)
    except Exception:  # playwright's TimeoutError
        pass


def sidebar_drawn(tab, lang: str) -> None:
    """Wait for the sidebar as the checks read it: every menu entry in ``lang``, the filters'
    note (the last text) and the focus ring's style sheet. The page's own script can end before
    the sidebar is drawn, and a walk that looks then finds no menu, German or no focus ring."""
    labels = [t(f"nav.{name}", lang) for name in MENU]
    focus_rule = ui.FOCUS_CSS.splitlines()[1]  # drawn by the sidebar's script (ui.document_basics)
    wait_until(tab, SIDEBAR_DRAWN, [labels, t("sidebar.filters_note", lang), focus_rule])


def check_view(tab, source: str, name: str, lang: str, width: int, charts: int, found: list) -> None:
    """axe plus the checks axe cannot make, on the page as it is now; problems go to ``found``."""
    settle(tab)
    sidebar_drawn(tab, lang)
    if charts:  # each chart drawn, named and with its summary (a chart draws two or three svgs)
        wait_until(tab, CHARTS_DRAWN, [charts, SUMMARY[lang]])
        settle(tab)
    where = f"{name} ({lang}, {width} px)"
    violations = axe_violations(tab, source)
    if violations:
        found.append(f"{where}:\n{describe(violations)}")
    assert tab.evaluate("document.documentElement.lang") == lang, where
    outline = tab.evaluate(OUTLINE)
    check_outline(outline, where)
    drawn = tab.evaluate(CHARTS)
    assert len(drawn) >= charts, f"{where}: {len(drawn)} of {charts} charts drawn"
    for role, label, block in drawn:
        assert role == "figure" and len(label) > 20, f"{where}: a chart without a name"
        assert SUMMARY[lang] in block, f"{where}: a chart without its {SUMMARY[lang]!r} text"
    if lang == "en":
        german = german_texts()
        shown = [text for _, text in outline] + tab.evaluate(SIDEBAR_TEXTS)
        leftovers = [text for text in shown if any(text.startswith(g) for g in german)]
        assert not leftovers, f"{where}: German in the English page: {leftovers}"


def sign_in(tab, url: str, lang: str) -> None:
    tab.goto(f"{url}/anmelden?lang={lang}")
    wait_for_app(tab)
    tab.locator("input[autocomplete=username]").fill("mueller")
    tab.locator("input[type=password]").fill(PASSWORD)
    tab.locator("input[type=password]").press("Enter")
    # the page fetches the cookie from auth/session and comes back; the walk then stays signed in
    deadline = time.monotonic() + 30
    while not any(c["name"] == session.COOKIE for c in tab.context.cookies()):
        assert time.monotonic() < deadline, "no session cookie after signing in"
        tab.wait_for_timeout(100)
    tab.wait_for_load_state()
    wait_for_app(tab)
    tab.locator('[data-testid="stAlertContentSuccess"]').wait_for()


def show_upload(tab, url: str, lang: str) -> None:
    tab.goto(f"{url}/hochladen?lang={lang}")
    wait_for_app(tab)
    tab.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files=[
        {"name": "gut.csv", "mimeType": "text/csv", "buffer": GOOD},
        {"name": "fehler.csv", "mimeType": "text/csv", "buffer": BAD}])
    tab.locator('[data-testid="stAlertContentError"]').wait_for()
    tab.get_by_text("gut.csv").last.wait_for()
    tab.locator('[data-testid="stDataFrame"]').nth(4).wait_for()  # previews and the error table


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("width", [1400, 390])
def test_no_axe_violations_and_a_sound_page_everywhere(served, browser, lang: str, width: int) -> None:
    source = axe_source()
    context = browser.new_context(viewport={"width": width, "height": 1000}, locale="de-DE")
    context.set_default_timeout(30000)
    tab = context.new_page()
    found: list[str] = []
    try:
        tab.goto(f"{served.url}/anmelden?lang={lang}")
        check_view(tab, source, "anmelden (signed out)", lang, width, 0, found)
        sign_in(tab, served.url, lang)
        for name, charts in PAGES.items():
            tab.goto(f"{served.url}/{name}?lang={lang}")
            check_view(tab, source, name, lang, width, charts, found)
            assert tab.locator('[data-testid="stAlertContentError"]').count() == 0, name
        show_upload(tab, served.url, lang)
        check_view(tab, source, "hochladen (preview, errors)", lang, width, 0, found)
        if width == 390:
            screenshot(tab, f"a11y-hochladen-{lang}-390")
    finally:
        context.close()
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(found)


FOCUS_SHOWN = """() => {
    let node = document.activeElement;
    for (let depth = 0; node && depth < 8; depth++, node = node.parentElement) {
        const style = getComputedStyle(node);
        if ((style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
            || style.boxShadow !== 'none') return true;
    }
    return false;
}"""
FOCUSED = """() => { const e = document.activeElement;
    return [e.tagName, e.getAttribute('aria-label') || '', (e.innerText || '').trim().slice(0, 40)]; }"""


def test_keyboard_alone_walks_the_sidebar_and_changes_the_district(served, browser) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    context.set_default_timeout(30000)
    tab = context.new_page()
    try:
        tab.goto(f"{served.url}/kreis?kreis=16051")
        settle(tab)
        sidebar_drawn(tab, "de")
        stops = []
        for _ in range(40):
            tab.keyboard.press("Tab")
            kind, label, text = tab.evaluate(FOCUSED)
            stops.append(label or text)
            assert tab.evaluate(FOCUS_SHOWN), f"no visible focus on {kind} {label or text!r}"
            if label == "Kreis oder kreisfreie Stadt":
                break
        else:
            raise AssertionError(f"the Kreis select not reached by Tab: {stops}")
        # in reading order: skip link, the menu, language, filters, then the page
        menu = ["Lage", "Kreis", "Karte", "Vergleich", "Planung", "Meldungen", "Methodik", "Anmelden",
                "Hochladen"]
        assert [s for s in stops if s in menu] == menu, stops
        assert stops.index("Hochladen") < stops.index("Zeitraum") < len(stops) - 1, stops
        tab.keyboard.press("ArrowDown")  # opens the list on the chosen district
        tab.keyboard.press("ArrowDown")
        tab.keyboard.press("Enter")
        tab.wait_for_url(re.compile(r"kreis=(?!16051)\d{5}"))
        wait_for_app(tab)
        assert not tab.url.endswith("16051")
        chosen = tab.locator('[data-testid="stSelectbox"]').last.inner_text()
        assert "Erfurt" not in chosen  # 16051 is Erfurt
    finally:
        context.close()


def test_the_first_html_already_names_the_language(served) -> None:
    """Before any script runs (reception.web.document): ?lang=en -> en, anything else -> de."""
    for query, lang in (("kreis?lang=en", "en"), ("", "de"), ("methodik?lang=xx", "de")):
        asked = urllib.request.Request(f"{served.url}/{query}",
                                       headers={"Accept": "text/html", "Accept-Encoding": "gzip"})
        with urllib.request.urlopen(asked, timeout=30) as answer:
            tags = re.findall(rb"<html[^>]*>", answer.read())
        assert tags == [f'<html lang="{lang}">'.encode()], (query, tags)
