"""``python -m etl COMMAND``: a thin layer over ``reception``; exit codes as in CONTRACT.md.

Each command declares its help once (:class:`Help`: a summary, a worked example with its output,
its exit codes); ``--help`` prints them, the top-level help lists the commands and a few examples.
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
from reception.i18n import language_from_env, t
from reception.ingest import inbox
from reception.ingest.load import LoadResult, ingest_files, rollback
from reception.reference import districts
from reception.store import db, ledger

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}
# What exit 1 and 2 mean for every command that opens the database (besides its own reasons).
COMMON_EXITS = {1: "die Datenbank war zu lange durch einen anderen Schreiber gesperrt",
                2: "Aufruf falsch (unbekannte Option, fehlendes Argument)"}


@dataclass(frozen=True)
class Help:
    """A command's help: one line, a worked example (commands and output as in a terminal), and
    what its exit codes mean (:data:`COMMON_EXITS` are added unless ``database`` is False)."""

    summary: str
    example: str
    exits: dict[int, str]
    database: bool = True

    def epilog(self) -> str:
        example = textwrap.indent(textwrap.dedent(self.example).strip("\n"), "  ")
        meanings = {code: [text] for code, text in self.exits.items()}
        common = COMMON_EXITS if self.database else {2: COMMON_EXITS[2]}
        for code, text in common.items():
            meanings.setdefault(code, []).append(text)
        exits = "\n".join(f"  {code}  {'; '.join(texts)}" for code, texts in sorted(meanings.items()))
        return f"Beispiel:\n{example}\n\nExit-Status:\n{exits}"


def add_command(sub: argparse._SubParsersAction, name: str, info: Help,
                **kwargs: object) -> argparse.ArgumentParser:
    """The sub-parser of ``name`` with its summary, example and exit codes in ``--help``."""
    return sub.add_parser(name, help=info.summary, description=info.summary + ".",
                          epilog=info.epilog(), formatter_class=argparse.RawDescriptionHelpFormatter,
                          **kwargs)


def command(name: str) -> Callable:
    def register(function: Callable[[argparse.Namespace], int]) -> Callable:
        COMMANDS[name] = function
        return function
    return register


HELP = {
    "init": Help(
        "Schema anlegen oder migrieren, Kreisreferenz und Verteilschlüssel laden",
        """
        $ python -m etl init --demo
        Demodaten geladen: 257 Wochen, 9992 Zeilen (Load 1)
        Datenbank data/reception.duckdb bereit: 22 Kreise, Schema-Version 6
        $ python -m etl init --land 09 --demo      # Bayern aus der mitgelieferten Referenz
        $ python -m etl init --districts kreise_sachsen.csv --key schluessel_sachsen.csv
        """,
        {0: "bereit", 1: "Referenz- oder Schlüsseldatei abgelehnt oder Landesschlüssel unbekannt "
                         "(nichts geändert)"}),
    "ingest": Help(
        "Meldedateien (CSV, XLSX, XLS, ODS) prüfen und laden; jede ganz oder gar nicht",
        """
        $ python -m etl ingest meldung_kw45.csv kaputt.csv --user mueller
        meldung_kw45.csv: geladen als Load 2 (22 Zeilen, 22 Kreise, 1 Wochen, 0 Werte ersetzt)
        kaputt.csv: Zeile 3, Spalte Zugänge: "-4" ist negativ
        kaputt.csv: abgelehnt, nichts geladen (1 Fehler)
        $ echo $?
        1
        $ python -m etl ingest meldung_kw46.csv --confirm --user mueller
        meldung_kw46.csv: Zeile 2, Spalte Kapazität: 12500 weicht sprunghaft vom Wert der Woche …
        meldung_kw46.csv: geladen als Load 3 (…); Auffälligkeiten bestätigt von mueller
        """,
        {0: "alle geladen (oder schon früher geladen)", 1: "mindestens eine Datei abgelehnt "
         "(auch: Auffälligkeiten gegenüber früheren Meldungen ohne --confirm)",
         2: "eine Datei fehlt (dann wird keine geladen)"}),
    "weekly": Help(
        "alle Dateien im Posteingang (RECEPTION_INBOX) laden; geladene nach archive/, "
        "abgelehnte nach rejected/ mit NAME.errors.csv",
        """
        $ RECEPTION_INBOX=/srv/aufnahme/inbox python -m etl weekly
        meldung_kw45.csv: geladen als Load 3 (1 Zeilen, 1 Kreise, 1 Wochen, 0 Werte ersetzt)
        Lagebericht KW 45/2024 geschrieben: data/briefings/lagebericht_KW45_2024.pdf
        """,
        {0: "alle geladen oder Posteingang leer",
         1: "mindestens eine Datei abgelehnt (liegt mit NAME.errors.csv in rejected/)"}),
    "loads": Help(
        "das Ladeprotokoll: wer hat was wann woher geladen",
        """
        $ python -m etl loads --csv | cut -d, -f1,2,4-8
        load_id,file_name,source,loaded_by,loaded_at,rows,status
        1,demo,demo,demo,2026-12-01T07:16:30,9836,loaded
        2,meldung_kw45.csv,cli,mueller,2026-12-01T07:16:31,1,rolled_back
        $ python -m etl loads --json | jq '.[] | select(.status == "rejected") | .file_name'
        $ python -m etl loads          # als Tabelle: die Spalten der Sicht loads
        """,
        {0: "ausgegeben"}),
    "rollback": Help(
        "einen Load zurücknehmen; die Werte, die er ersetzt hat, gelten wieder",
        """
        $ python -m etl rollback 2
        Load 2 (meldung_kw45.csv) zurückgenommen; 0 frühere Werte gelten wieder
        """,
        {0: "zurückgenommen (oder war schon nicht mehr aktiv)", 1: "unbekannte Load-ID"}),
    "forecast": Help(
        "Zugänge (oder jede wöchentliche oder monatliche Zählreihe) prognostizieren, mit 80-Prozent-Band",
        """
        $ python -m etl forecast data/series/asylum_applicants_de_monthly_eurostat.csv --horizon 2
        series,date,forecast,lower,upper
        ,2019-05-01,13585.0,10999.1,17907.6
        ,2019-06-01,13585.0,10601.4,18428.0
        $ python -m etl forecast zugaenge.csv > prognose.csv   # Spalten series,date,value
        """,
        {0: "gerechnet", 1: "Datei fehlerhaft (Spalten, Datum, Zahl, weder wöchentlich noch monatlich)",
         2: "Datei fehlt oder --horizon nicht zwischen 1 und 104"}, database=False),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m etl", description="Aufnahme-Monitor: Meldungen laden und verwalten.",
        epilog=TOP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", choices=("de", "en"), help="Sprache der Meldungen (Vorgabe: "
                        "Deutsch; Englisch bei LANG=en*)")
    parser.add_argument("--log-json", metavar="FILE", help="je geladener Datei eine JSON-Zeile "
                        "(Name, SHA-256, Zeilen, Status, Dauer) und das Programmprotokoll an FILE "
                        "anhängen ('-': stderr); ohne: nur Meldungen für Menschen")
    sub = parser.add_subparsers(dest="command", required=True, metavar="BEFEHL")
    p = add_command(sub, "init", HELP["init"])
    p.add_argument("--demo", action="store_true", help="Demodaten ergänzen (Quelle 'demo')")
    p.add_argument("--districts", type=Path, metavar="FILE",
                   help="Kreisreferenz als CSV (Vorgabe: Thüringen)")
    p.add_argument("--key", type=Path, metavar="FILE",
                   help="Verteilschlüssel als CSV (Vorgabe: der des Landes, sonst "
                   "bevölkerungsproportional)")
    p.add_argument("--land", default=config.DEFAULT_LAND, metavar="CODE",
                   help="Land nach Schlüssel aus der mitgelieferten Referenz aller Kreise "
                   "(Vorgabe 16, Thüringen; z. B. 09 Bayern, 05 Nordrhein-Westfalen)")
    p = add_command(sub, "ingest", HELP["ingest"])
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="Meldedatei (CSV, XLSX, XLS, ODS)")
    p.add_argument("--user", default=None, metavar="NAME",
                   help="wer lädt (Vorgabe: der Anmeldename)")
    p.add_argument("--confirm", action="store_true",
                   help="Auffälligkeiten gegenüber früheren Meldungen (Sprung, Bilanz, Kopie der "
                   "Vorwoche, alte Woche) bestätigen und trotzdem laden; NAME wird als "
                   "Bestätigender vermerkt")
    add_command(sub, "weekly", HELP["weekly"])
    p = add_command(sub, "loads", HELP["loads"])
    machine = p.add_mutually_exclusive_group()
    machine.add_argument("--csv", action="store_const", const="csv", dest="format",
                         help="maschinenlesbar: CSV (UTF-8, Komma, ISO-Zeitpunkte), alle Spalten")
    machine.add_argument("--json", action="store_const", const="json", dest="format",
                         help="maschinenlesbar: eine JSON-Liste von Objekten, alle Spalten")
    p = add_command(sub, "rollback", HELP["rollback"])
    p.add_argument("load_id", type=int, metavar="LOAD_ID")
    p.add_argument("--user", default=None, metavar="NAME",
                   help="wer zurücknimmt (Vorgabe: der Anmeldename)")
    p = add_command(sub, "forecast", HELP["forecast"])
    p.add_argument("file", type=Path, metavar="FILE", help="CSV mit Spalten series,date,value "
                   "(series darf fehlen: eine Reihe)")
    p.add_argument("--horizon", type=int, default=8, metavar="H",
                   help="so viele Wochen oder Monate voraus (Vorgabe 8)")
    for name, extend in EXTENSIONS:
        extend(sub, name)
    return parser


TOP_EPILOG = """\
Beispiele:
  python -m etl init --demo
  python -m etl ingest meldung_kw45.csv --user mueller
  python -m etl weekly
  python -m etl loads --csv
  python -m etl rollback 7
  python -m etl forecast zugaenge.csv --horizon 8

python -m etl BEFEHL --help zeigt je Befehl ein Beispiel und die Exit-Status."""


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
