"""Helpers shared by the ETL tests: build report files, ingest them, look into the database."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb

from reception.ingest.load import LoadResult, ingest_bytes

TODAY = date(2025, 1, 15)  # fixed, so that 2024 weeks never count as "in the future"

HEADER_DE = ["Kreisschlüssel", "Kreis", "Woche", "Zugänge", "Abgänge", "Kapazität", "Belegung"]


def csv_bytes(rows: list[list[object]], delimiter: str = ";", encoding: str = "utf-8",
              newline: str = "\n") -> bytes:
    """Rows of cells joined as a delimited text file, encoded as given ('utf-8-sig' for a BOM)."""
    text = newline.join(delimiter.join("" if c is None else str(c) for c in row) for row in rows)
    return (text + newline).encode(encoding)


def xlsx_bytes(rows: list[list[object]], extra_sheet: list[list[object]] | None = None) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Meldung"
    for row in rows:
        sheet.append(row)
    if extra_sheet is not None:
        other = book.create_sheet("Notizen")
        for row in extra_sheet:
            other.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ingest(data: bytes, name: str = "meldung.csv", db_path: Path | None = None,
           user: str = "test", publish: bool = False) -> LoadResult:
    return ingest_bytes(data, name, "cli", user, db_path=db_path, today=TODAY, publish=publish)


def rendered(result: LoadResult, lang: str = "de", severity: str | None = "error") -> list[str]:
    problems = result.inspection.problems if result.inspection else []
    return [p.render(lang) for p in problems if severity is None or p.severity == severity]


def assert_loaded(result: LoadResult) -> LoadResult:
    assert result.status == "loaded", rendered(result, severity=None)
    return result


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """``sql`` on the DuckDB file ``db_path``; on the main database of a PostgreSQL store, on
    a fresh copy of what the store holds (not on this machine's mirror)."""
    con = duckdb.connect(str(store_of_record(db_path)), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def store_of_record(db_path: Path) -> Path:
    from reception import config

    if config.store_url() and Path(db_path) == config.db_path():
        from reception.store import postgres

        return postgres.read_copy(Path(db_path).with_name("store-of-record.duckdb"))
    return db_path


def current(db_path: Path) -> list[tuple]:
    """(ags, week, facility, arrivals, departures, capacity, occupied) in force, sorted."""
    return query(db_path, "SELECT ags, week, facility, arrivals, departures, capacity, occupied "
                          "FROM current_rows ORDER BY ags, week, facility")


def counts(db_path: Path) -> tuple[int, int]:
    """(rows in report_row, active loads): what a rejected file must leave untouched."""
    return query(db_path, "SELECT (SELECT count(*) FROM report_row), "
                          "(SELECT count(*) FROM load_log WHERE status = 'loaded')")[0]


@contextmanager
def holding_write_lock(db_path: Path) -> Iterator[None]:
    """For the block another process has the DuckDB file ``db_path`` open for writing, as a
    running ``etl ingest`` has: DuckDB's write lock is held."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); sys.stdin.read()", str(db_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
        holder.stdout.close()
