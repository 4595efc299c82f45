"""Accessibility checks in the browser: axe-core (WCAG 2.1 A/AA rules) and page settling.

axe-core's ``axe.min.js`` comes from the ``axe-playwright-python`` package (MPL-2.0, pinned in
requirements-dev.txt); we inject it ourselves to choose the rule tags and to word the failure.
"""

from __future__ import annotations

from pathlib import Path

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


SETTLED = """() => !document.querySelector(
        '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"], [data-testid="stAppSkeleton"]')
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
        .every(c => c.querySelector('.main-svg'))"""


def settle(tab, timeout_ms: int = 30000) -> None:
    """Wait until the page is drawn: the script has run, the elements whose code loads lazily
    (metrics, charts, tables) have replaced their placeholders and every chart has drawn; axe
    must see the finished page."""
    from tests.conftest import wait_for_app

    wait_for_app(tab, timeout_ms)
    tab.wait_for_function(SETTLED, timeout=timeout_ms)


def axe_violations(tab, source: str) -> list[dict]:
    """axe-core's violations of the WCAG 2.1 A and AA rules on the page as it is now."""
    if not tab.evaluate("() => typeof window.axe !== 'undefined'"):
        tab.add_script_tag(content=source)
    result = tab.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                         resultTypes: ['violations']})""", WCAG_TAGS)
    return result["violations"]


def describe(violations: list[dict]) -> str:
    """One line per rule: id, impact, how many nodes, the first node's selector and summary."""
    lines = []
    for rule in violations:
        first = rule["nodes"][0]
        lines.append(f"{rule['id']} ({rule['impact']}, {len(rule['nodes'])}x): {rule['help']}; "
                     f"e.g. {first['target']}: {first.get('failureSummary', '')[:200]}")
    return "\n".join(lines)
