"""``python -m etl allocate --persons N [--week W] [--as-of T]``: the allocation proposal
(:mod:`reception.read.allocation`) as the contract's CSV on stdout.

Reads the published snapshot only, as the app does. Exit status: 0 printed; 1 no distribution
key in force in W (or no snapshot yet, or no reported week to take the default week from);
2 usage (N not a whole number from 0 to 1,000,000, W not a week, T not an ISO 8601 date-time).
``--as-of T``: the proposal from the figures as they stood at T (:func:`reception.store.asof.viewing`),
the default week then being the week after the latest week reported by T.
"""

from __future__ import annotations

import argparse
import sys

from etl import cli
from reception import config, fmt, isoweek
from reception.i18n import t
from reception.store import asof, db

HELP = cli.Help("allocate", {0: "allocate.exit_0", 1: "allocate.exit_1", 2: "allocate.exit_2"},
                database=False)


def _add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = cli.add_command(sub, name, HELP)
    p.add_argument("--persons", required=True, metavar="N", help=cli.h("allocate.persons"))
    p.add_argument("--week", metavar="W", help=cli.h("allocate.week"))
    p.add_argument("--as-of", dest="as_of", metavar="T", help=cli.h("allocate.as_of"))


@cli.command("allocate")
def cmd_allocate(args: argparse.Namespace) -> int:
    from reception.read import allocation

    if not args.persons.isdigit() or int(args.persons) > allocation.MAX_PERSONS:
        print(t("cli.allocate_bad_persons", args.lang, value=args.persons,
                maximum=fmt.number(allocation.MAX_PERSONS, lang=args.lang)), file=sys.stderr)
        return cli.EXIT_USAGE
    try:
        week = isoweek.parse(args.week) if args.week else None
    except ValueError:
        print(t("briefing.bad_week", args.lang, value=args.week), file=sys.stderr)
        return cli.EXIT_USAGE
    try:
        moment = asof.parse(args.as_of) if args.as_of else None
    except asof.BadMoment as error:
        print(error.message(args.lang), file=sys.stderr)
        return cli.EXIT_USAGE
    if not db.snapshot_ready():  # a new host builds its snapshot of a shared store first
        print(t("cli.no_snapshot", args.lang, detail=str(config.snapshot_path())), file=sys.stderr)
        return cli.EXIT_REJECTED
    try:
        with asof.viewing(moment):
            result = allocation.from_store(int(args.persons), week, lang=args.lang)
    except allocation.NoWeek:
        print(t("cli.allocate_no_week", args.lang), file=sys.stderr)
        return cli.EXIT_REJECTED
    except allocation.NoKey:
        print(t("cli.allocate_no_key", args.lang, week=isoweek.name(week)), file=sys.stderr)
        return cli.EXIT_REJECTED
    sys.stdout.write(allocation.to_csv(result))
    return cli.EXIT_OK


cli.EXTENSIONS.append(("allocate", _add_parser))
