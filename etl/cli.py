"""``python -m etl COMMAND``: a thin layer over ``reception``; exit codes as in CONTRACT.md.

Each command declares its help once (:class:`Help`: a summary, a worked example with its output,
its exit codes; texts ``cli_help.*`` in German and English); ``--help`` prints them in the language
of ``--lang`` or ``LANG`` (:func:`help_language`), the top-level help lists the commands and a few
examples.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reception import config, fmt, notify
from reception.i18n import DEFAULT_LANGUAGE, language_from_env, t
from reception.ingest import inbox
from reception.ingest.load import LoadResult, ingest_files, rollback
from reception.reference import districts
from reception.store import db, ledger

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}
# What exit 1 and 2 mean for every command that opens the database (besides its own reasons).
COMMON_EXITS = {1: "common_exit_1", 2: "common_exit_2"}
# The language ``--help`` speaks, chosen before the arguments are parsed (:func:`help_language`).
_help_lang = DEFAULT_LANGUAGE


def h(key: str) -> str:
    """The help text ``cli_help.<key>`` in the language of the parser being built."""
    return t(f"cli_help.{key}", _help_lang)


@dataclass(frozen=True)
class Help:
    """A command's help, texts ``cli_help.<key>.*`` (German and English): ``summary``, a worked
    ``example`` (commands and output as in a terminal) and what its exit codes mean, ``exits``:
    code -> text key under ``cli_help`` (:data:`COMMON_EXITS` are added unless ``database`` is
    False)."""

    key: str
    exits: dict[int, str]
    database: bool = True

    def summary(self) -> str:
        return h(f"{self.key}.summary")

    def epilog(self) -> str:
        example = textwrap.indent(h(f"{self.key}.example").strip("\n"), "  ")
        meanings = {code: [h(key)] for code, key in self.exits.items()}
        common = COMMON_EXITS if self.database else {2: COMMON_EXITS[2]}
        for code, key in common.items():
            meanings.setdefault(code, []).append(h(key))
        exits = "\n".join(f"  {code}  {'; '.join(texts)}" for code, texts in sorted(meanings.items()))
        return f"{h('example_heading')}:\n{example}\n\n{h('exits_heading')}:\n{exits}"


def add_command(sub: argparse._SubParsersAction, name: str, info: Help,
                **kwargs: object) -> argparse.ArgumentParser:
    """The sub-parser of ``name`` with its summary, example and exit codes in ``--help``."""
    return sub.add_parser(name, help=info.summary(), description=info.summary() + ".",
                          epilog=info.epilog(), formatter_class=argparse.RawDescriptionHelpFormatter,
                          **kwargs)


def command(name: str) -> Callable:
    def register(function: Callable[[argparse.Namespace], int]) -> Callable:
        COMMANDS[name] = function
        return function
    return register


HELP = {
    "init": Help("init", {0: "init.exit_0", 1: "init.exit_1"}),
    "ingest": Help("ingest", {0: "ingest.exit_0", 1: "ingest.exit_1", 2: "ingest.exit_2"}),
    "weekly": Help("weekly", {0: "weekly.exit_0", 1: "weekly.exit_1"}),
    "loads": Help("loads", {0: "loads.exit_0"}),
    "rollback": Help("rollback", {0: "rollback.exit_0", 1: "rollback.exit_1"}),
    "forecast": Help("forecast", {0: "forecast.exit_0", 1: "forecast.exit_1", 2: "forecast.exit_2"},
                     database=False),
}


def build_parser(lang: str = DEFAULT_LANGUAGE) -> argparse.ArgumentParser:
    """The parser, its ``--help`` in ``lang``."""
    global _help_lang
    _help_lang = lang
    parser = argparse.ArgumentParser(
        prog="python -m etl", description=h("description"),
        epilog=h("top_epilog").strip("\n"), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", choices=("de", "en"), help=h("lang"))
    parser.add_argument("--log-json", metavar="FILE", help=h("log_json"))
    sub = parser.add_subparsers(dest="command", required=True, metavar=h("command"))
    p = add_command(sub, "init", HELP["init"])
    p.add_argument("--demo", action="store_true", help=h("init.demo"))
    p.add_argument("--districts", type=Path, metavar="FILE", help=h("init.districts"))
    p.add_argument("--key", type=Path, metavar="FILE", help=h("init.key"))
    p.add_argument("--land", default=config.DEFAULT_LAND, metavar="CODE", help=h("init.land"))
    p = add_command(sub, "ingest", HELP["ingest"])
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help=h("ingest.files"))
    p.add_argument("--user", default=None, metavar="NAME", help=h("ingest.user"))
    p.add_argument("--confirm", action="store_true", help=h("ingest.confirm"))
    add_command(sub, "weekly", HELP["weekly"])
    p = add_command(sub, "loads", HELP["loads"])
    machine = p.add_mutually_exclusive_group()
    machine.add_argument("--csv", action="store_const", const="csv", dest="format",
                         help=h("loads.csv"))
    machine.add_argument("--json", action="store_const", const="json", dest="format",
                         help=h("loads.json"))
    p = add_command(sub, "rollback", HELP["rollback"])
    p.add_argument("load_id", type=int, metavar="LOAD_ID")
    p.add_argument("--user", default=None, metavar="NAME", help=h("rollback.user"))
    p = add_command(sub, "forecast", HELP["forecast"])
    p.add_argument("file", type=Path, metavar="FILE", help=h("forecast.file"))
    p.add_argument("--horizon", type=int, default=8, metavar="H", help=h("forecast.horizon"))
    for name, extend in EXTENSIONS:
        extend(sub, name)
    return parser


def help_language(argv: list[str]) -> str:
    """The language of ``--help``: ``--lang`` if given before it, else as :func:`language_from_env`."""
    asked = None
    for index, word in enumerate(argv):
        if word == "--lang" and index + 1 < len(argv):
            asked = argv[index + 1]
        elif word.startswith("--lang="):
            asked = word.split("=", 1)[1]
    return language_from_env(asked)


# Further commands (backup, user, ...) register here: (name, function adding its sub-parser).
EXTENSIONS: list[tuple[str, Callable]] = []


CORE_COMMANDS = ("init", "ingest", "weekly", "loads", "rollback")


def main(argv: list[str] | None = None) -> int:
    if _command_word(sys.argv[1:] if argv is None else argv) not in CORE_COMMANDS:
        _load_extensions()  # only for their commands and the full help: importing costs time
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(help_language(words))
    args = parser.parse_args(argv)
    args.lang = language_from_env(args.lang)
    _configure_log(args.log_json)
    notify.install()  # alerts after every load (silent without a mail server)
    try:
        return COMMANDS[args.command](args)
    except db.StoreUnavailable as error:  # one sentence naming the store (and the file)
        print(error.sentence(args.lang), file=sys.stderr)
        return EXIT_REJECTED
    except db.DatabaseBusy as error:
        print(t("cli.busy", args.lang, detail=error.sentence(args.lang)), file=sys.stderr)
        return EXIT_REJECTED


def _configure_log(target: str | None) -> None:
    """People see only the project's messages on stdout and stderr: the JSON event lines, the
    log and library warnings (captured) go to ``--log-json FILE`` or nowhere."""
    import warnings

    logging.captureWarnings(True)
    warnings.simplefilter("default")
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_etl_log", False):
            root.removeHandler(handler)
    if target:
        handler: logging.Handler = (logging.StreamHandler(sys.stderr) if target == "-"
                                    else logging.FileHandler(target, encoding="utf-8"))
        handler.setFormatter(_JsonLines())
        root.setLevel(logging.INFO)
    else:
        handler = logging.NullHandler()  # and no "last resort" printing to stderr
    handler._etl_log = True  # type: ignore[attr-defined]
    root.addHandler(handler)


class _JsonLines(logging.Formatter):
    """Event lines as they are (already JSON); other records as a JSON line of their own."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == "reception.events":
            return record.getMessage()
        return json.dumps({"event": "log", "level": record.levelname, "logger": record.name,
                           "message": record.getMessage()}, ensure_ascii=False)


def _command_word(argv: list[str]) -> str | None:
    """The sub-command named in ``argv`` (after the global options), None if there is none."""
    words = iter(argv)
    for word in words:
        if word in ("--lang", "--log-json"):
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def _load_extensions() -> None:
    import importlib

    for module in ("etl.users", "etl.backup", "etl.opendata", "etl.remind", "etl.allocate"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise


def _default_user(user: str | None) -> str:
    import getpass

    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unbekannt"


@command("init")
def cmd_init(args: argparse.Namespace) -> int:
    try:  # read and checked before the database is touched; --districts FILE wins over --land;
        # without --key: the Land's own key, else one in proportion to population
        reference = (districts.read_reference(args.districts) if args.districts
                     else districts.land_reference(args.land))
        key_file = args.key or districts.key_path(reference.meta.get("land_code", ""))
        key = (districts.read_distribution_key(key_file) if key_file
               else districts.proportional_key(reference.table))
    except districts.UnknownLand as error:
        print(t("cli.unknown_land", args.lang, code=error.code, known=error.known), file=sys.stderr)
        return EXIT_REJECTED
    except districts.BadReference as error:
        print(t("cli.bad_reference", args.lang, detail=error.sentence(args.lang)), file=sys.stderr)
        return EXIT_REJECTED
    def attempt() -> tuple[int, dict | None]:
        with db.writer() as con:
            version = db.migrate(con)
            districts.install_reference(con, reference)
            districts.install_distribution_key(con, key)
            info = None
            if args.demo:
                from reception.ingest import demo

                info = demo.install_demo(con)
            ledger.set_deadline(con, config.settings().deadline)
            db.publish_snapshot(con)
        return version, info

    version, info = db.retried(attempt)
    if info is not None:  # said once the store has committed it
        print(t("cli.demo_done", args.lang, **info))
    print(t("cli.init_done", args.lang, db=config.store_label(), districts=len(reference.table),
            version=version))
    return EXIT_OK


WARNINGS_SHOWN = 20  # per file; a national file may carry a million over-capacity warnings


def report_result(result: LoadResult, lang: str) -> None:
    """Print one file's outcome: every listed error, the first warnings and how many there
    are, then a summary line. (The upload page and the inbox's reports list more of them.)"""
    inspection = result.inspection
    problems = inspection.problems if inspection else []
    for problem in [p for p in problems if p.severity == "error"]:
        print(f"{result.file_name}: {problem.render(lang)}", file=sys.stderr)
    report_findings(result, lang)
    shown = [p for p in problems if p.severity != "error"][:WARNINGS_SHOWN]
    for problem in shown:
        print(f"{result.file_name}: {problem.render(lang)}")
    total = inspection.validation.warning_count if inspection else 0
    if total > len(shown):
        print(t("cli.warnings", lang, file=result.file_name, count=fmt.number(total, lang=lang),
                shown=len(shown)))
    if result.status == "loaded":
        print(t("cli.loaded", lang, file=result.file_name, load_id=result.load_id,
                rows=fmt.number(result.rows, lang=lang), districts=result.districts,
                weeks=result.weeks, replaced=fmt.number(result.replaced, lang=lang))
              + (t("plausi.cli.confirmed", lang, user=result.confirmed_by)
                 if result.confirmed_by else ""))
    elif result.status == "duplicate":
        print(t("cli.already_loaded", lang, file=result.file_name, load_id=result.load_id,
                loaded_at=result.loaded_at))
    elif not result.needs_confirmation:
        errors = inspection.validation.error_count if inspection else 0
        print(t("cli.rejected", lang, file=result.file_name, errors=errors), file=sys.stderr)


def report_findings(result: LoadResult, lang: str) -> None:
    """The plausibility findings (on stderr where they kept the file out) and, for a file
    refused for them, how to confirm."""
    out = sys.stderr if result.needs_confirmation else sys.stdout
    for finding in list(result.findings)[:WARNINGS_SHOWN]:
        print(f"{result.file_name}: {finding.render(lang)}", file=out)
    if result.findings.count > WARNINGS_SHOWN:
        print(t("plausi.cli.more", lang, file=result.file_name,
                count=fmt.number(result.findings.count, lang=lang), shown=WARNINGS_SHOWN),
              file=out)
    confirm = result.confirmation_problem()
    if confirm is not None:
        print(f"{result.file_name}: {confirm.message(lang)}", file=sys.stderr)


@command("ingest")
def cmd_ingest(args: argparse.Namespace) -> int:
    missing = [f for f in args.files if not f.is_file()]
    for path in missing:
        print(t("cli.missing_file", args.lang, file=path), file=sys.stderr)
    if missing:
        return EXIT_USAGE
    user = _default_user(args.user)
    status = EXIT_OK
    for result in ingest_files(args.files, "cli", user,
                               confirmed_by=user if args.confirm else None):
        report_result(result, args.lang)
        if result.status == "rejected":
            status = EXIT_REJECTED
    return status


@command("weekly")
def cmd_weekly(args: argparse.Namespace) -> int:
    results = inbox.run_weekly(config.inbox_path(), user=_default_user(None), lang=args.lang)
    if not results:
        print(t("cli.inbox_empty", args.lang, inbox=config.inbox_path()))
    for result in results:
        report_result(result, args.lang)
    if any(r.status == "loaded" for r in results) and config.settings().briefing_after_weekly:
        _weekly_briefing(args.lang)
    return EXIT_REJECTED if any(r.status == "rejected" for r in results) else EXIT_OK


CONTRACT_LOAD_COLUMNS = ["load_id", "file_name", "sha256", "source", "loaded_by", "loaded_at",
                         "rows", "status", "rolled_back_at", "confirmed_by"]


def _weekly_briefing(lang: str) -> None:
    """After a batch that loaded something: the Lagebericht of the latest week into
    ``briefings/`` beside the database (``[briefing] after_weekly`` in settings.toml). Here, not
    in the inbox, which must not import the read path. A failure is reported and leaves the
    run's exit status to its loads."""
    from etl import opendata

    try:
        opendata.write_briefing(None, None, lang)
    except Exception as error:  # the loads are in; the briefing can be made again by hand
        print(t("cli.briefing_failed", lang, detail=f"{type(error).__name__}: {error}"),
              file=sys.stderr)


@command("loads")
def cmd_loads(args: argparse.Namespace) -> int:
    """The history: as a table, the columns of the contract view ``loads``; with ``--csv`` or
    ``--json`` every column of ``db.load_history`` (errors, warnings, districts, rollbacks)."""
    with db.main_reader() as con:  # a read: never the write lock
        history = db.load_history(con)
    if args.format:  # timestamps as ISO text to the second, missing ones empty / null
        for column in history.select_dtypes("datetime").columns:
            history[column] = history[column].dt.strftime("%Y-%m-%dT%H:%M:%S")
    if args.format == "csv":
        sys.stdout.write(history.to_csv(index=False))
        return EXIT_OK
    if args.format == "json":
        print(history.to_json(orient="records", force_ascii=False, indent=1) if len(history)
              else "[]")
        return EXIT_OK
    if history.empty:
        print("—")
        return EXIT_OK
    history = history[CONTRACT_LOAD_COLUMNS]
    for column in ("loaded_at", "rolled_back_at"):
        history[column] = history[column].dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
    print(history.to_string(index=False))
    return EXIT_OK


@command("rollback")
def cmd_rollback(args: argparse.Namespace) -> int:
    def attempt() -> dict:
        with db.writer() as con:
            outcome = rollback(con, args.load_id, _default_user(args.user))
            if outcome["status"] == "rolled_back":
                db.publish_snapshot(con)
        return outcome

    outcome = db.retried(attempt)
    if outcome["status"] == "unknown":
        print(t("cli.unknown_load", args.lang, load_id=args.load_id), file=sys.stderr)
        return EXIT_REJECTED
    if outcome["status"] == "not_active":
        print(t("cli.not_active", args.lang, load_id=args.load_id,
                status=outcome["previous_status"]))
        return EXIT_OK
    print(t("cli.rolled_back", args.lang, load_id=args.load_id, file=outcome["file"],
            restored=outcome["restored"]))
    return EXIT_OK


@command("forecast")
def cmd_forecast(args: argparse.Namespace) -> int:
    import pandas as pd

    from reception.read import forecast

    if not 1 <= args.horizon <= 104:
        print(t("forecast.bad_horizon", args.lang), file=sys.stderr)
        return EXIT_USAGE
    if not args.file.is_file():
        print(t("cli.missing_file", args.lang, file=args.file), file=sys.stderr)
        return EXIT_USAGE
    try:
        frame = pd.read_csv(args.file, sep=None, engine="python", dtype=str, encoding="utf-8-sig")
        result = forecast.forecast_series(forecast.read_series(frame), args.horizon)
    except forecast.SeriesError as error:
        print(f"{args.file}: {t(error.key, args.lang, **error.params)}", file=sys.stderr)
        return EXIT_REJECTED
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        print(t("forecast.unreadable", args.lang, file=args.file, detail=error), file=sys.stderr)
        return EXIT_REJECTED
    sys.stdout.write(result.to_csv(index=False, float_format="%.1f", lineterminator="\n"))
    return EXIT_OK
