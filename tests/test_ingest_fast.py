"""The shortcuts of the fast ingest give what the general road gives: number parsing, reading a
file in place of a copy, and the snapshot's figures in force without window functions."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from reception.ingest.load import ingest_bytes, ingest_file, inspect_bytes, publish, rollback
from reception.ingest.numbers import (
    _DIGITS_SQL,
    MAX_COUNT,
    exact_number_sql,
    number_sql,
    trimmed_sql,
)
from reception.ingest.reports import OnDisk, read_report
from reception.ingest.validate import validate
from reception.store import db
from tests.etl_support import HEADER_DE, TODAY, assert_loaded, csv_bytes, query
from tests.test_screen import thuringia_matcher as _matcher

# the number rule as it was before the shortcuts (the general branches alone)
GENERAL_NUMBER_SQL = """
CASE
  WHEN {v} IS NULL THEN NULL
  WHEN regexp_full_match({v}, '-?\\d{{1,3}}(\\.\\d{{3}})+(,\\d+)?')
    THEN TRY_CAST(replace(replace({v}, '.', ''), ',', '.') AS DOUBLE)
  WHEN regexp_full_match({v}, '-?\\d+([,.]\\d+)?')
    THEN TRY_CAST(replace({v}, ',', '.') AS DOUBLE)
END"""

CELLS = ["0", "7", "007", "12", "-12", "+12", "1.250", "01.250", "1.25", "1.2500", "12.345.678",
         "1.250,5", "3,0", "3.0", "1e3", "0x10", "1_000", "1 250", "1'250", "1\u00a0250", "-1.250",
         "١٢", "１２", "", "'", "12a", "99999999999999999999999", "9" * 400, ".250", "1..250",
         "1.250.", "10000000", "10000001", "1.000.000,00"]


def test_number_shortcuts_agree_with_the_general_rule() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [(c,) for c in CELLS] + [(None,)])
    fast = number_sql("v")
    general = GENERAL_NUMBER_SQL.format(v=_DIGITS_SQL.format(v="v"))
    rows = con.execute(f"SELECT v, {fast}, {general} FROM t").fetchall()  # noqa: S608
    assert [r for r in rows if r[1] != r[2] and not (r[1] is None and r[2] is None)] == []


def _exact(cells: list[str]) -> list[tuple[str | None, float | None]]:
    """(trimmed cell, number) of each cell by the number rule (the oracle: ``numbers``)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (n INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(cells)))
    return con.execute(f"SELECT {trimmed_sql('v')}, {exact_number_sql('v')} "  # noqa: S608
                       "FROM t ORDER BY n").fetchall()


def _capacity_report(cells: list[str]) -> bytes:
    header = ["Kreisschlüssel", "Woche", "Unterkunft", "Kapazität"]
    return csv_bytes([header] + [["16051", "2024-W45", f"Haus {n}", c] for n, c in enumerate(cells)])


@pytest.mark.parametrize("screen", [True, False])
def test_numbers_parsed_while_reading_agree_with_the_trimmed_cells(screen) -> None:
    """The CSV reader guesses numbers from untrimmed cells and corrects the guess per distinct
    cell: what a file loads, or the cell it refuses, is what the exact rule gives for the
    trimmed cell, row by row."""
    padded = [p + c + q for c in CELLS for p, q in [("", ""), (" ", ""), ("", " "), ("  ", " "),
                                                    ("\u00a0", ""), ("\u202f", ""), ("\t", "")]]
    cells = padded + ["", "   "] + padded[::3]  # repeated cells: several rows per distinct one
    exact = _exact(cells)
    countable = [c for c, (text, x) in zip(cells, exact)
                 if text is None or (x is not None and 0 <= x <= MAX_COUNT and x == int(x))]
    refused = [n + 2 for n, c in enumerate(cells) if c not in countable]
    matcher = _matcher()
    con = duckdb.connect()
    read = read_report(con, _capacity_report(cells), "meldung.csv")
    assert read.ok and read.numbers
    validation = validate(con, read, matcher, TODAY, screen=screen)
    assert sorted({p.line for p in validation.problems}) == refused
    con.close()
    inspection = inspect_bytes(_capacity_report(countable), "meldung.csv", matcher, TODAY)
    loaded = inspection.rows.to_pylist()
    assert [r["capacity"] for r in loaded] == [None if x is None else int(x)
                                               for _, x in _exact(countable)]
    assert {"1.250", " 1.250", "1.25"} <= set(cells) and 1250 in [r["capacity"] for r in loaded]


def _report(capacity: str = "100", facility: str = "Haus A") -> bytes:
    header = ["Kreisschlüssel", "Woche", "Unterkunft", "Kapazität", "Belegung"]
    return csv_bytes([header, ["16051", "2024-W45", facility, capacity, "90"]], encoding="cp1252")


def _rows_read(path, data: bytes) -> tuple[list[tuple], list[str]]:
    """(facility, capacity, line) of the rows to load, and the temporary copies the reader
    made, for ``data`` read as the bytes of the file at ``path``."""
    inspection = inspect_bytes(data, path.name, _matcher(), TODAY, OnDisk.of(path))
    return ([(r["facility"], r["capacity"], r["line"]) for r in inspection.rows.to_pylist()],
            inspection.read.temp_files)


def test_a_file_read_in_place_gives_the_same_cells(tmp_path) -> None:
    path = tmp_path / "meldung.csv"
    path.write_bytes(_report(facility="Häuser Süd"))
    rows, copies = _rows_read(path, path.read_bytes())
    assert copies == [] and rows == [("Häuser Süd", 100, 2)]  # no copy was needed


def test_windows_1252_beyond_latin_1_is_read_from_a_copy(tmp_path) -> None:
    path = tmp_path / "meldung.csv"
    path.write_bytes(_report(facility="Haus „Nord“ – 5 €"))
    rows, copies = _rows_read(path, path.read_bytes())
    assert len(copies) == 1 and rows == [("Haus „Nord“ – 5 €", 100, 2)]
    assert not os.path.exists(copies[0])  # removed once read


def test_a_file_changed_after_reading_its_bytes_is_not_read_in_place(tmp_path) -> None:
    path = tmp_path / "meldung.csv"
    path.write_bytes(_report(capacity="100"))
    on_disk = OnDisk.of(path)
    data = path.read_bytes()
    path.write_bytes(_report(capacity="999"))  # someone saves the file again meanwhile
    inspection = inspect_bytes(data, path.name, _matcher(), TODAY, on_disk)
    assert len(inspection.read.temp_files) == 1
    assert [r["capacity"] for r in inspection.rows.to_pylist()] == [100]


def test_ingest_file_loads_what_ingest_bytes_loads(fresh_db, tmp_path) -> None:
    path = tmp_path / "meldung.csv"
    path.write_bytes(_report(capacity="1.250", facility="Häuser Süd"))
    assert_loaded(ingest_file(path, "cli", "test", db_path=fresh_db, today=TODAY))
    assert query(fresh_db, "SELECT facility, capacity, occupied, line FROM report_row") == [
        ("Häuser Süd", 1250, 90, 2)]


def _district_report(rows: list[tuple]) -> bytes:
    return csv_bytes([HEADER_DE] + [[ags, "", week, 1, 1, cap, occ] for ags, week, cap, occ in rows])


def _facility_report(rows: list[tuple]) -> bytes:
    header = ["Kreisschlüssel", "Woche", "Unterkunft", "Kapazität", "Belegung"]
    return csv_bytes([header] + [[ags, week, fac, cap, occ] for ags, week, fac, cap, occ in rows])


def _snapshot_rows(db_path) -> tuple[list, list]:
    """(rows of the fast query, rows of the view current_rows), both sorted."""
    con = duckdb.connect(str(db_path))
    try:
        columns = "load_id, ags, week, facility, facility_type, arrivals, departures, capacity, " \
                  "occupied, line"
        fast = con.execute(f"SELECT {columns} FROM ({db._current_rows_query(con)}) "  # noqa: S608
                           "ORDER BY ALL").fetchall()
        view = con.execute(f"SELECT {columns} FROM current_rows ORDER BY ALL").fetchall()  # noqa: S608
        return fast, view
    finally:
        con.close()


@pytest.mark.parametrize("steps", [
    ["district", "facility"],
    ["facility", "district"],
    ["district", "district_later", "rollback_last"],
    ["facility", "facility_other_weeks", "district_later", "rollback_first"],
])
def test_figures_in_force_match_the_view(fresh_db, steps) -> None:
    reports = {
        "district": _district_report([("16051", "2024-W44", 100, 90), ("16051", "2024-W45", 100, 95),
                                      ("16052", "2024-W45", 50, 40)]),
        "district_later": _district_report([("16051", "2024-W45", 120, 99)]),
        "facility": _facility_report([("16051", "2024-W45", "A", 60, 50),
                                      ("16051", "2024-W45", "B", 70, 60),
                                      ("16051", "2024-W46", "A", 60, 55)]),
        "facility_other_weeks": _facility_report([("16052", "2024-W47", "C", 10, 9)]),
    }
    loaded = []
    for step in steps:
        if step.startswith("rollback"):
            con = duckdb.connect(str(fresh_db))
            rollback(con, loaded[-1] if step == "rollback_last" else loaded[0])
            con.close()
        else:
            result = assert_loaded(ingest_bytes(reports[step], f"{step}.csv", "cli", "test",
                                                db_path=fresh_db, today=TODAY, publish=False))
            loaded.append(result.load_id)
        fast, view = _snapshot_rows(fresh_db)
        assert fast == view
        assert _published_facility_rows(fresh_db) == _facility_rows_in_force(fresh_db)


_FACILITY = "ags, week, facility, facility_type, arrivals, departures, capacity, occupied, load_id"


def _published_facility_rows(db_path) -> list:
    """The facility rows the app reads: the snapshot's view over its copy of the rows."""
    publish(db_path)
    return query(Path(str(db_path) + ".snapshot"),
                 f"SELECT {_FACILITY} FROM facility_weekly ORDER BY ALL")  # noqa: S608


def _facility_rows_in_force(db_path) -> list:
    return query(db_path, f"SELECT {_FACILITY} FROM current_rows "  # noqa: S608
                          "WHERE facility <> '' ORDER BY ALL")


def test_load_week_accounts_for_every_row(fresh_db) -> None:
    assert_loaded(ingest_bytes(_facility_report([("16051", "2024-W45", "A", 60, 50),
                                                 ("16051", "2024-W45", "B", 70, 60)]),
                               "f.csv", "cli", "test", db_path=fresh_db, today=TODAY))
    assert query(fresh_db, "SELECT ags, week::VARCHAR, rows, keys FROM load_week") == [
        ("16051", "2024-11-04", 2, 2)]


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
@pytest.mark.parametrize("last_facility", ["Haus B", "Häuser Süd"])
def test_a_latin_1_file_whose_rows_are_ascii_reads_as_its_copy_does(tmp_path, newline,
                                                                    last_facility) -> None:
    """A Latin-1 file whose umlauts sit only in its title and header lines is read in place
    as UTF-8 (in parallel); one with an umlaut in a row is not: both give the cells and lines
    that the road through a UTF-8 copy gives."""
    lines = ["Meldung Gemeinschaftsunterkünfte", "Kreisschlüssel;Woche;Unterkunft;Kapazität",
             "16051;2024-W45;Haus A;100", f"16051;2024-W46;{last_facility};1.250"]
    data = (newline.join(lines) + newline).encode("latin-1")
    path = tmp_path / "meldung.csv"
    path.write_bytes(data)
    in_place, copies = _rows_read(path, data)
    assert copies == []
    copied = inspect_bytes(data, path.name, _matcher(), TODAY)  # no file: a UTF-8 copy
    assert in_place == [(r["facility"], r["capacity"], r["line"]) for r in copied.rows.to_pylist()]
    assert in_place == [("Haus A", 100, 3), (last_facility, 1250, 4)]
