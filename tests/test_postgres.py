"""The PostgreSQL store: its schema, writers on several machines, readers' snapshots, failures.

The ETL contract itself (idempotency, replacement, rollback, history) runs against both stores in
test_load, test_cli and test_inbox; this file holds what only a shared store has. A "host" is a
process with its own ``RECEPTION_SNAPSHOT_DIR`` (its own mirror and snapshot).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from etl.cli import main
from reception import config
from reception.ingest.load import publish
from reception.store import db, postgres
from tests.conftest import ROOT
from tests.etl_support import HEADER_DE, csv_bytes, ingest, query

pytestmark = pytest.mark.usefixtures("pg_store")


def report(*rows: list[str]) -> bytes:
    return csv_bytes([HEADER_DE, *rows])


def store(sql: str, params: list | None = None) -> list[tuple]:
    """``sql`` in PostgreSQL itself."""
    with postgres.connect() as pg:
        return [tuple(row) for row in pg.execute(sql, params).fetchall()]


def on_host(tmp_path: Path, host: str) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT),
            "RECEPTION_SNAPSHOT_DIR": str(tmp_path / host)}


def snapshot_rows(folder: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(folder / "postgres-mirror.duckdb.snapshot"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_init_gives_the_store_the_tables_of_the_numbered_migrations():
    assert postgres.is_new()  # make run: then `etl init --demo`
    assert main(["init"]) == 0
    assert not postgres.is_new()
    versions = [version for version, _, _ in db.migrations()]
    assert [v for (v,) in store("SELECT version FROM schema_migrations ORDER BY 1")] == versions
    with db.local_writer(config.db_path()) as con:
        mirror = con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = "
                             "'report_row' ORDER BY column_index").fetchall()
    assert store("SELECT column_name::text FROM information_schema.columns WHERE table_name = "
                 "'report_row' ORDER BY ordinal_position") == mirror
    # the plain contract views, for scripts that read the store directly
    assert store("SELECT count(*), count(*) FILTER (WHERE kind = 'kreisfreie Stadt') "
                 "FROM districts") == [(22, 5)]
    assert main(["init"]) == 0  # again: nothing to migrate, nothing duplicated
    assert store("SELECT count(*) FROM district_ref") == [(22,)]


def test_two_hosts_loading_at_once_lose_nothing_and_load_each_file_once(tmp_path):
    assert main(["init"]) == 0
    shared = report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"])
    hosts: dict[str, list[Path]] = {"a": [], "b": []}
    for host in hosts:
        folder = tmp_path / f"files_{host}"
        folder.mkdir()
        (folder / "gemeinsam.csv").write_bytes(shared)  # the same bytes on both hosts
        hosts[host].append(folder / "gemeinsam.csv")
        for i in range(3):
            path = folder / f"{host}{i}.csv"
            week = 46 + i + (3 if host == "b" else 0)  # Gera: weeks of this host alone
            # Gera's figures move from week to week: the same figures every week with arrivals
            # would be a plausibility finding (stale_copy), not what this test is about
            path.write_bytes(report(["16051", "Erfurt", "KW 45/2024", str(100 + i), "10", "800",
                                     "650"], ["16052", "Gera", f"KW {week}/2024", "1", "0",
                                              "300", str(50 + week)]))
            hosts[host].append(path)
    # --confirm: the jumps between these made-up weeks are plausibility findings, not the point
    runs = [subprocess.Popen([sys.executable, "-m", "etl", "ingest", *map(str, files),
                              "--user", host, "--confirm"], cwd=ROOT, env=on_host(tmp_path, host),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for host, files in hosts.items()]
    outputs = [run.communicate(timeout=240) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    loads = store("SELECT load_id, file_name, sha256, status FROM load_log ORDER BY load_id")
    assert [row[0] for row in loads] == list(range(1, 8))  # 7 loads: the shared file once
    assert all(row[3] == "loaded" for row in loads)
    assert len({row[2] for row in loads}) == 7
    both = "".join(out for out, _ in outputs)
    assert len(re.findall(r"gemeinsam\.csv: geladen", both)) == 1
    assert len(re.findall(r"gemeinsam\.csv: .*bereits", both)) == 1, both
    assert store("SELECT count(*) FROM report_row") == [(13,)]
    # every load but the first that met 16051/KW 45 replaced exactly that one figure
    replaced = [int(n) for n in re.findall(r"(\d+) Werte ersetzt", both)]
    assert sorted(replaced) == [0, 1, 1, 1, 1, 1, 1]
    # the figure in force is the last load's, in the store and on both hosts
    last = store("SELECT max(load_id) FROM load_log")[0][0]
    expected = store("SELECT arrivals FROM report_row WHERE load_id = %s AND ags = '16051'",
                     [last])
    in_force = query(config.db_path(), "SELECT arrivals, load_id FROM current_rows "
                                       "WHERE ags = '16051'")
    assert in_force == [(expected[0][0], last)], (loads, store(
        "SELECT load_id, ags, week, arrivals FROM report_row ORDER BY load_id"), both)
    for host in hosts:  # what a page there shows at its next check (`etl loads` would only
        # sync the mirror: the host that finished first keeps the snapshot of its last batch)
        subprocess.run([sys.executable, "-c", "from reception.store import postgres; "
                        "postgres.refresh(max_age=0)"], cwd=ROOT, check=True,
                       env=on_host(tmp_path, host), capture_output=True)
        assert snapshot_rows(tmp_path / host, "SELECT arrivals FROM weekly WHERE ags = '16051' "
                                              "AND arrivals IS NOT NULL") == expected


def test_a_reader_on_another_host_shows_a_new_load_at_its_next_check(tmp_path, monkeypatch):
    assert main(["init"]) == 0
    reader_folder = tmp_path / "reader"
    monkeypatch.setenv("RECEPTION_SNAPSHOT_DIR", str(reader_folder))
    postgres.refresh(max_age=0)
    assert snapshot_rows(reader_folder, "SELECT count(*) FROM loads") == [(0,)]
    path = tmp_path / "kw45.csv"
    path.write_bytes(report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"]))
    subprocess.run([sys.executable, "-m", "etl", "ingest", str(path)], cwd=ROOT, check=True,
                   env=on_host(tmp_path, "writer"), capture_output=True)
    assert postgres.refresh(max_age=0) is True
    assert snapshot_rows(reader_folder, "SELECT arrivals FROM weekly WHERE ags = '16051'") \
        == [(25,)]
    assert postgres.refresh(max_age=0) is False  # nothing new: no copy, no new snapshot


def test_a_snapshot_published_by_a_write_that_changed_nothing_follows_the_next_load(tmp_path):
    # A batch publishes its snapshot in a write block of its own, after its loads: that block
    # changes nothing in the store, yet the snapshot it publishes must not pass for the state
    # that another host's next load gives the store.
    assert main(["init"]) == 0
    assert ingest(report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"]),
                  publish=True).status == "loaded"
    publish()  # as ingest_files does after its last file
    path = tmp_path / "kw45.csv"
    path.write_bytes(report(["16051", "Erfurt", "KW 45/2024", "30", "10", "800", "640"]))
    subprocess.run([sys.executable, "-m", "etl", "ingest", str(path)], cwd=ROOT, check=True,
                   env=on_host(tmp_path, "other"), capture_output=True)
    assert postgres.refresh(max_age=0) is True
    assert snapshot_rows(config.snapshot_path().parent, "SELECT arrivals FROM weekly WHERE "
                                                        "ags = '16051'") == [(30,)]


def test_a_failed_write_leaves_the_store_unchanged_and_the_mirror_is_rebuilt(monkeypatch):
    assert main(["init"]) == 0
    assert ingest(report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"])).load_id == 1

    def broken(*args, **kwargs):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(postgres, "_copy_to_store", broken)
        with pytest.raises(OSError):
            ingest(report(["16051", "Erfurt", "KW 46/2024", "30", "10", "800", "650"]))
    assert store("SELECT load_id FROM load_log") == [(1,)]
    # the mirror had the failed load in it; the next write rebuilds it from the store
    third = ingest(report(["16052", "Gera", "KW 46/2024", "3", "1", "300", "100"]))
    assert third.status == "loaded"
    with db.local_writer(config.db_path()) as con:
        mirror = con.execute("SELECT load_id, file_name FROM load_log ORDER BY 1").fetchall()
    assert mirror == store("SELECT load_id, file_name FROM load_log ORDER BY 1")
    assert query(config.db_path(), "SELECT count(*) FROM report_row WHERE week = '2024-11-11' "
                                   "AND ags = '16051'") == [(0,)]


def test_a_snapshot_published_before_a_failed_push_does_not_pass_for_the_next_version(
        tmp_path, monkeypatch):
    # A load publishes its snapshot inside the write block, stamped with the version the store
    # will have; the push then fails. The snapshot must show what the store holds, so that
    # another host's next load (which gives the store that very version) still reaches it.
    assert main(["init"]) == 0
    assert ingest(report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"]),
                  publish=True).status == "loaded"

    def broken(*args, **kwargs):
        raise OSError("network gone")

    with monkeypatch.context() as patch:
        patch.setattr(postgres, "_copy_to_store", broken)
        with pytest.raises(OSError):
            ingest(report(["16051", "Erfurt", "KW 46/2024", "99", "10", "800", "650"]), publish=True)
    folder = config.snapshot_path().parent
    assert snapshot_rows(folder, "SELECT max(week) FROM weekly") == [(date(2024, 11, 4),)]
    path = tmp_path / "kw45.csv"
    path.write_bytes(report(["16051", "Erfurt", "KW 45/2024", "30", "10", "800", "640"]))
    subprocess.run([sys.executable, "-m", "etl", "ingest", str(path)], cwd=ROOT, check=True,
                   env=on_host(tmp_path, "other"), capture_output=True)
    postgres.refresh(max_age=0)
    assert snapshot_rows(folder, "SELECT week, arrivals FROM weekly WHERE ags = '16051' "
                                 "ORDER BY week") == [(date(2024, 11, 4), 30)]


def test_a_writer_waits_for_the_store_lock_and_then_says_busy():
    assert main(["init"]) == 0
    with postgres.connect() as other, other.transaction():
        other.execute("SELECT pg_advisory_xact_lock(%s, %s)", postgres.WRITE_LOCK)
        with pytest.raises(db.DatabaseBusy, match="belegt"), db.writer(timeout=0.3):
            pass


def test_backup_and_restore_point_to_pg_dump(tmp_path, capsys):
    assert main(["init"]) == 0
    assert main(["backup", str(tmp_path / "sicherung")]) == 2
    assert "pg_dump --format=custom" in capsys.readouterr().err
    assert not (tmp_path / "sicherung").exists()
    assert main(["restore", str(tmp_path / "sicherung")]) == 2
    assert "pg_restore" in capsys.readouterr().err


def test_a_restored_dump_is_another_store_to_every_mirror(pg_store, tmp_path, monkeypatch):
    from harness.pgcluster import PG_BIN

    assert main(["init"]) == 0
    assert ingest(report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"]),
                  "a.csv").status == "loaded"
    dump = tmp_path / "aufnahme.dump"
    subprocess.run([str(PG_BIN / "pg_dump"), "--format=custom", f"--file={dump}", pg_store],
                   check=True, capture_output=True)
    assert ingest(report(["16051", "Erfurt", "KW 46/2024", "30", "10", "800", "650"]),
                  "b.csv").status == "loaded"
    monkeypatch.setenv("RECEPTION_SNAPSHOT_DIR", str(tmp_path / "reader"))
    postgres.refresh(max_age=0)
    assert snapshot_rows(tmp_path / "reader", "SELECT file_name FROM loads ORDER BY 1") == [
        ("a.csv",), ("b.csv",)]
    subprocess.run([str(PG_BIN / "pg_restore"), "--clean", "--if-exists", f"--dbname={pg_store}",
                    str(dump)], check=True, capture_output=True)
    # a load after the restore takes load id 2 again, and the data version moves on
    path = tmp_path / "c.csv"
    path.write_bytes(report(["16052", "Gera", "KW 46/2024", "3", "1", "300", "100"]))
    subprocess.run([sys.executable, "-m", "etl", "ingest", str(path)], cwd=ROOT, check=True,
                   env=on_host(tmp_path, "writer"), capture_output=True)
    assert postgres.refresh(max_age=0) is True  # the reader's copy is rebuilt, not extended
    assert snapshot_rows(tmp_path / "reader", "SELECT load_id, file_name FROM loads "
                                              "ORDER BY 1") == [(1, "a.csv"), (2, "c.csv")]


def test_the_upload_preview_compares_with_the_store_in_force():
    from reception.ingest import load as loading
    from tests.etl_support import TODAY

    assert main(["init"]) == 0
    ingest(report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"]))
    data = report(["16051", "Erfurt", "KW 45/2024", "27", "10", "800", "660"])
    inspection = loading.inspect_bytes(data, "neu.csv", loading.matcher_for(), TODAY)
    with db.writer() as con:  # what the upload page does: register the rows, compare
        changes = loading.changes(con, inspection.rows)
    assert list(zip(changes.old_arrivals, changes.new_arrivals, strict=True)) == [(25, 27)]


def test_a_mirror_synced_by_a_reading_writer_still_gets_its_snapshot(tmp_path, monkeypatch):
    assert main(["init"]) == 0
    monkeypatch.setenv("RECEPTION_SNAPSHOT_DIR", str(tmp_path / "app"))
    postgres.refresh(max_age=0)
    path = tmp_path / "kw45.csv"
    path.write_bytes(report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"]))
    subprocess.run([sys.executable, "-m", "etl", "ingest", str(path)], cwd=ROOT, check=True,
                   env=on_host(tmp_path, "writer"), capture_output=True)
    with db.writer():  # the upload preview: syncs this machine's mirror, publishes nothing
        pass
    assert postgres.refresh(max_age=0) is True
    assert snapshot_rows(tmp_path / "app", "SELECT arrivals FROM weekly WHERE ags = '16051'") \
        == [(25,)]


def test_a_migration_numbered_below_the_highest_reaches_the_store(tmp_path, monkeypatch):
    """Migration numbers are not contiguous and land out of order (there is no 008 today): a
    store initialised at 011 without 008 must get 008's table once code with 008 writes, and a
    new host must read the store meanwhile. Compared as sets, not by the highest number."""
    from reception.store import local

    assert main(["init"]) == 0  # the store: 001 ... 011 without 008
    shipped = local.migrations()
    late = (8, "008_late.sql", "CREATE TABLE late_probe (id INTEGER PRIMARY KEY);")
    monkeypatch.setattr(local, "migrations", lambda: sorted([*shipped, late]))
    copy = postgres.read_copy(tmp_path / "new-host.duckdb")  # a new host, before any write
    con = duckdb.connect(str(copy), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM district_ref").fetchall() == [(22,)]
    finally:
        con.close()
    assert main(["init"]) == 0  # a write by code that has 008
    assert store("SELECT version FROM schema_migrations WHERE version = 8") == [(8,)]
    assert store("SELECT count(*) FROM late_probe") == [(0,)]
