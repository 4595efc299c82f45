"""The shortcuts of the fast ingest give what the general road gives: number parsing, reading a
file in place of a copy, and the snapshot's figures in force without window functions."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from reception.ingest.load import ingest_bytes, ingest_file, publish, rollback
from reception.ingest.numbers import _DIGITS_SQL, exact_number_sql, number_sql, quick_number_sql
from reception.ingest.reports import OnDisk, _correct_numbers, read_report
from reception.store import db
from tests.etl_support import HEADER_DE, TODAY, assert_loaded, csv_bytes, query

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


def test_numbers_parsed_while_reading_agree_with_the_trimmed_cells() -> None:
    """The CSV reader guesses numbers from untrimmed cells and corrects the guess per distinct
    cell: the result must be what the exact rule gives for the trimmed cell, row by row."""
    padded = [p + c + q for c in CELLS for p, q in [("", ""), (" ", ""), ("", " "), ("  ", " "),
                                                    ("\u00a0", ""), ("\u202f", ""), ("\t", "")]]
    cells = padded + [None, "   "] + padded[::3]  # repeated cells: several rows per distinct one
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE raw_cells (capacity_cell VARCHAR)")
    con.executemany("INSERT INTO raw_cells VALUES (?)", [(c,) for c in cells])
    assert _correct_numbers(con, ["capacity"]) == ["capacity"]
    guessed = quick_number_sql("capacity_cell")
    rows = con.execute(
        f"SELECT capacity_cell, CASE WHEN f.cell IS NULL THEN {guessed} ELSE f.exact END, "  # noqa: S608
        f"{exact_number_sql('capacity_cell')} FROM raw_cells "
        "LEFT JOIN number_fix_capacity f ON f.cell = capacity_cell").fetchall()
    assert len(rows) == len(cells)
    assert [r for r in rows if r[1] != r[2] and not (r[1] is None and r[2] is None)] == []
    assert ("1.25", 1.25, 1.25) in rows and (" 1.250", 1250.0, 1250.0) in rows


def _report(capacity: str = "100", facility: str = "Haus A") -> bytes:
    header = ["Kreisschlüssel", "Woche", "Unterkunft", "Kapazität", "Belegung"]
    return csv_bytes([header, ["16051", "2024-W45", facility, capacity, "90"]], encoding="cp1252")


def test_a_file_read_in_place_gives_the_same_cells(tmp_path) -> None:
    path = tmp_path / "meldung.csv"
    path.write_bytes(_report(facility="Häuser Süd"))
    con = duckdb.connect()
    read = read_report(con, path.read_bytes(), path.name, OnDisk.of(path))
    assert read.ok and read.temp_files == []  # no copy was needed
    assert con.execute("SELECT facility, line FROM raw").fetchall() == [("Häuser Süd", 2)]


def test_windows_1252_beyond_latin_1_is_read_from_a_copy(tmp_path) -> None:
    path = tmp_path / "meldung.csv"
    path.write_bytes(_report(facility="Haus „Nord“ – 5 €"))
    con = duckdb.connect()
    read = read_report(con, path.read_bytes(), path.name, OnDisk.of(path))
    assert read.ok and len(read.temp_files) == 1
    assert con.execute("SELECT facility FROM raw").fetchall() == [("Haus „Nord“ – 5 €",)]
    for name in read.temp_files:
        os.unlink(name)


def test_a_file_changed_after_reading_its_bytes_is_not_read_in_place(tmp_path) -> None:
    path = tmp_path / "meldung.csv"
    path.write_bytes(_report(capacity="100"))
    on_disk = OnDisk.of(path)
    data = path.read_bytes()
    path.write_bytes(_report(capacity="999"))  # someone saves the file again meanwhile
    con = duckdb.connect()
    read = read_report(con, data, path.name, on_disk)
    assert read.ok and len(read.temp_files) == 1
    assert con.execute("SELECT capacity_cell FROM raw").fetchall() == [("100",)]
    for name in read.temp_files:
        os.unlink(name)


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
