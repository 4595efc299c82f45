"""The figures as they stood at a moment T (CONTRACT.md "As of"): before and after a load and a
rollback, the same bytes for the same T whatever happens later, UTC timestamps whatever the
server's zone, on both stores."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from reception import config
from reception.read import opendata, queries
from reception.store import asof, db
from tests.etl_support import HEADER_DE, assert_loaded, csv_bytes, ingest, query

ROOT = Path(__file__).resolve().parent.parent
MICRO = timedelta(microseconds=1)


def report(arrivals: int, capacity: int, week: str = "2024-W45") -> bytes:
    return csv_bytes([HEADER_DE, ["16051", "Erfurt", week, arrivals, 2, capacity, 400]])


def load(data: bytes, name: str) -> int:
    return assert_loaded(ingest(data, name, publish=True)).load_id


def loaded_at(db_path: Path, load_id: int) -> datetime:
    return query(db_path, "SELECT loaded_at FROM load_log WHERE load_id = ?", [load_id])[0][0]


def rolled_back_at(db_path: Path, load_id: int) -> datetime:
    return query(db_path, "SELECT rolled_back_at FROM load_log WHERE load_id = ?", [load_id])[0][0]


def erfurt(moment: datetime | None) -> tuple | None:
    """(arrivals, capacity) of Erfurt in week 45/2024 as they stood at ``moment`` (None: now)."""
    with asof.viewing(moment):
        frame = queries.weekly(ags=("16051",))
    rows = frame[frame.week == "2024-11-04"]
    return None if rows.empty else (int(rows.arrivals.iloc[0]), int(rows.capacity.iloc[0]))


def rollback(load_id: int) -> None:
    from etl.cli import main

    assert main(["rollback", str(load_id)]) == 0


def weekly_csv(moment: datetime) -> bytes:
    with asof.viewing(moment):
        return opendata.to_csv(opendata.weekly())


def test_before_and_after_a_load_and_a_rollback(store_db):
    first = load(report(10, 500), "erste.csv")
    second = load(report(30, 600), "korrektur.csv")
    rollback(second)
    at_first, at_second = loaded_at(store_db, first), loaded_at(store_db, second)
    undone = rolled_back_at(store_db, second)

    assert erfurt(at_first - MICRO) is None  # before the first load: no figures
    assert erfurt(at_first) == (10, 500)
    assert erfurt(at_second - MICRO) == (10, 500)
    assert erfurt(at_second) == (30, 600)  # the correction was in force ...
    assert erfurt(undone - MICRO) == (30, 600)
    assert erfurt(undone) == (10, 500)  # ... until it was rolled back
    assert erfurt(None) == (10, 500)


def test_the_past_counts_what_happened_since(fresh_db):
    first = load(report(10, 500), "erste.csv")
    second = load(report(30, 600), "korrektur.csv")
    load(report(5, 600, "2024-W46"), "kw46.csv")
    rollback(second)
    seen = asof.past(loaded_at(fresh_db, first))
    assert (seen.loads_since, seen.rollbacks_since) == (2, 1)
    assert seen.began == loaded_at(fresh_db, first)
    with db.reader(seen.path) as con:  # the load history as it stood then
        assert con.execute("SELECT load_id, status, rolled_back_at FROM loads").fetchall() == [
            (first, "loaded", None)]


def test_a_moment_between_two_events_shares_their_snapshot(fresh_db):
    first = load(report(10, 500), "erste.csv")
    second = load(report(30, 600), "korrektur.csv")
    at_first, at_second = loaded_at(fresh_db, first), loaded_at(fresh_db, second)
    assert asof.snapshot(at_first) == asof.snapshot(at_second - MICRO)
    assert asof.snapshot(at_first) != asof.snapshot(at_second)


def test_the_same_moment_gives_the_same_bytes_whatever_happens_later(fresh_db):
    first = load(report(10, 500), "erste.csv")
    moment = loaded_at(fresh_db, first) + timedelta(milliseconds=1)
    before = weekly_csv(moment)
    assert b"16051,2024-11-04,10," in before
    second = load(report(30, 600), "korrektur.csv")
    load(report(5, 600, "2024-W46"), "kw46.csv")
    rollback(first)
    rollback(second)
    assert weekly_csv(moment) == before
    shutil.rmtree(config.snapshot_path().with_name(config.snapshot_path().name + ".asof"))
    assert weekly_csv(moment) == before  # made anew from the history: still the same bytes
    assert weekly_csv(datetime.now(UTC).replace(tzinfo=None)) != before


@pytest.mark.parametrize(("text", "utc"), [
    ("2026-12-01T10:00", datetime(2026, 12, 1, 9, 0)),  # Berlin winter time: UTC+1
    ("2026-07-01 10:00:30", datetime(2026, 7, 1, 8, 0, 30)),  # summer time: UTC+2
    ("2026-12-01T10:00Z", datetime(2026, 12, 1, 10, 0)),
    ("2026-12-01T10:00+03:00", datetime(2026, 12, 1, 7, 0)),
    ("2026-12-01", datetime(2026, 11, 30, 23, 0)),
])
def test_moments_are_berlin_local_unless_they_say_otherwise(text, utc):
    assert asof.parse(text) == utc


@pytest.mark.parametrize("text", ["", "gestern", "2026-13-01T10:00", "01.12.2026 10:00",
                                  "0001-01-01T00:00", "2026-12-01T10:00" + "0" * 60])
def test_a_bad_moment_says_what_is_expected(text):
    with pytest.raises(asof.BadMoment, match="ISO 8601"):
        asof.parse(text)


def _etl(db_path: Path, *args: str, tz: str = "Europe/Berlin") -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TZ": tz, "RECEPTION_DB": str(db_path)}
    subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)


def test_loads_and_rollbacks_are_stamped_in_utc_on_a_berlin_server(tmp_path):
    db_path = tmp_path / "reception.duckdb"
    _etl(db_path, "init")
    (tmp_path / "kw45.csv").write_bytes(report(10, 500))
    before = datetime.now(UTC).replace(tzinfo=None)
    _etl(db_path, "ingest", str(tmp_path / "kw45.csv"))
    _etl(db_path, "rollback", "1")
    after = datetime.now(UTC).replace(tzinfo=None)
    stamps = query(db_path, "SELECT loaded_at, rolled_back_at FROM loads WHERE load_id = 1")[0]
    assert all(before - timedelta(seconds=1) <= stamp <= after for stamp in stamps), stamps


MIGRATE_TO_7 = """
import duckdb, sys
from reception.store import db
con = duckdb.connect(sys.argv[1])
db.migrate(con, only=range(1, 8))
con.execute("INSERT INTO load_log (load_id, file_name, sha256, source, loaded_at, rows, status, "
            "rolled_back_at) VALUES (1, 'alt.csv', 'x', 'cli', TIMESTAMP '2026-12-01 10:00', 1, "
            "'rolled_back', TIMESTAMP '2026-07-01 10:00')")
con.close()
"""


def test_migration_converts_local_stamps_from_the_servers_zone(tmp_path):
    db_path = tmp_path / "alt.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TZ": "Europe/Berlin"}
    subprocess.run([sys.executable, "-c", MIGRATE_TO_7, str(db_path)], cwd=ROOT, env=env,
                   check=True, timeout=120)
    subprocess.run([sys.executable, "-c", "import duckdb, sys\nfrom reception.store import db\n"
                    "db.migrate(duckdb.connect(sys.argv[1]))", str(db_path)], cwd=ROOT, env=env,
                   check=True, timeout=120)
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        assert con.execute("SELECT loaded_at, rolled_back_at FROM load_log").fetchall() == [
            (datetime(2026, 12, 1, 9, 0), datetime(2026, 7, 1, 8, 0))]
    finally:
        con.close()


def test_the_key_of_a_past_follows_the_set_of_migrations_not_the_highest(fresh_db, tmp_path):
    """A migration numbered below the highest can arrive later (branches land out of order):
    a snapshot of the past made before it must not be taken for one made after."""
    first = load(report(10, 500), "erste.csv")
    moment = loaded_at(fresh_db, first)
    copy = tmp_path / "snapshot.duckdb"
    shutil.copyfile(config.snapshot_path(), copy)
    con = duckdb.connect(str(copy))
    try:
        with_all = asof._history_then(con, moment)[0]
        lower, highest = con.execute(
            "SELECT min(version), max(version) FROM schema_migrations").fetchall()[0]
        con.execute("DELETE FROM schema_migrations WHERE version = ?", [lower + 1])
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0][0] == highest
        assert asof._history_then(con, moment)[0] != with_all
    finally:
        con.close()
