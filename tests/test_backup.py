"""``python -m etl backup DIR`` / ``restore DIR`` as separate processes: a round trip of the demo
database gives back every contract view row by row, a damaged backup changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_etl

CONTRACT_VIEWS = {
    "districts": "SELECT * FROM districts ORDER BY ags",
    "weekly": "SELECT * FROM weekly ORDER BY ags, week",
    "loads": "SELECT * FROM loads ORDER BY load_id",
}
REPORT = "ags;woche;zugaenge;abgaenge;kapazitaet;belegung\n{rows}"


def views(db_path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        found = {name: con.execute(sql).fetchall() for name, sql in CONTRACT_VIEWS.items()}
        found["report_row"] = con.execute(
            "SELECT * FROM report_row ORDER BY load_id, line, ags, week, facility").fetchall()
        return found
    finally:
        con.close()


def snapshot_views(db_path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db_path) + ".snapshot", read_only=True)
    try:
        return {
            "weekly": con.execute("SELECT ags, week, arrivals, departures, capacity, occupied, "
                                  "reported FROM weekly ORDER BY ags, week").fetchall(),
            "loads": con.execute("SELECT load_id, status FROM loads ORDER BY load_id").fetchall(),
        }
    finally:
        con.close()


def write_report(path: Path, week: str, capacity: int) -> Path:
    path.write_text(REPORT.format(rows=f"16051;{week};10;2;{capacity};400\n"
                                  f"16052;{week};5;1;{capacity};100\n"), encoding="utf-8")
    return path


def assert_same(before: dict, after: dict) -> None:
    for name in before:
        assert len(after[name]) == len(before[name]), name
        for row_before, row_after in zip(before[name], after[name], strict=True):
            assert row_before == row_after, name


@pytest.mark.slow
def test_round_trip_of_the_demo_database(demo_db: Path, tmp_path: Path) -> None:
    env = {"RECEPTION_DB": str(demo_db)}
    before = views(demo_db)
    assert before["weekly"] and before["loads"]
    snapshot_before = snapshot_views(demo_db)

    backup_dir = tmp_path / "backup"
    result = run_etl("backup", str(backup_dir), env=env)
    manifest = json.loads((backup_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["loads"] == len(before["loads"])
    assert manifest["report_rows"] == len(before["report_row"])
    assert len(manifest["sha256"]) == 64
    assert str(backup_dir) in result.stdout
    assert views(demo_db) == before  # the backup itself changes nothing

    # Change the database after the backup: a new load and a rollback of the demo load.
    # (its figures are far from the demo's: plausibility findings, confirmed)
    run_etl("ingest", str(write_report(tmp_path / "neu.csv", "2099-W01", 900)), "--confirm",
            env=env)
    run_etl("rollback", str(before["loads"][-1][0]), env=env)
    changed = views(demo_db)
    assert changed["loads"] != before["loads"] and changed["weekly"] != before["weekly"]

    run_etl("restore", str(backup_dir), env=env)
    assert_same(before, views(demo_db))
    assert snapshot_views(demo_db) == snapshot_before  # the app sees the restored figures

    # Load ids continue after the restored history, and the restored DB accepts loads.
    run_etl("ingest", str(write_report(tmp_path / "danach.csv", "2099-W02", 800)), "--confirm",
            env=env)
    after = views(demo_db)["loads"]
    assert after[-1][0] == before["loads"][-1][0] + 1 and after[-1][1] == "danach.csv"


def test_backup_and_restore_of_a_small_database(fresh_db: Path, tmp_path: Path) -> None:
    env = {"RECEPTION_DB": str(fresh_db)}
    run_etl("ingest", str(write_report(tmp_path / "a.csv", "2024-W45", 500)), env=env)
    before = views(fresh_db)
    run_etl("backup", str(tmp_path / "b"), env=env)
    run_etl("backup", str(tmp_path / "b"), env=env)  # again into the same folder: replaced
    run_etl("ingest", str(write_report(tmp_path / "c.csv", "2024-W46", 600)), env=env)
    run_etl("restore", str(tmp_path / "b"), env=env)
    assert_same(before, views(fresh_db))
    assert not list(fresh_db.parent.glob("*.tmp")) and not list((tmp_path / "b").glob("*.tmp"))


def test_damaged_or_missing_backup_changes_nothing(fresh_db: Path, tmp_path: Path) -> None:
    env = {"RECEPTION_DB": str(fresh_db)}
    run_etl("ingest", str(write_report(tmp_path / "a.csv", "2024-W45", 500)), env=env)
    backup_dir = tmp_path / "b"
    run_etl("backup", str(backup_dir), env=env)
    run_etl("ingest", str(write_report(tmp_path / "c.csv", "2024-W46", 600)), env=env)
    before = views(fresh_db)

    missing = run_etl("restore", str(tmp_path / "nowhere"), env=env, check=False)
    assert missing.returncode == 2 and "keine Sicherung" in missing.stderr

    data = bytearray((backup_dir / "reception.duckdb").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (backup_dir / "reception.duckdb").write_bytes(bytes(data))
    damaged = run_etl("restore", str(backup_dir), env=env, check=False)
    assert damaged.returncode == 1 and "SHA-256 passt nicht zu manifest.json" in damaged.stderr
    assert "Traceback" not in damaged.stderr
    english = run_etl("--lang", "en", "restore", str(backup_dir), env=env, check=False)
    assert english.returncode == 1 and "SHA-256 does not match manifest.json" in english.stderr
    assert views(fresh_db) == before
    assert not list(fresh_db.parent.glob(".*.tmp"))


def test_backup_refuses_the_database_folder_itself(fresh_db: Path) -> None:
    env = {"RECEPTION_DB": str(fresh_db)}
    refused = run_etl("backup", str(fresh_db.parent), env=env, check=False)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "ist der Ordner der Datenbank selbst" in refused.stderr
    assert not (fresh_db.parent / "manifest.json").exists()
    english = run_etl("--lang", "en", "backup", str(fresh_db.parent), env=env, check=False)
    assert english.returncode == 2 and "holds the database itself" in english.stderr


def test_the_manifest_names_every_migration_applied(fresh_db: Path, tmp_path: Path) -> None:
    """The set, not the highest number: numbers land out of order, so the highest alone does
    not say which migrations a backed-up database has."""
    from reception.store import db

    run_etl("backup", str(tmp_path / "b"), env={"RECEPTION_DB": str(fresh_db)})
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_migrations"] == [version for version, _, _ in db.migrations()]
    assert manifest["schema_version"] == max(manifest["schema_migrations"])
