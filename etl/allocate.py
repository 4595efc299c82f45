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

HELP = cli.Help(
    "Verteilungsvorschlag: N Personen einer Woche nach Verteilschlüssel, Rückstand und freien "
    "belegbaren Plätzen (CSV)",
    """
    $ python -m etl allocate --persons 120 --week 2026-W50 | head -3     # Demodaten
    ags,name,share_percent,soll,ist,deficit,free_usable,cap,proposed
    16051,Erfurt,9.5,978.69,1055,-76.31,15,15,0
    16052,Gera,4.4,453.29,508,-54.71,-67,0,0
    $ python -m etl allocate --persons 5000 | tail -1    # wer nirgends Platz findet
    ,nicht unterzubringen,,,,,,,2960
    """,
    {0: "ausgegeben", 1: "kein Verteilschlüssel für die Woche, noch keine Daten veröffentlicht "
     "oder noch keine Meldung (ohne --week)",
     2: "N keine ganze Zahl von 0 bis 1.000.000, W keine Kalenderwoche, T kein Zeitpunkt"},
    database=False)


def _add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = cli.add_command(sub, name, HELP)
    p.add_argument("--persons", required=True, metavar="N", help="zu verteilende Personen")
    p.add_argument("--week", metavar="W", help="ISO-Woche, z. B. 2024-W48 oder 'KW 48/2024' "
                   "(Vorgabe: die Woche nach der letzten gemeldeten)")
    p.add_argument("--as-of", dest="as_of", metavar="T", help="mit den Zahlen, wie sie zum "
                   "Zeitpunkt T standen (ISO 8601, z. B. 2024-11-26T10:00; ohne Offset Ortszeit)")


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
