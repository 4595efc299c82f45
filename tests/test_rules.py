"""A rule declared once in ``reception.ingest.rules.RULES`` is enforced on both roads: by the
screen on distinct values (a file it would pass otherwise) and row by row (a file that goes
that road for another error), with the same problems either way."""

from __future__ import annotations

import duckdb
import pytest

from reception.ingest import rules
from reception.ingest.problems import CATALOGUE, WARNING, Kind
from reception.ingest.reports import read_report
from reception.ingest.rules import Rule
from reception.ingest.validate import Validation, validate
from tests.etl_support import HEADER_DE, TODAY, csv_bytes
from tests.test_screen import thuringia_matcher

ROWS = [HEADER_DE,
        ["16051", "Erfurt", "KW 46/2024", "25", "10", "800", "640"],
        ["16053", "Jena", "KW 45/2024", "13", "3", "10", "5"],  # line 3 breaks each rule below
        ["16051", "Erfurt", "KW 47/2024", "25", "10", "800", "640"]]
NEGATIVE = ["16052", "Stadt Gera", "KW 48/2024", "-4", "3", "10", "5"]  # line 5

# one throwaway rule per place where the screen decides it
THROWAWAY = {
    "district": Rule("throwaway", "ags_resolved = '16053'", ("ags",), "ags"),
    "time": Rule("throwaway", "week_monday = DATE '2024-11-04'", ("week",)),
    "measure": Rule("throwaway", "{number} = 13", ("arrivals",)),
    "rows": Rule("throwaway", "arrivals_number > capacity_number", ("arrivals",),
                 reads=("capacity",)),
    "resolved": Rule("throwaway", "ags_resolved = '16053' AND arrivals_number = 13",
                     ("arrivals",), reads=("ags",)),
}
COLUMN = {"district": "Kreisschlüssel", "time": "Woche"}


def _validate(rows: list[list[str]], screen: bool) -> tuple[Validation, list[tuple]]:
    con = duckdb.connect()
    try:
        read = read_report(con, csv_bytes(rows, encoding="cp1252"), "meldung.csv")
        validation = validate(con, read, thuringia_matcher(), TODAY, screen=screen)
        return validation, [(p.code, p.line, p.column, p.severity) for p in validation.problems]
    finally:
        con.close()


def _throwaway(found: list[tuple]) -> list[tuple]:
    return [p for p in found if p[0] == "throwaway"]


@pytest.fixture(autouse=True)
def throwaway_codes(monkeypatch) -> None:
    """A rule's code is in the problem catalogue, which gives its severity."""
    monkeypatch.setitem(CATALOGUE, "throwaway", Kind("throwaway"))
    monkeypatch.setitem(CATALOGUE, "throwaway_warning", Kind("throwaway_warning", WARNING))


def test_the_file_passes_the_screen_without_the_rule() -> None:
    validation, problems = _validate(ROWS, screen=True)
    assert validation.ok and validation.screened and problems == []


@pytest.mark.parametrize("where", THROWAWAY)
def test_a_rule_added_in_one_place_is_enforced_on_both_roads(monkeypatch, where) -> None:
    monkeypatch.setattr(rules, "RULES", [*rules.RULES, THROWAWAY[where]])
    assert THROWAWAY[where].checks(["ags", "district", "week", "arrivals", "capacity"])[0] \
        .family == ("arrivals" if where == "measure" else where)
    expected = [("throwaway", 3, COLUMN.get(where, "Zugänge"), "error")]
    for rows in (ROWS, [*ROWS, NEGATIVE]):  # screened otherwise / row by row anyway
        screened, found = _validate(rows, screen=True)
        unscreened, found_row_by_row = _validate(rows, screen=False)
        assert not screened.ok and not screened.screened
        assert _throwaway(found) == _throwaway(found_row_by_row) == expected
        assert found == found_row_by_row
        assert (screened.error_count, screened.warning_count) == (
            unscreened.error_count, unscreened.warning_count)


@pytest.mark.parametrize("where", THROWAWAY)
def test_a_warning_rule_is_listed_by_the_screen_and_row_by_row(monkeypatch, where) -> None:
    rule = THROWAWAY[where]
    monkeypatch.setattr(rules, "RULES", [*rules.RULES, Rule(
        "throwaway_warning", rule.condition, rule.fields, rule.value, reads=rule.reads)])
    screened, found = _validate(ROWS, screen=True)
    unscreened, found_row_by_row = _validate(ROWS, screen=False)
    assert screened.ok and screened.screened and unscreened.ok and not unscreened.screened
    assert found == found_row_by_row == [
        ("throwaway_warning", 3, COLUMN.get(where, "Zugänge"), WARNING)]
    assert screened.warning_count == unscreened.warning_count == 1


def test_a_measure_rule_sees_the_text_of_a_plain_number(monkeypatch) -> None:
    """A measure's text is made only where a rule may fire on its number: the rule table
    says where, so a new rule on a plain count still shows the cell."""
    monkeypatch.setattr(rules, "RULES", [*rules.RULES, THROWAWAY["measure"]])
    con = duckdb.connect()
    read = read_report(con, csv_bytes(ROWS, encoding="cp1252"), "meldung.csv")
    validation = validate(con, read, thuringia_matcher(), TODAY)
    assert [(p.line, p.value) for p in validation.problems] == [(3, "13")]


def test_every_rule_has_a_message() -> None:
    from reception.i18n import catalogue

    for rule in rules.RULES:
        assert {"de", "en"} <= catalogue()[f"problem.{rule.code}"].keys(), rule.code


@pytest.mark.parametrize("header", [
    ["Kreisschlüssel", "Kreis", "Woche", "Datum", "Zugänge", "Abgänge", "Kapazität", "Belegung",
     "Unterkunft", "Art"],
    ["Kreis", "Datum", "Belegung"],
    ["Kreisschlüssel", "Woche", "Zugänge"],
])
def test_every_rule_runs_on_both_roads(header) -> None:
    """Each rule's SQL binds on the screen's relations and on the rows (no DuckDB error),
    for files with every field and with few."""
    cells = {"Kreisschlüssel": "16051", "Kreis": "Erfurt", "Woche": "KW 45/2024",
             "Datum": "04.11.2024", "Unterkunft": "Haus A", "Art": "GU"}
    row = [cells.get(label, "7") for label in header]
    for rows in ([header, row], [header, row, [c if c != "7" else "-1" for c in row]]):
        for screen in (True, False):
            validation, _ = _validate(rows, screen)
            assert validation.ok == (len(rows) == 2)
