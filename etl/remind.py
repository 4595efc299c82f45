"""``python -m etl remind [--now T] [--dry-run]``: send the reminders, escalations and alerts
due at T (``reception.notify``). One line per message; exit 1 where the mail server could not be
reached or refused a message (what was not sent is not recorded as sent, and the next run sends
it)."""

from __future__ import annotations

import argparse
import sys

from etl import cli
from reception.i18n import t
from reception.notify import mail, outbox, remind
from reception.read import timeliness

HELP = cli.Help("remind", {0: "remind.exit_0", 1: "remind.exit_1"})


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = cli.add_command(sub, name, HELP)
    p.add_argument("--now", metavar="T", default=None, help=cli.h("remind.now"))
    p.add_argument("--dry-run", action="store_true", help=cli.h("remind.dry_run"))


@cli.command("remind")
def cmd_remind(args: argparse.Namespace) -> int:
    lang = args.lang
    now = None
    if args.now is not None:
        try:
            now = timeliness.parse_instant(args.now)
        except ValueError:
            print(t("remind.bad_now", lang, value=args.now[:60]), file=sys.stderr)
            return cli.EXIT_USAGE
    now = outbox.now_or(now)
    if not args.dry_run and not mail.configured():
        print(t("remind.not_configured", lang, detail=""), file=sys.stderr)
        return cli.EXIT_REJECTED
    try:
        outcome = outbox.deliver(remind.plan(now), dry_run=args.dry_run, lang=lang)
    except mail.NotConfigured as error:
        print(t("remind.not_configured", lang, detail=error.sentence(lang)), file=sys.stderr)
        return cli.EXIT_REJECTED
    for line in outcome.lines:
        print(line)
    if outcome.unreachable is not None:
        print(t("remind.unreachable", lang, detail=outcome.unreachable), file=sys.stderr)
        return cli.EXIT_REJECTED
    if not outcome.lines:
        print(t("remind.nothing", lang, now=f"{now:%Y-%m-%d %H:%M}"))
    return cli.EXIT_OK if outcome.ok else cli.EXIT_REJECTED


cli.EXTENSIONS.append(("remind", add_parser))
