"""The report corpus (tests/corpus/make_corpus.py): every shape through the road the command
line and the upload page take (``load.inspect_bytes``), with its expected outcome."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from reception.i18n import catalogue, t
from reception.ingest.load import Inspection, inspect_bytes
from reception.reference.districts import Matcher
from reception.store import db
from tests.conftest import run_etl
from tests.corpus.make_corpus import CASES, build

TODAY = date(2025, 1, 15)
# engine words a data officer must never read
ENGINE_WORDS = re.compile(r"Error\b|Exception|Traceback|BadZip|KeyError|calamine|openpyxl|duckdb"
                          r"|Content_Types|CSV Error|UserWarning|\bNone\b")


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    path = tmp_path_factory.mktemp("corpus") / "reception.duckdb"
    run_etl("init", env={"RECEPTION_DB": str(path)})
    with db.writer(path) as con:
        return Matcher.from_db(con)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("files")
    build(folder)
    return folder


def test_the_corpus_has_at_least_forty_files_of_every_format() -> None:
    assert len(CASES) >= 40
    endings = {name.rsplit(".", 1)[-1] for name in CASES}
    assert {"csv", "xlsx", "xls", "ods"} <= endings


def inspect(path: Path, matcher: Matcher) -> Inspection:
    return inspect_bytes(path.read_bytes(), path.name, matcher, TODAY)


@pytest.mark.parametrize("name", list(CASES))
def test_corpus_file_gives_its_expected_outcome(corpus: Path, matcher: Matcher,
                                                name: str) -> None:
    expected = CASES[name][1]
    inspection = inspect(corpus / name, matcher)
    rendered = [p.render() for p in inspection.problems]
    for problem in inspection.problems:
        for lang in ("de", "en"):
            text = problem.render(lang)
            assert text and not text.startswith("problem.") and "{" not in text, text
            assert not ENGINE_WORDS.search(text), text
    if "rows" in expected:
        assert inspection.ok, rendered
        assert inspection.rows.num_rows == expected["rows"]
        if "arrivals" in expected:
            assert sum(inspection.rows.column("arrivals").to_pylist()) == expected["arrivals"]
        if "warning" in expected:
            assert expected["warning"] in [p.code for p in inspection.warnings]
    else:
        assert not inspection.ok and inspection.rows is None
        first = inspection.errors[0]
        assert (first.code, first.line) == (expected["code"], expected["line"]), rendered


def test_figures_are_not_shifted_and_separators_are_read(corpus: Path, matcher: Matcher) -> None:
    table = inspect(corpus / "duenne_leerzeichen.csv", matcher).rows.to_pydict()
    assert (table["capacity"], table["occupied"]) == ([1250], [1100])
    table = inspect(corpus / "schmales_geschuetztes_leerzeichen.csv", matcher).rows.to_pydict()
    assert (table["capacity"], table["occupied"]) == ([1250], [1100])
    shifted = inspect(corpus / "leeres_feld_nach_woche.csv", matcher)
    assert shifted.errors[0].render() == (
        'Zeile 2, Spalte H: "640" steht rechts der Kopfzeile, die mit Spalte G (Belegung) endet; '
        "die Werte der Zeile stünden unter falschen Spalten – bitte die überzählige Zelle entfernen")


def test_a_week_and_a_date_that_disagree_are_both_named(corpus: Path, matcher: Matcher) -> None:
    refused = inspect(corpus / "woche_und_datum_widersprechen.csv", matcher)
    assert [p.render() for p in refused.errors] == [
        'Zeile 3, Spalte Stichtag: Woche "KW 45/2024" und Datum "11.11.2024" passen nicht '
        "zusammen (das Datum liegt in KW 46/2024); bitte eines von beiden korrigieren"]


def test_a_line_break_in_a_quoted_cell_loads_as_a_space(corpus: Path, matcher: Matcher) -> None:
    table = inspect(corpus / "unterkunft_mit_zeilenumbruch.csv", matcher).rows.to_pydict()
    assert sorted(table["facility"]) == ["GU Nord", "GU Süd"]
    table = inspect(corpus / "zeilenumbruch_in_zelle.xlsx", matcher).rows.to_pydict()
    assert table["facility"] == ["GU Nord"]


def test_messages_name_the_sheet_the_cells_and_the_columns_as_the_file_calls_them(
        corpus: Path, matcher: Matcher) -> None:
    sheet = inspect(corpus / "zweites_blatt.xlsx", matcher)
    assert [p.render() for p in sheet.warnings] == [
        'Gelesen wurde das Blatt "Meldung" (Blatt 2): das erste Blatt mit einer Kopfzeile']
    formula = inspect(corpus / "formel_ohne_wert.xlsx", matcher).errors[0]
    assert "F3" in formula.render() and "in Excel öffnen und speichern" in formula.render()
    assert "F3" in formula.render("en") and "open the file in Excel" in formula.render("en")
    double = inspect(corpus / "doppelte_spalte.csv", matcher).errors[0]
    assert double.render() == ('Zeile 1, Spalte Zuweisungen: Die Spalte meint dasselbe wie Spalte '
                               '"Zugänge"; bitte eine der beiden entfernen oder umbenennen')
    protected = inspect(corpus / "mit_kennwort.xlsx", matcher).errors[0]
    assert protected.render().startswith("Die Datei ist mit einem Kennwort geschützt")
    assert protected.render("en").startswith("The file is protected by a password")


def test_every_problem_code_has_both_languages_and_no_engine_words() -> None:
    problems = {key: texts for key, texts in catalogue().items() if key.startswith("problem.")}
    assert len(problems) > 30
    for key, texts in problems.items():
        assert texts.get("de") and texts.get("en"), key
        for lang in ("de", "en"):
            assert not ENGINE_WORDS.search(texts[lang]), (key, texts[lang])
    for code in ("file_encrypted", "file_zip_archive", "file_damaged", "file_too_complex",
                 "formula_without_value", "cells_beyond_header", "unclosed_quote", "sheet_used"):
        assert t(f"problem.{code}", "de", value="", cells="A1", sheet="x", position=2, last="G")
