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
from reception.store.backup import BadBackup, OwnFolder, backup, restore

HELP = {
    "backup": cli.Help("backup", {0: "backup.exit_0", 2: "backup.exit_2"}),
    "restore": cli.Help("restore", {0: "restore.exit_0", 1: "restore.exit_1", 2: "restore.exit_2"}),
}


def _add_backup_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = cli.add_command(sub, name, HELP["backup"])
    p.add_argument("dir", type=Path, metavar="DIR", help=cli.h("backup.dir"))


def _add_restore_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = cli.add_command(sub, name, HELP["restore"])
    p.add_argument("dir", type=Path, metavar="DIR", help=cli.h("restore.dir"))


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
    except OwnFolder as error:
        print(t("backup.own_folder", args.lang, dir=error.folder), file=sys.stderr)
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
        print(t("backup.damaged", args.lang, detail=error.sentence(args.lang)), file=sys.stderr)
        return cli.EXIT_REJECTED
    print(t("backup.restored", args.lang, dir=args.dir, db=config.db_path(),
            loads=outcome["restored"]["loads"], created_at=outcome["created_at"]))
    return cli.EXIT_OK
