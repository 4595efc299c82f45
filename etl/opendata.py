"""``python -m etl briefing [--week W] [--out FILE] [--as-of T]`` and ``python -m etl export DIR``.

Both read the published snapshot only (as the app does), so they run beside a load without
waiting for its lock. Exit status: briefing 0 written, 1 no data for the week (or not a week);
export 0 written, 1 no snapshot yet.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl import cli
from reception import config, fmt, isoweek
from reception.i18n import t
from reception.store import db

HELP = {
    "briefing": cli.Help("briefing", {0: "briefing.exit_0", 1: "briefing.exit_1", 2: "briefing.exit_2"},
                         database=False),
    "export": cli.Help("export", {0: "export.exit_0", 1: "export.exit_1"}, database=False),
}


def briefings_folder() -> Path:
    """``briefings/`` beside the database: where the weekly run files its Lagebericht."""
    return config.db_path().parent / "briefings"


def _add_briefing_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = cli.add_command(sub, name, HELP["briefing"])
    p.add_argument("--week", metavar="W", help=cli.h("briefing.week"))
    p.add_argument("--out", type=Path, metavar="FILE", help=cli.h("briefing.out"))
    p.add_argument("--as-of", dest="as_of", metavar="T", help=cli.h("briefing.as_of"))


def _add_export_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = cli.add_command(sub, name, HELP["export"])
    p.add_argument("folder", type=Path, metavar="DIR", help=cli.h("export.folder"))


def write_briefing(out: Path | None, week_text: str | None, lang: str) -> int:
    """Write one briefing and say where; the exit status of ``etl briefing``."""
    from reception.read import briefing

    if out is None:
        out = briefings_folder()
        out.mkdir(parents=True, exist_ok=True)
    try:
        week = isoweek.parse(week_text) if week_text else None
    except ValueError:  # not a week
        print(t("briefing.bad_week", lang, value=week_text), file=sys.stderr)
        return cli.EXIT_REJECTED
    try:
        target, monday = briefing.write(out, week)
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return cli.EXIT_REJECTED
    except briefing.NoData as error:
        print(error.message(lang), file=sys.stderr)
        return cli.EXIT_REJECTED
    except FileNotFoundError as error:  # no snapshot published yet
        print(t("cli.no_snapshot", lang, detail=str(error)), file=sys.stderr)
        return cli.EXIT_REJECTED
    print(t("briefing.written", lang, week=fmt.iso_week(monday, lang), file=target))
    return cli.EXIT_OK


@cli.command("briefing")
def cmd_briefing(args: argparse.Namespace) -> int:
    if args.as_of is None:
        return write_briefing(args.out, args.week, args.lang)
    from reception.store import asof

    try:
        moment = asof.parse(args.as_of)
    except asof.BadMoment as error:
        print(error.message(args.lang), file=sys.stderr)
        return cli.EXIT_USAGE
    if not config.snapshot_path().exists():
        print(t("cli.no_snapshot", args.lang, detail=str(config.snapshot_path())), file=sys.stderr)
        return cli.EXIT_REJECTED
    with asof.viewing(moment):
        return write_briefing(args.out, args.week, args.lang)


@cli.command("export")
def cmd_export(args: argparse.Namespace) -> int:
    from reception.read import opendata

    if not db.snapshot_ready():  # a new host builds its snapshot of a shared store first
        print(t("cli.no_snapshot", args.lang, detail=str(config.snapshot_path())), file=sys.stderr)
        return cli.EXIT_REJECTED
    rows = opendata.export(args.folder)
    print(t("cli.exported", args.lang, folder=args.folder,
            districts=fmt.number(rows["districts"], lang=args.lang),
            weekly=fmt.number(rows["weekly"], lang=args.lang)))
    return cli.EXIT_OK


cli.EXTENSIONS.append(("briefing", _add_briefing_parser))
cli.EXTENSIONS.append(("export", _add_export_parser))
