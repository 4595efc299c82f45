"""The page Verteilung through Streamlit's AppTest, on the demo data (KW 50/2026 the latest
reported week, 277 persons announced for KW 51/2026)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from reception.read import allocation, present, queries

ENTRY = str(Path(__file__).resolve().parent.parent / "dashboard.py")


@pytest.fixture
def page(demo_db: Path) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.run()
    at.switch_page("pages/verteilung.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [e.value for e in at.error]
                     + [e.value for e in at.success] + [c.value for c in at.caption])


def test_the_proposal_for_the_announced_persons_of_the_coming_week(page: AppTest) -> None:
    week = allocation.next_week()
    announced = queries.announced_in(week.date())
    assert announced and page.number_input[0].value == announced  # prefilled
    text = shown(page)
    assert "Vorschlag für KW 51/2026" in text
    expected = allocation.from_store(announced, week)
    assert f"{expected.persons - expected.unplaced} von {announced} Personen" in text
    # the table of all 22 districts with their figures and sentences, as the rule computes them
    assert present.markdown_table(allocation.display(expected)) in text
    assert len(expected.table) == 22
    assert "Alle Personen finden Platz" in text


def test_more_persons_than_places_shows_the_unplaced_in_words_not_only_red(page: AppTest) -> None:
    page.number_input[0].set_value(100_000).run()
    assert not page.exception
    unplaced = allocation.from_store(100_000).unplaced
    assert unplaced > 0
    message = page.error[0].value
    assert "Nicht unterzubringen" in message and f"{unplaced:,}".replace(",", ".") in message


def test_an_excluded_district_gets_nobody_and_the_reason_is_said(page: AppTest) -> None:
    taking = allocation.from_store(page.number_input[0].value).table
    first = taking.sort_values("proposed", ascending=False).iloc[0]
    page.multiselect[0].set_value([first.ags]).run()
    page.text_input[0].set_value("Aufnahmestopp Brandschutz").run()
    assert not page.exception
    text = shown(page)
    assert "Ausgeschlossen (Aufnahmestopp Brandschutz)" in text and "1 Kreise ausgeschlossen" in text


def test_methodik_states_the_rule_with_the_computed_example(demo_db: Path) -> None:
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.run()
    at.switch_page("pages/methodik.py").run()
    assert not at.exception
    text = shown(at)
    example = allocation.worked_example()
    assert allocation.example_text(example) in text and "zuerst C" in text
    assert present.markdown_table(allocation.display(example)) in text
    assert list(example.table.proposed) == [4, 3, 13]  # as tests/test_allocation.py computes by hand
    assert "/api/v1/openapi.json" in text
