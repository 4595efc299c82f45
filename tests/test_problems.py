"""The problem catalogue: every code that can be emitted is in it, each entry has its texts in
German and English and says what to do, no message shows a Python or library exception name,
and ``docs/problems.md`` is what the catalogue generates."""

from __future__ import annotations

import ast
import builtins
import re
import zipfile

import duckdb
import pytest

from reception.i18n import catalogue as texts
from reception.ingest import rules
from reception.ingest.problems import CATALOGUE, WARNING, Problem, catalogue_markdown
from reception.ingest.reports import read_report
from reception.ingest.validate import validate
from tests.conftest import ROOT
from tests.etl_support import HEADER_DE, TODAY, csv_bytes
from tests.test_screen import thuringia_matcher

DOCS = ROOT / "docs" / "problems.md"


def _emitted_in_source() -> set[str]:
    """Codes written in the source: the first argument of ``Problem(...)``, the codes that
    validate's SQL writes into its problem table, and the codes ``_unknown_district`` picks."""
    codes = set()
    for path in [*(ROOT / "reception").rglob("*.py"), *(ROOT / "etl").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem" \
                    and node.args and isinstance(node.args[0], ast.Constant):
                codes.add(node.args[0].value)
        codes |= set(re.findall(r"SELECT c\.line, '([a-z_]+)'", text))
        codes |= set(re.findall(r'return "([a-z_]+)", \{', text))
    return codes


def test_every_code_emitted_anywhere_is_in_the_catalogue() -> None:
    emitted = _emitted_in_source() | {rule.code for rule in rules.RULES}
    # the scan finds codes of each kind of place: rules, SQL, returned codes, Problem(...)
    assert {"negative", "duplicate_key", "retired_district", "foreign_district",
            "missing_district_column", "not_a_table"} <= emitted
    assert emitted - CATALOGUE.keys() == set()


def test_every_message_text_belongs_to_a_catalogued_code() -> None:
    keys = {key.split(".", 1)[1] for key in texts() if key.startswith("problem.")}
    assert keys - {"at_line", "at_column"} == CATALOGUE.keys()


def test_a_code_outside_the_catalogue_is_refused() -> None:
    with pytest.raises(ValueError):
        Problem("no_such_code")


@pytest.mark.parametrize("code", CATALOGUE)
def test_each_entry_has_german_and_english_texts_and_says_what_to_do(code) -> None:
    for key in (f"problem.{code}", f"problem_action.{code}"):
        entry = texts()[key]
        assert entry.get("de", "").strip() and entry.get("en", "").strip(), key
        assert entry["de"] != entry["en"] or "{" in entry["de"], key  # translated


def test_severity_comes_from_the_catalogue() -> None:
    assert Problem("over_capacity").severity == WARNING
    assert Problem("negative").severity == "error"
    for rule in rules.RULES:
        for check in rule.checks(["ags", "district", "week", "date", *rules.MEASURES]):
            assert check.severity == CATALOGUE[rule.code].severity


def _exception_names() -> set[str]:
    names = {name for name, value in vars(builtins).items()
             if isinstance(value, type) and issubclass(value, BaseException)}
    names |= {name for name, value in vars(duckdb).items()
              if isinstance(value, type) and issubclass(value, BaseException)}
    import openpyxl.utils.exceptions as openpyxl_errors

    names |= {name for name, value in vars(openpyxl_errors).items()
              if isinstance(value, type) and issubclass(value, BaseException)}
    return names | {zipfile.BadZipFile.__name__, "Traceback"}


def _broken_files() -> list[tuple[bytes, str]]:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hallo.txt", "kein Excel")
    good = ["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"]
    return [
        (b"PK\x03\x04 abgeschnitten", "meldung.xlsx"), (buffer.getvalue(), "meldung.xlsx"),
        (b"\x00\x01\x02" * 100, "meldung.csv"), (b"a;b\n1;2\n", "meldung.csv"),
        (csv_bytes([HEADER_DE, good, ['"16051', "Erfurt", "KW 46/2024", "1", "2", "3", "4"]]),
         "meldung.csv"),
        (csv_bytes([HEADER_DE, ["Atlantis", "x", "KW 99/2024", "-1", "2,5", "x", "1e9"],
                    good, good]), "meldung.csv"),
    ]


def test_no_message_shows_an_exception_name() -> None:
    names = _exception_names()
    params = {"detail": "d", "canonical": "c", "other": "o", "suggestion": "s", "old": "o",
              "new": "n", "new_ags": "1", "since": "1", "ags": "1", "ags_name": "n",
              "row_key": "k", "first_line": "2", "occupied": "2", "capacity": "1", "week": "w",
              "size": "1", "limit": "1", "districts": "d", "own": "o", "cells": "F3",
              "sheet": "s", "position": "2", "last": "G (Belegung)", "date": "d",
              "date_week": "KW 1/2024", "part": "3", "whole": "2", "factor": "3",
              "arrivals": "1", "departures": "1", "expected": "2", "latest_week": "2024-W45",
              "weeks": "8", "count": "1", "file": "f.csv", "fields": "9", "header": "7",
              }
    messages = [Problem(code, params=params).render(lang)
                for code in CATALOGUE for lang in ("de", "en")]
    for data, name in _broken_files():
        con = duckdb.connect()
        read = read_report(con, data, name)
        found = validate(con, read, thuringia_matcher(), TODAY).problems if read.ok \
            else read.problems
        assert found, name
        messages += [p.render(lang) for p in found for lang in ("de", "en")]
        con.close()
    shown = [m for m in messages if set(re.findall(r"[A-Za-z_]+", m)) & names]
    assert shown == []


def test_the_problem_codes_page_is_generated_from_the_catalogue() -> None:
    assert DOCS.read_text(encoding="utf-8") == problems_page(), (
        "regenerate: python -c 'from tests.test_problems import problems_page; "
        "print(problems_page(), end=\"\")' > docs/problems.md")


def problems_page() -> str:
    return ("# Problemcodes / problem codes\n\n"
            "Erzeugt aus `reception.ingest.problems.CATALOGUE` (Texte: `reception/locales`); "
            "`tests/test_problems.py` prüft, dass diese Seite aktuell ist.\n\n"
            "## Deutsch\n\n" + catalogue_markdown("de") + "\n## English\n\n"
            + catalogue_markdown("en"))
