"""Issue 21, speed: a load's rows go from the mirror to PostgreSQL as a stream of CSV pieces
(``postgres._csv_pieces``), not through a scratch file. What the store then holds must be what
the DuckDB store holds from the same file, cell for cell (texts with quotes, separators and a
literal ``\\N``, empty texts, NULLs), and a stream that breaks off leaves nothing behind.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from etl.cli import main
from reception import config
from reception.store import db, postgres
from tests.etl_support import ingest

pytestmark = pytest.mark.usefixtures("pg_store")

ROW_SQL = ("SELECT load_id, ags, week, facility, facility_type, arrivals, departures, capacity, "
           "occupied, line FROM report_row ORDER BY load_id, line")


def tricky_report() -> bytes:
    """Facility names PostgreSQL's CSV could misread, an empty type (NULL), an empty measure
    (NULL), and a district-level row (facility: the empty text)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["ags", "woche", "unterkunft", "art", "zugaenge", "abgaenge", "kapazitaet",
                     "belegung"])
    writer.writerow(["16051", "KW 45/2024", 'Haus "Nord"; Flügel 2, oben', "GU", 5, 1, 100, 80])
    writer.writerow(["16051", "KW 45/2024", "\\N", "", 3, "", 50, 40])
    writer.writerow(["16051", "KW 45/2024", "Turnhalle, Süd", "Notunterkunft", 0, 0, 60, 0])
    writer.writerow(["16052", "KW 45/2024", "", "", 7, 2, 300, 210])
    return out.getvalue().encode("utf-8")


def store_rows() -> list[tuple]:
    with postgres.connect() as pg:
        return [tuple(row) for row in pg.execute(ROW_SQL).fetchall()]


def exported(folder: Path) -> dict[str, bytes]:
    assert main(["export", str(folder)]) == 0
    return {name: (folder / name).read_bytes() for name in ("districts.csv", "weekly.csv")}


def test_a_streamed_load_holds_in_postgresql_what_the_duckdb_store_holds(
        tmp_path, monkeypatch):
    monkeypatch.setattr(postgres, "STREAM_ROWS", 2)  # several pieces, even for four rows
    assert main(["init"]) == 0
    assert ingest(tricky_report(), publish=True).status == "loaded"
    in_postgres = store_rows()
    from_postgres = exported(tmp_path / "pg")
    assert ("16051", "\\N") == in_postgres[1][1:4:2]  # a text, not NULL
    assert in_postgres[3][3] == "" and in_postgres[1][4] is None and in_postgres[1][6] is None

    monkeypatch.delenv("RECEPTION_DB")
    monkeypatch.setenv("RECEPTION_DB", str(tmp_path / "embedded.duckdb"))
    assert main(["init"]) == 0
    assert ingest(tricky_report(), publish=True).status == "loaded"
    with db.main_reader() as con:
        in_duckdb = [tuple(row) for row in con.execute(ROW_SQL).fetchall()]
    assert in_postgres == in_duckdb
    assert exported(tmp_path / "duckdb") == from_postgres


def test_a_stream_broken_off_leaves_the_store_and_the_mirror_without_the_load(monkeypatch):
    assert main(["init"]) == 0
    assert ingest(tricky_report()).status == "loaded"
    before = store_rows()
    monkeypatch.setattr(postgres, "STREAM_ROWS", 1)
    from pyarrow import csv as arrow_csv

    written = []
    real = arrow_csv.write_csv

    def breaks_after_two(*args, **kwargs):
        if len(written) == 2:  # the first pieces are in the store's COPY already
            raise OSError("disk gone")
        written.append(1)
        return real(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(arrow_csv, "write_csv", breaks_after_two)
        with pytest.raises(OSError, match="disk gone"):
            ingest(tricky_report().replace(b"16051", b"16053").replace(b"16052", b"16054"))
    assert len(written) == 2
    assert store_rows() == before
    with postgres.connect() as pg:
        assert pg.execute("SELECT max(load_id) FROM load_log").fetchone()[0] == 1
    # this host's copy, at its next use, holds what the store holds (the failed load is gone)
    with db.writer() as con:
        assert [tuple(r) for r in con.execute(ROW_SQL).fetchall()] == before


def test_the_snapshot_built_beside_the_stream_shows_the_committed_load_and_its_version(
        monkeypatch):
    assert main(["init"]) == 0
    built = []
    real = postgres.local.fill_snapshot

    def fill(con, tmp, *args):
        built.append(tmp)
        return real(con, tmp, *args)

    monkeypatch.setattr(postgres.local, "fill_snapshot", fill)
    assert ingest(tricky_report(), publish=True).status == "loaded"
    assert len(built) == 1 and not built[0].exists()  # built once, and moved into place
    with postgres.connect() as pg:
        assert postgres._shown(config.snapshot_path()) == postgres.store_state(pg)
    with db.reader() as con:
        assert con.execute("SELECT sum(arrivals) FROM weekly").fetchall() == [(15,)]
