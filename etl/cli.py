"""``python -m etl COMMAND``: a thin layer over ``reception``; exit codes as in CONTRACT.md.

Examples::

    python -m etl init --demo
    python -m etl ingest meldung_kw45.csv --user mueller
    python -m etl weekly
    python -m etl loads
    python -m etl rollback 7
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from reception import config, fmt
from reception.i18n import language_from_env, t
from reception.ingest import inbox
from reception.ingest.load import LoadResult, ingest_files, load_history, rollback
from reception.reference import districts
from reception.store import db

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str) -> Callable:
    def register(function: Callable[[argparse.Namespace], int]) -> Callable:
        COMMANDS[name] = function
        return function
    return register


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m etl", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--lang", choices=("de", "en"), help="language of messages (default: "
                        "German; English where LANG=en*)")
    parser.add_argument("--log-json", metavar="FILE", help="append one JSON line per ingested "
                        "file (name, sha256, rows, status, duration_ms) and the program's log "
                        "to FILE ('-': stderr); without it only messages for people are printed")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="create or migrate the schema, load the district reference\n"
                       "  e.g. python -m etl init --demo")
    p.add_argument("--demo", action="store_true", help="add the demo figures (source 'demo')")
    p.add_argument("--districts", type=Path, help="district reference CSV (default: Thuringia)")
    p.add_argument("--key", type=Path, help="distribution key CSV (default: Thuringia)")
    p = sub.add_parser("ingest", help="validate and load report files (CSV, XLSX)\n"
                       "  e.g. python -m etl ingest meldung_kw45.csv --user mueller\n"
                       "  exit 0 all loaded, 1 one or more rejected, 2 usage")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--user", default=None, help="who loads (default: the login name)")
    sub.add_parser("weekly", help="ingest every file in the inbox (RECEPTION_INBOX); loaded files "
                   "move to archive/, rejected ones to rejected/ with NAME.errors.csv")
    sub.add_parser("loads", help="list the load history")
    p = sub.add_parser("rollback", help="undo one load; the figures it replaced come back\n"
                       "  e.g. python -m etl rollback 7")
    p.add_argument("load_id", type=int)
    p.add_argument("--user", default=None)
    for name, extend in EXTENSIONS:
        extend(sub, name)
    return parser


# Further commands (backup, user, ...) register here: (name, function adding its sub-parser).
EXTENSIONS: list[tuple[str, Callable]] = []


CORE_COMMANDS = ("init", "ingest", "weekly", "loads", "rollback")


def main(argv: list[str] | None = None) -> int:
    if _command_word(sys.argv[1:] if argv is None else argv) not in CORE_COMMANDS:
        _load_extensions()  # only for their commands and the full help: importing costs time
    parser = build_parser()
    args = parser.parse_args(argv)
    args.lang = language_from_env(args.lang)
    _configure_log(args.log_json)
    try:
        return COMMANDS[args.command](args)
    except db.DatabaseBusy as error:
        print(t("cli.busy", args.lang, detail=str(error)), file=sys.stderr)
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

    for module in ("etl.users", "etl.backup"):
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
    reference = districts.read_reference(args.districts)
    with db.writer() as con:
        version = db.migrate(con)
        districts.install_reference(con, reference)
        districts.install_distribution_key(con, args.key)
        if args.demo:
            from reception.ingest import demo

            info = demo.install_demo(con)
            print(t("cli.demo_done", args.lang, **info))
        db.publish_snapshot(con)
    print(t("cli.init_done", args.lang, db=config.db_path(), districts=len(reference.table),
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
                weeks=result.weeks, replaced=fmt.number(result.replaced, lang=lang)))
    elif result.status == "duplicate":
        print(t("cli.already_loaded", lang, file=result.file_name, load_id=result.load_id,
                loaded_at=result.loaded_at))
    else:
        errors = inspection.validation.error_count if inspection else 0
        print(t("cli.rejected", lang, file=result.file_name, errors=errors), file=sys.stderr)


@command("ingest")
def cmd_ingest(args: argparse.Namespace) -> int:
    missing = [f for f in args.files if not f.is_file()]
    for path in missing:
        print(t("cli.missing_file", args.lang, file=path), file=sys.stderr)
    if missing:
        return EXIT_USAGE
    user = _default_user(args.user)
    status = EXIT_OK
    for result in ingest_files(args.files, "cli", user):
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
    return EXIT_REJECTED if any(r.status == "rejected" for r in results) else EXIT_OK


@command("loads")
def cmd_loads(args: argparse.Namespace) -> int:
    with db.writer() as con:
        history = load_history(con)
    if history.empty:
        print("—")
        return EXIT_OK
    history["loaded_at"] = history.loaded_at.dt.strftime("%Y-%m-%d %H:%M:%S")
    print(history.to_string(index=False))
    return EXIT_OK


@command("rollback")
def cmd_rollback(args: argparse.Namespace) -> int:
    with db.writer() as con:
        outcome = rollback(con, args.load_id, _default_user(args.user))
        if outcome["status"] == "rolled_back":
            db.publish_snapshot(con)
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
