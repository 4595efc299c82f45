"""``python -m etl briefing [--week W] [--out FILE]`` and ``python -m etl export DIR``.

Both read the published snapshot only (as the app does), so they run beside a load without
waiting for its lock. Exit status: briefing 0 written, 1 no data for the week (or not a week);
export 0 written, 1 no snapshot yet.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl import cli
from reception import config, fmt
from reception.i18n import t

EPILOG_BRIEFING = """Beispiel:
  python -m etl briefing                      # letzte gemeldete Woche -> briefings/lagebericht_KW47_2024.pdf
  python -m etl briefing --week 2024-W45 --out lage.pdf
Exit-Status: 0 geschrieben; 1 keine Meldungen für die Woche"""
EPILOG_EXPORT = """Beispiel:
  python -m etl export /srv/opendata/aufnahme   # districts.csv, weekly.csv, datapackage.json
  frictionless validate /srv/opendata/aufnahme/datapackage.json
Exit-Status: 0 geschrieben; 1 noch keine Daten veröffentlicht"""


def briefings_folder() -> Path:
    """``briefings/`` beside the database: where the weekly run files its Lagebericht."""
    return config.db_path().parent / "briefings"


def _add_briefing_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(name, help="write the weekly briefing (Lagebericht, PDF, German)\n"
                       "  e.g. python -m etl briefing --week 2024-W47",
                       epilog=EPILOG_BRIEFING, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--week", help="ISO week, e.g. 2024-W47 or 'KW 47/2024' (default: the latest "
                   "reported week)")
    p.add_argument("--out", type=Path, help="the PDF file or a folder (default: briefings/ beside "
                   "the database, named lagebericht_KW47_2024.pdf)")


def _add_export_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(name, help="write the open data package (districts.csv, weekly.csv, "
                       "datapackage.json) to DIR\n  e.g. python -m etl export opendata/",
                       epilog=EPILOG_EXPORT, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", type=Path)


def write_briefing(out: Path | None, week_text: str | None, lang: str) -> int:
    """Write one briefing and say where; the exit status of ``etl briefing``."""
    from reception.read import briefing

    if out is None:
        out = briefings_folder()
        out.mkdir(parents=True, exist_ok=True)
    try:
        week = briefing.parse_week(week_text) if week_text else None
        target, monday = briefing.write(out, week)
    except ValueError as error:  # not a week
        print(str(error), file=sys.stderr)
        return cli.EXIT_REJECTED
    except briefing.NoData as error:
        print(str(error), file=sys.stderr)
        return cli.EXIT_REJECTED
    except FileNotFoundError as error:  # no snapshot published yet
        print(t("cli.no_snapshot", lang, detail=str(error)), file=sys.stderr)
        return cli.EXIT_REJECTED
    print(t("briefing.written", lang, week=fmt.iso_week(monday, lang), file=target))
    return cli.EXIT_OK


@cli.command("briefing")
def cmd_briefing(args: argparse.Namespace) -> int:
    return write_briefing(args.out, args.week, args.lang)


@cli.command("export")
def cmd_export(args: argparse.Namespace) -> int:
    from reception.read import opendata, queries

    if not queries.snapshot_exists():
        print(t("cli.no_snapshot", args.lang, detail=str(config.snapshot_path())), file=sys.stderr)
        return cli.EXIT_REJECTED
    rows = opendata.export(args.folder)
    print(t("cli.exported", args.lang, folder=args.folder,
            districts=fmt.number(rows["districts"], lang=args.lang),
            weekly=fmt.number(rows["weekly"], lang=args.lang)))
    return cli.EXIT_OK


cli.EXTENSIONS.append(("briefing", _add_briefing_parser))
cli.EXTENSIONS.append(("export", _add_export_parser))
