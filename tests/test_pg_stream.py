"""Issue 21, speed: a load's rows go from the mirror to PostgreSQL as a stream of pieces
(``postgres._stream_pieces``), not through a scratch file: in PostgreSQL's binary COPY form
(``reception.store.pgbinary``) where the store's column types allow, else as CSV. What the store
then holds must be what the DuckDB store holds from the same file, cell for cell (texts with
quotes, separators and a literal ``\\N``, empty texts, NULLs), and a stream that breaks off
leaves nothing behind.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from etl.cli import main
from reception import config
from reception.store import db, pgbinary, postgres
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
    written = []
    real = pgbinary.rows

    def breaks_after_two(*args, **kwargs):
        if len(written) == 2:  # the first pieces are in the store's COPY already
            raise OSError("disk gone")
        written.append(1)
        return real(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(pgbinary, "rows", breaks_after_two)
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


SAMPLE = ("SELECT * FROM (VALUES "
          "(1, 2::BIGINT, 3::SMALLINT, 1.5::DOUBLE, DATE '2024-11-04', 'Haus \"Nord\"; Flügel'), "
          "(NULL, NULL, NULL, NULL, NULL, NULL), "
          "(-2147483648, -9000000000::BIGINT, (-32768)::SMALLINT, -0.25::DOUBLE, "
          " DATE '1999-12-31', ''), "
          "(0, 0::BIGINT, 0::SMALLINT, 0::DOUBLE, DATE '2000-01-01', '\\N'), "
          "(7, NULL, 1::SMALLINT, NULL, DATE '2030-01-07', NULL)) "
          "t(i, b, s, d, day, txt)")
SAMPLE_TYPES = ["INTEGER", "BIGINT", "SMALLINT", "DOUBLE", "DATE", "VARCHAR"]


def test_the_binary_form_of_every_type_and_null_pattern_reads_back_as_sent(pg_store):
    """Whole batches, batches cut from the middle (Arrow offsets) and single rows; columns
    NULL in no row, in some and in all; dates before and after 2000."""
    import duckdb

    con = duckdb.connect()
    batches = [*con.sql(SAMPLE).to_arrow_reader(2)]
    batches += [batch.slice(start, 1) for batch in con.sql(SAMPLE).to_arrow_reader(3)
                for start in range(batch.num_rows)]
    batches += [*con.sql(SAMPLE + " WHERE b IS NULL").to_arrow_reader(10)]
    with postgres.connect() as pg:
        pg.execute("CREATE TABLE sample (i integer, b bigint, s smallint, d double precision, "
                   "day date, txt text)")
        with pg.cursor().copy("COPY sample FROM STDIN (FORMAT binary)") as copy:
            copy.write(pgbinary.HEADER)
            for batch in batches:
                copy.write(pgbinary.rows(batch, SAMPLE_TYPES))
            copy.write(pgbinary.TRAILER)
        stored = [tuple(row) for row in pg.execute("SELECT * FROM sample").fetchall()]
    sent = [tuple(row.values()) for batch in batches for row in batch.to_pylist()]
    assert stored == sent
    assert len(stored) == 5 + 5 + 2


def test_a_store_column_of_another_type_gets_the_rows_as_csv(monkeypatch):
    """Binary COPY needs the exact type; a store whose column differs (e.g. changed by hand to
    ``bigint``) still gets every row, as CSV."""
    assert main(["init"]) == 0
    with postgres.connect() as pg:
        pg.execute("ALTER TABLE report_row ALTER COLUMN arrivals TYPE bigint")
        pg.commit()
    sent = []
    real = pgbinary.rows
    monkeypatch.setattr(pgbinary, "rows",
                        lambda batch, kinds: sent.append(batch.schema.names) or real(batch, kinds))
    assert ingest(tricky_report()).status == "loaded"
    assert [row[5] for row in store_rows()] == [5, 3, 0, 7]
    # report_row went as CSV; load_week (its types unchanged) as binary
    assert sent and all("arrivals" not in names and "keys" in names for names in sent)
