"""Issue 23, "Reading, the last two": a row with more fields than the header (its figures
shifted one column) and a NUL byte, each refused naming its line (and the NUL its column)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from reception.ingest.reports import OnDisk, read_report

HEADER = "Kreisschlüssel;Kreis;Woche;Zugänge;Abgänge;Kapazität;Belegung"
GOOD = "16051;Erfurt;KW 45/2024;25;10;800;640"
SHIFTED = "16061;Eichsfeld;KW 45/2024;;15;5;1500;750;;"  # the row: one ';' too many


def read(text: str | bytes, tmp_path: Path | None = None) -> list:
    data = text.encode("utf-8") if isinstance(text, str) else text
    con = duckdb.connect()
    on_disk = None
    if tmp_path is not None:  # DuckDB reads the file in place (the fast road's other branch)
        path = tmp_path / "meldung.csv"
        path.write_bytes(data)
        on_disk = OnDisk.of(path)
    try:
        return [(p.code, p.line, p.column) for p in read_report(con, data, "m.csv", on_disk)
                .problems if p.severity == "error"]
    finally:
        con.close()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("in_place", [False, True])
def test_a_row_longer_than_the_header_is_refused_even_with_empty_extra_fields(
        newline, in_place, tmp_path) -> None:
    header = HEADER + ";Unterkunft;Art"  # 9 fields: the shifted row's 750 lands under 'Art'
    rows = [header, GOOD + ";;", SHIFTED, GOOD.replace("16051", "16052") + ";;"]
    found = read(newline.join(rows) + newline, tmp_path if in_place else None)
    assert found == [("extra_fields", 3, None)]


def test_the_message_names_both_field_counts() -> None:
    con = duckdb.connect()
    text = "\n".join([HEADER, GOOD, "16061;Eichsfeld;KW 45/2024;15;5;1500;750;;"]) + "\n"
    [problem] = read_report(con, text.encode(), "m.csv").problems
    assert problem.render() == ("Zeile 3: Die Zeile hat 9 Felder, die Kopfzeile 7: ihre Zahlen "
                                "stünden eine Spalte zu weit rechts (ein Trennzeichen zu viel?)")


def test_rows_that_all_end_in_a_delimiter_are_read() -> None:
    """Every row one field longer than the header (a trailing ';' on each line): nothing
    shifted against the other rows, the file reads as before."""
    text = "\n".join([HEADER, GOOD + ";", GOOD.replace("16051", "16052") + ";"]) + "\n"
    assert read(text) == []


def test_trailing_empty_header_fields_still_read() -> None:
    text = "\n".join([HEADER + ";;", GOOD + ";;", GOOD.replace("16051", "16052") + ";"]) + "\n"
    assert read(text) == []


@pytest.mark.parametrize("in_place", [False, True])
def test_a_nul_byte_is_refused_naming_line_and_column(in_place, tmp_path) -> None:
    text = "\n".join([HEADER, GOOD, "16061;Eichs\x00feld;KW 45/2024;15;5;1500;750"]) + "\n"
    assert read(text, tmp_path if in_place else None) == [("nul_byte", 3, "Kreis")]


def test_a_nul_byte_after_a_multiline_cell_counts_physical_lines() -> None:
    text = HEADER + "\n" + '16051;"Erfurt\nStadt";KW 45/2024;25;10;800;64\x000\n'
    assert read(text) == [("nul_byte", 3, "Belegung")]


def test_a_binary_file_is_still_not_a_table() -> None:
    assert [code for code, _, _ in read(b"\x00\x01\x02" * 100)] == ["file_binary"]
