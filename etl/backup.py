"""``python -m etl backup DIR`` and ``python -m etl restore DIR``: argument parsing and printing
over :mod:`reception.store.backup` (which explains how a backup stays consistent while the app
runs). Exit status: 0 done; 1 backup damaged or database busy; 2 usage (no backup in DIR, or DIR
is the database's own folder).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl import cli
from reception import config
from reception.i18n import t
from reception.store.backup import BadBackup, backup, restore


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


@cli.command("backup")
def cmd_backup(args: argparse.Namespace) -> int:
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
