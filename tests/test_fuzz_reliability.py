"""Bad input everywhere: the report reader and validator (``reception.ingest.load.inspect_bytes``) answer
every input with a clear rejection (error problems that render as sentences) or a correct set of
rows, never an exception, a hang or a partial result.

Inputs: random bytes, random CSV-like text in odd encodings (UTF-16, latin-1, cp1252), huge
fields (1 MB cells, 1 MB lines), valid reports in random spellings (checked value by value), and
Excel files built with openpyxl that have formulas, merged cells and many sheets.
"""

from __future__ import annotations

import io
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reception.ingest.load import Inspection, inspect_bytes
from reception.reference.districts import Matcher
from reception.store import db
from tests.conftest import ROOT, run_etl

SECONDS_PER_EXAMPLE = 30
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
TODAY = date(2025, 6, 1)

DISTRICTS = [tuple(line.split(",")[:2]) for line in
             (ROOT / "data" / "districts_thueringen.csv").read_text(encoding="utf-8").splitlines()[1:]
             if line.strip()]
HEADER_WORDS = ["ags", "Kreisschlüssel", "Kreis", "Landkreis", "Woche", "KW", "Datum", "Zugänge",
                "Abgaenge", "Kapazität", "Plätze", "Belegung", "belegt", "Unterkunft", "Art",
                "Summe", "Gesamt", "Meldung Unterbringung KW 45/2024"]
CELL_WORDS = ["16051", "16052", "160510000", "Gotha", "Landkreis Gotha", "Gera, Stadt", "2024-W45",
              "KW 45/2024", "45/2024", "04.11.2024", "2024-11-04", "1.250", "3,0", "-4", "",
              "NaN", "1e9", "99999999999999999999", "=SUM(A1:A3)", '"', "'; DROP TABLE load_log;--",
              "Kyffhäuserkreis", "\u00a0", "0"]


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    path = tmp_path_factory.mktemp("fuzz") / "reception.duckdb"
    run_etl("init", env={"RECEPTION_DB": str(path)})
    with db.writer(path) as con:
        return Matcher.from_db(con)


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) if one inspection takes longer than ``seconds``."""
    def expired(signum, frame):
        raise TimeoutError(f"inspection took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def inspect(data: bytes, name: str, matcher: Matcher) -> Inspection:
    with time_limit(SECONDS_PER_EXAMPLE):
        inspection = inspect_bytes(data, name, matcher, TODAY)
    assert_clear(inspection)
    return inspection


def assert_clear(inspection: Inspection) -> None:
    """Either rows to load and no error, or no rows and at least one readable error."""
    if inspection.ok:
        assert inspection.rows is not None and not inspection.errors
        assert inspection.rows.num_rows > 0
        table = inspection.rows.to_pydict()
        for column in ("arrivals", "departures", "capacity", "occupied"):
            assert all(v is None or v >= 0 for v in table[column]), column
        assert all(len(a) == 5 and a.isdigit() for a in table["ags"])
        assert all(isinstance(w, date) and w.weekday() == 0 for w in table["week"])
    else:
        assert inspection.rows is None
        assert inspection.errors, "rejected without an error"
    for problem in inspection.problems:
        for lang in ("de", "en"):
            text = problem.render(lang)
            assert text and not text.startswith("problem.") and "{" not in text, text


# --- random input ---------------------------------------------------------------------------

@FUZZ
@given(data=st.binary(max_size=8192), name=st.sampled_from(["m.csv", "m.xlsx", "m.txt", "m"]))
def test_random_bytes(matcher: Matcher, data: bytes, name: str) -> None:
    inspect(data, name, matcher)


@FUZZ
@given(data=st.binary(min_size=4, max_size=4096))
def test_random_bytes_behind_a_zip_signature(matcher: Matcher, data: bytes) -> None:
    inspect(b"PK\x03\x04" + data, "m.xlsx", matcher)


cells = st.one_of(st.sampled_from(CELL_WORDS + HEADER_WORDS), st.text(max_size=12))
csv_lines = st.lists(st.lists(cells, max_size=9), max_size=25)


@FUZZ
@given(header=st.lists(st.sampled_from(HEADER_WORDS), min_size=1, max_size=9), lines=csv_lines,
       delimiter=st.sampled_from([";", ",", "\t", "|"]),
       newline=st.sampled_from(["\n", "\r\n", "\r"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16",
                                 "utf-16-le", "utf-32"]))
def test_csv_like_text(matcher: Matcher, header: list[str], lines: list[list[str]], delimiter: str,
                       newline: str, encoding: str) -> None:
    text = newline.join(delimiter.join(row) for row in [header, *lines])
    inspect(text.encode(encoding, errors="replace"), "meldung.csv", matcher)


@FUZZ
@given(where=st.sampled_from(["district", "facility", "capacity", "week", "header", "unquoted"]),
       filler=st.sampled_from(["x", "ä", "9", '"', ";", "\u2028"]))
def test_huge_fields(matcher: Matcher, where: str, filler: str) -> None:
    big = filler * (1 << 20)  # a 1 MB cell
    header = "Kreis;Woche;Unterkunft;Zugänge;Abgänge;Kapazität;Belegung"
    row = {"district": f"{big};2024-W45;;1;1;10;5", "facility": f"Gotha;2024-W45;{big};1;1;10;5",
           "capacity": f"Gotha;2024-W45;;1;1;{big};5", "week": f"Gotha;{big};;1;1;10;5",
           "header": "Gotha;2024-W45;;1;1;10;5", "unquoted": f'Gotha;2024-W45;"{big};1;1;10;5'}[where]
    if where == "header":
        header = header + ";" + big
    inspect(f"{header}\n{row}\nErfurt;2024-W45;;2;0;50;40\n".encode(), "gross.csv", matcher)


# --- valid reports in random spellings: the rows come back exactly --------------------------

@st.composite
def valid_reports(draw) -> tuple[bytes, list[tuple]]:
    keys = draw(st.lists(st.sampled_from(DISTRICTS), min_size=1, max_size=6, unique=True))
    weeks = draw(st.lists(st.integers(0, 80), min_size=1, max_size=3, unique=True))
    by_name = draw(st.booleans())
    delimiter = draw(st.sampled_from([";", "\t", ","]))
    german_numbers = delimiter != "," and draw(st.booleans())
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    week_form = draw(st.sampled_from(["iso", "kw", "slash", "date"]))
    header = [draw(st.sampled_from(["Kreis", "Landkreis", "kreis "])) if by_name else
              draw(st.sampled_from(["AGS", "Kreisschlüssel", "kreisschluessel"])),
              {"date": "Stichtag"}.get(week_form, draw(st.sampled_from(["Woche", "KW", "week"]))),
              draw(st.sampled_from(["Zugänge", "Zugaenge", "arrivals"])), "Abgänge",
              draw(st.sampled_from(["Kapazität", "Plätze", "capacity"])),
              draw(st.sampled_from(["Belegung", "belegt", "occupied"]))]
    lines, expected = [], []
    for week_no in weeks:
        monday = date(2023, 1, 2) + timedelta(weeks=week_no)
        year, week, _ = monday.isocalendar()
        label = {"iso": f"{year}-W{week:02d}", "kw": f"KW {week}/{year}",
                 "slash": f"{week}/{year}", "date": (monday + timedelta(days=2)).strftime("%d.%m.%Y")
                 }[week_form]
        for ags, name in keys:
            values = [draw(st.integers(0, 50_000)) for _ in range(4)]
            shown = [f"{v:,}".replace(",", ".") if german_numbers else str(v) for v in values]
            lines.append([name if by_name else ags, label, *shown])
            expected.append((ags, monday, *values))
    if draw(st.booleans()):
        lines.append(["Summe", "", "", "", "", ""])
    text = "\n".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in row)
                     for row in [header, *lines]) + "\n"
    if draw(st.booleans()):
        text = "Meldung Unterbringung KW 45/2024\n\n" + text
    return text.encode(encoding), sorted(expected)


@FUZZ
@given(report=valid_reports())
def test_valid_reports_load_exactly(matcher: Matcher, report: tuple[bytes, list[tuple]]) -> None:
    data, expected = report
    inspection = inspect(data, "meldung.csv", matcher)
    assert inspection.ok, [p.render() for p in inspection.errors]
    table = inspection.rows.to_pydict()
    got = sorted(zip(table["ags"], table["week"], table["arrivals"], table["departures"],
                     table["capacity"], table["occupied"], strict=True))
    assert got == expected


# --- Excel: formulas, merged cells, many sheets ---------------------------------------------

@st.composite
def workbooks(draw) -> tuple[bytes, bool]:
    """(xlsx bytes, whether the first sheet is a clean valid report)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = draw(st.sampled_from(["Meldung", "Tabelle1", "Σ"]))
    formulas = draw(st.booleans())
    merged = draw(st.booleans())
    noise = draw(st.lists(st.lists(st.one_of(st.sampled_from(CELL_WORDS), st.integers(-5, 10**6),
                                             st.floats(allow_nan=True), st.none()),
                                   max_size=8), max_size=6))
    title = draw(st.booleans())
    if title:
        sheet.append(["Meldung Unterbringung KW 45/2024"])
        sheet.append([])
    sheet.append(["Kreisschlüssel", "Woche", "Zugänge", "Abgänge", "Kapazität", "Belegung"])
    keys = draw(st.lists(st.sampled_from(DISTRICTS), min_size=1, max_size=5, unique=True))
    for ags, _name in keys:
        sheet.append([ags, "2024-W45", draw(st.integers(0, 500)), draw(st.integers(0, 500)),
                      draw(st.integers(0, 5000)), draw(st.integers(0, 5000))])
    first = sheet.max_row - len(keys) + 1
    if formulas:
        sheet.append(["Summe", "", f"=SUM(C{first}:C{sheet.max_row})", "", "", ""])
        sheet.cell(row=first, column=5, value=f"=F{first}+10")  # no cached value: read as empty
    if merged:
        sheet.merge_cells(start_row=first, start_column=1, end_row=first + 1, end_column=2)
    for row in noise:
        sheet.append(row)
    for index in range(draw(st.integers(0, 30))):
        extra = book.create_sheet(f"Blatt{index}")
        extra.append(["ags", "Woche", "Belegung"])
        extra.append(["99999", "KW 99/9999", "=1/0"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), not (formulas or merged or noise)


@FUZZ
@given(workbook=workbooks())
def test_excel_with_formulas_merged_cells_and_many_sheets(matcher: Matcher,
                                                          workbook: tuple[bytes, bool]) -> None:
    data, clean = workbook
    inspection = inspect(data, "meldung.xlsx", matcher)
    if clean:
        assert inspection.ok, [p.render() for p in inspection.errors]


def test_excel_formula_without_cached_value_is_not_read_as_a_number(matcher: Matcher,
                                                                    tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Kreisschlüssel", "Woche", "Zugänge", "Abgänge", "Kapazität", "Belegung"])
    sheet.append(["16051", "2024-W45", 1, 1, "=100*2", 50])
    buffer = io.BytesIO()
    book.save(buffer)
    inspection = inspect(buffer.getvalue(), "formel.xlsx", matcher)
    if inspection.ok:  # an empty capacity is allowed; it must not become a made-up number
        assert inspection.rows.to_pydict()["capacity"] == [None]


def test_unterminated_quote_is_rejected_not_swallowed(matcher: Matcher) -> None:
    data = ('Kreis;Woche;Unterkunft;Zugänge;Abgänge;Kapazität;Belegung\n'
            'Gotha;2024-W45;"GU Nord;1;1;10;5\n'
            'Erfurt;2024-W45;;2;0;50;40\n').encode()
    inspection = inspect(data, "quote.csv", matcher)
    assert not inspection.ok or inspection.rows.num_rows == 2
