"""Backup and restore of the main database (the logic; ``python -m etl backup|restore`` prints).

Backup takes the writer lock (:func:`reception.store.db.writer`), so no load is half-written in the
copy, checkpoints the database (the write-ahead log is folded into the file) and copies the file
to ``DIR/reception.duckdb`` (through a temporary name and ``os.replace``), then writes
``DIR/manifest.json`` with the file's SHA-256, size, schema version, number of loads and the time.
The app is not disturbed: it only reads the published snapshot, never the main file.

Restore checks the manifest and the hash, copies the backup to a temporary file beside
``RECEPTION_DB``, migrates it to the current schema, moves it over ``RECEPTION_DB`` with
``os.replace`` while holding the writer lock, and republishes the snapshot, so the app shows the
restored figures at its next interaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from reception import config
from reception.i18n import t
from reception.store import db

BACKUP_FILE = "reception.duckdb"
MANIFEST = "manifest.json"
FORMAT = 1


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks of 1 MiB."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _facts(con: duckdb.DuckDBPyConnection) -> dict:
    """What the manifest records about a database (also used to verify a copy)."""
    loads, active, last = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE status = 'loaded'), max(load_id) FROM load_log"
    ).fetchall()[0]
    rows = con.execute("SELECT count(*) FROM report_row").fetchall()[0][0]
    applied = db.applied_migrations(con)
    # ``schema_migrations``: the schema is the set (numbers land out of order); the highest
    # number stays as ``schema_version`` for readers of older manifests
    return {"loads": loads, "active_loads": active, "last_load_id": last, "report_rows": rows,
            "schema_version": max(applied, default=0), "schema_migrations": applied}


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


class OwnFolder(ValueError):
    """A backup asked into the database's own folder (it would overwrite the database)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        super().__init__(t("backup.own_folder", "de", dir=folder))


def backup(target_dir: Path, db_path: Path | None = None) -> dict:
    """Write a consistent copy of the database and its manifest into ``target_dir``."""
    db_path = Path(db_path or config.db_path())
    target = target_dir / BACKUP_FILE
    if target.resolve() == db_path.resolve():
        raise OwnFolder(target_dir)
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
    """The backup folder has no usable backup (missing, damaged or not matching its manifest).
    ``key`` and ``params`` name the sentence saying why (``backup.bad_*``); ``str()`` is German."""

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(self.sentence("de"))

    def sentence(self, lang: str = "de") -> str:
        return t(self.key, lang, **self.params)


def read_manifest(source_dir: Path) -> dict:
    """The manifest of a backup folder; FileNotFoundError when there is no backup, BadBackup
    when it cannot be read or is of an unknown format."""
    manifest_path = source_dir / MANIFEST
    if not manifest_path.is_file() or not (source_dir / BACKUP_FILE).is_file():
        raise FileNotFoundError(source_dir)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BadBackup("backup.bad_manifest", path=manifest_path, detail=error) from error
    if manifest.get("format") != FORMAT or manifest.get("file") != BACKUP_FILE:
        raise BadBackup("backup.bad_format", path=manifest_path)
    return manifest


def restore(source_dir: Path, db_path: Path | None = None) -> dict:
    """Replace the database with the backup in ``source_dir`` and republish the snapshot."""
    db_path = Path(db_path or config.db_path())
    manifest = read_manifest(source_dir)
    if (source_dir / BACKUP_FILE).resolve() == db_path.resolve():
        raise BadBackup("backup.bad_own_folder", path=source_dir)
    source = source_dir / BACKUP_FILE
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.restore-{os.getpid()}.tmp")
    tmp_wal = tmp.with_name(tmp.name + ".wal")
    tmp.unlink(missing_ok=True)
    tmp_wal.unlink(missing_ok=True)
    try:
        shutil.copyfile(source, tmp)
        if file_sha256(tmp) != manifest["sha256"]:
            raise BadBackup("backup.bad_sha256", path=source, manifest=MANIFEST)
        with db.writer(tmp) as con:  # opens, migrates to the current schema, verifies
            facts = _facts(con)
            con.execute("CHECKPOINT")
        if facts["loads"] != manifest["loads"] or facts["report_rows"] != manifest["report_rows"]:
            raise BadBackup("backup.bad_contents", path=source, manifest=MANIFEST)
        if tmp_wal.exists():
            raise BadBackup("backup.bad_wal", path=tmp)
        _fsync(tmp)
        with db.writer(db_path) as con:
            # Fold the old file's log in first, so that no stale .wal is replayed onto the
            # restored file; then swap the file while no other writer can have it open.
            con.execute("CHECKPOINT")
            os.replace(tmp, db_path)
        # A fresh connection (the old one saw the replaced inode) publishes the restored state.
        with db.writer(db_path) as con:
            restored = _facts(con)
            db.publish_snapshot(con, config.snapshot_path(db_path))
    finally:
        tmp.unlink(missing_ok=True)
        tmp_wal.unlink(missing_ok=True)
    return {**manifest, "restored": restored}
