"""``python -m etl backup DIR`` and ``python -m etl restore DIR``.

Backup takes the writer lock (:func:`reception.store.db.writer`), so no load is half-written in the
copy, checkpoints the database (the write-ahead log is folded into the file) and copies the file
to ``DIR/reception.duckdb`` (through a temporary name and ``os.replace``), then writes
``DIR/manifest.json`` with the file's SHA-256, size, schema version, number of loads and the time.
The app is not disturbed: it only reads the published snapshot, never the main file.

Restore checks the manifest and the hash, copies the backup to a temporary file beside
``RECEPTION_DB``, migrates it to the current schema, moves it over ``RECEPTION_DB`` with
``os.replace`` while holding the writer lock, and republishes the snapshot, so the app shows the
restored figures at its next interaction. Exit status: 0 done; 1 backup damaged or database busy;
2 usage (no backup in DIR).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

from etl import cli
from reception import config
from reception.i18n import t
from reception.store import db

BACKUP_FILE = "reception.duckdb"
MANIFEST = "manifest.json"
FORMAT = 1


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _facts(con) -> dict:
    """What the manifest records about a database (also used to verify a copy)."""
    loads, active, last = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE status = 'loaded'), max(load_id) FROM load_log"
    ).fetchall()[0]
    rows = con.execute("SELECT count(*) FROM report_row").fetchall()[0][0]
    version = con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0][0]
    return {"loads": loads, "active_loads": active, "last_load_id": last, "report_rows": rows,
            "schema_version": version}


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def backup(target_dir: Path, db_path: Path | None = None) -> dict:
    """Write a consistent copy of the database and its manifest into ``target_dir``."""
    db_path = Path(db_path or config.db_path())
    target = target_dir / BACKUP_FILE
    if target.resolve() == db_path.resolve():
        raise ValueError(f"{target_dir} holds the database itself; choose another folder")
    target_dir.mkdir(parents=True, exist_ok=True)
    tmp = target_dir / f".{BACKUP_FILE}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    try:
        with db.writer(db_path) as con:
            facts = _facts(con)
            con.execute("CHECKPOINT")
            # Under the writer lock nobody else can have the file open; after the checkpoint the
            # file alone holds every committed change.
            shutil.copyfile(db_path, tmp)
        _fsync(tmp)
        with db.writer(tmp) as check:  # the copy opens and holds what we counted
            copied = _facts(check)
        if copied != facts:
            raise RuntimeError(f"backup copy differs from the database: {copied} != {facts}")
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        manifest = {
            "format": FORMAT, "file": BACKUP_FILE, "sha256": file_sha256(tmp),
            "bytes": tmp.stat().st_size, "created_at": datetime.now().isoformat(timespec="seconds"),
            "source": str(db_path), **facts,
        }
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_json_atomic(target_dir / MANIFEST, manifest)
    return manifest


class BadBackup(RuntimeError):
    """The backup folder has no usable backup (missing, damaged or not matching its manifest)."""


def read_manifest(source_dir: Path) -> dict:
    manifest_path = source_dir / MANIFEST
    if not manifest_path.is_file() or not (source_dir / BACKUP_FILE).is_file():
        raise FileNotFoundError(source_dir)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BadBackup(f"{manifest_path}: {error}") from error
    if manifest.get("format") != FORMAT or manifest.get("file") != BACKUP_FILE:
        raise BadBackup(f"{manifest_path}: unknown format")
    return manifest


def restore(source_dir: Path, db_path: Path | None = None) -> dict:
    """Replace the database with the backup in ``source_dir`` and republish the snapshot."""
    db_path = Path(db_path or config.db_path())
    manifest = read_manifest(source_dir)
    if (source_dir / BACKUP_FILE).resolve() == db_path.resolve():
        raise BadBackup(f"{source_dir} holds the database itself, not a backup")
    source = source_dir / BACKUP_FILE
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.restore-{os.getpid()}.tmp")
    tmp_wal = tmp.with_name(tmp.name + ".wal")
    tmp.unlink(missing_ok=True)
    tmp_wal.unlink(missing_ok=True)
    try:
        shutil.copyfile(source, tmp)
        if file_sha256(tmp) != manifest["sha256"]:
            raise BadBackup(f"{source}: SHA-256 does not match {MANIFEST}")
        with db.writer(tmp) as con:  # opens, migrates to the current schema, verifies
            facts = _facts(con)
            con.execute("CHECKPOINT")
        if facts["loads"] != manifest["loads"] or facts["report_rows"] != manifest["report_rows"]:
            raise BadBackup(f"{source}: contents do not match {MANIFEST}")
        if tmp_wal.exists():
            raise BadBackup(f"{tmp}: write-ahead log left after checkpoint")
        _fsync(tmp)
        with db.writer(db_path) as con:
            # Fold the old file's log in first, so that no stale .wal is replayed onto the
            # restored file; then swap the file while no other writer can have it open.
            con.execute("CHECKPOINT")
            os.replace(tmp, db_path)
        # A fresh connection (the old one saw the replaced inode) publishes the restored state.
        with db.writer(db_path) as con:
            restored = _facts(con)
            db.publish_snapshot(con, db_path.with_name(db_path.name + ".snapshot"))
    finally:
        tmp.unlink(missing_ok=True)
        tmp_wal.unlink(missing_ok=True)
    return {**manifest, "restored": restored}


def _add_backup_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(name, help="write a consistent copy of the database (while the app runs)\n"
                       "  e.g. python -m etl backup /srv/backup/2024-11-04")
    p.add_argument("dir", type=Path, help="folder for reception.duckdb and manifest.json")


def _add_restore_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(name, help="replace the database with a backup and republish the app's "
                       "snapshot\n  e.g. python -m etl restore /srv/backup/2024-11-04")
    p.add_argument("dir", type=Path, help="folder written by `backup`")


cli.EXTENSIONS.append(("backup", _add_backup_parser))
cli.EXTENSIONS.append(("restore", _add_restore_parser))


def _refused_for_postgres(args: argparse.Namespace) -> bool:
    """A PostgreSQL store is backed up by its own tools (README, "Mehrere Server"): say so."""
    if config.store_url() is None:
        return False
    print(t(f"backup.postgres_{args.command}", args.lang, store=config.store_label()),
          file=sys.stderr)
    return True


@cli.command("backup")
def cmd_backup(args: argparse.Namespace) -> int:
    if _refused_for_postgres(args):
        return cli.EXIT_USAGE
    try:
        manifest = backup(args.dir)
    except ValueError as error:
        print(error, file=sys.stderr)
        return cli.EXIT_USAGE
    print(t("backup.done", args.lang, dir=args.dir, loads=manifest["loads"],
            rows=manifest["report_rows"], sha256=manifest["sha256"][:12]))
    return cli.EXIT_OK


@cli.command("restore")
def cmd_restore(args: argparse.Namespace) -> int:
    if _refused_for_postgres(args):
        return cli.EXIT_USAGE
    try:
        outcome = restore(args.dir)
    except FileNotFoundError:
        print(t("backup.missing", args.lang, dir=args.dir), file=sys.stderr)
        return cli.EXIT_USAGE
    except BadBackup as error:
        print(t("backup.damaged", args.lang, detail=str(error)), file=sys.stderr)
        return cli.EXIT_REJECTED
    print(t("backup.restored", args.lang, dir=args.dir, db=config.db_path(),
            loads=outcome["restored"]["loads"], created_at=outcome["created_at"]))
    return cli.EXIT_OK
