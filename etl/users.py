"""``python -m etl user ...``: manage the accounts of the upload page (``reception.accounts``).

The password is asked for twice without echo; scripts may pass it in ``RECEPTION_PASSWORD``.
The accounts file is ``RECEPTION_ACCOUNTS`` (see ``reception.config``).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from etl import cli
from reception import accounts, config
from reception.i18n import t

REFUSED = "abgelehnt (unbekannter oder schon vorhandener Name, Passwort kürzer als 8 Zeichen, " \
          "die zwei Eingaben verschieden)"
HELP = {
    "user": cli.Help(
        "Konten der Upload-Seite verwalten (add, list, remove, passwd, set)",
        """
        $ python -m etl user add mueller --role officer --district 16051
        Passwort:
        Passwort wiederholen:
        Konto mueller (officer) angelegt in /home/etl/.config/aufnahme-monitor/accounts.json
        $ python -m etl user list
        name                     role     district failures
        mueller                  officer  16051    0
        """,
        {0: "erledigt", 1: REFUSED}, database=False),
    "add": cli.Help(
        "ein Konto anlegen; das Passwort wird ohne Echo erfragt (oder RECEPTION_PASSWORD)",
        """
        $ RECEPTION_PASSWORD=… python -m etl user add chef --role admin
        Konto chef (admin) angelegt in /home/etl/.config/aufnahme-monitor/accounts.json
        """,
        {0: "angelegt", 1: REFUSED}, database=False),
    "list": cli.Help(
        "die Konten auflisten (Name, Rolle, Kreis, Fehlversuche)",
        """
        $ python -m etl user list
        name                     role     district failures
        mueller                  officer  16051    0
        """,
        {0: "ausgegeben"}, database=False),
    "remove": cli.Help(
        "ein Konto löschen",
        """
        $ python -m etl user remove mueller
        Konto mueller entfernt
        """,
        {0: "gelöscht", 1: "unbekannter Name"}, database=False),
    "passwd": cli.Help(
        "ein neues Passwort setzen (hebt auch eine Sperre nach Fehlversuchen auf)",
        """
        $ python -m etl user passwd mueller
        Passwort:
        Passwort wiederholen:
        Passwort von mueller geändert; gesperrte Anmeldungen zurückgesetzt
        """,
        {0: "gesetzt", 1: REFUSED}, database=False),
    "set": cli.Help(
        "die E-Mail-Adresse eines Kontos setzen (Erinnerungen, Warnungen); leer: keine",
        """
        $ python -m etl user set mueller --email mueller@lra-gotha.example
        E-Mail-Adresse von mueller: mueller@lra-gotha.example
        """,
        {0: "gesetzt", 1: "unbekannter Name oder keine gültige Adresse"}, database=False),
}


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = cli.add_command(sub, name, HELP["user"])
    actions = p.add_subparsers(dest="user_command", required=True, metavar="AKTION")
    q = cli.add_command(actions, "add", HELP["add"])
    q.add_argument("name", metavar="NAME", help="Anmeldename oder E-Mail-Adresse (für SSO)")
    q.add_argument("--role", choices=accounts.ROLES, required=True,
                   help="officer lädt hoch und nimmt eigene Loads zurück; admin darf alles")
    q.add_argument("--district", default=None, metavar="AGS",
                   help="5-stelliger Kreisschlüssel, für den ein officer meldet")
    q.add_argument("--email", default=None, metavar="ADRESSE",
                   help="E-Mail-Adresse für Erinnerungen und Warnungen (etl remind)")
    cli.add_command(actions, "list", HELP["list"])
    q = cli.add_command(actions, "remove", HELP["remove"])
    q.add_argument("name", metavar="NAME")
    q = cli.add_command(actions, "passwd", HELP["passwd"])
    q.add_argument("name", metavar="NAME")
    q = cli.add_command(actions, "set", HELP["set"])
    q.add_argument("name", metavar="NAME")
    q.add_argument("--email", required=True, metavar="ADRESSE",
                   help="die neue Adresse; '' entfernt sie")


def read_password(lang: str) -> str | None:
    """From ``RECEPTION_PASSWORD`` if set, else asked twice without echo; None if they differ."""
    given = config.password()
    if given is not None:
        return given
    first = getpass.getpass(t("user.prompt", lang))
    second = getpass.getpass(t("user.prompt_again", lang))
    return first if first == second else None


@cli.command("user")
def cmd_user(args: argparse.Namespace) -> int:
    lang = args.lang
    try:
        if args.user_command == "list":
            return _list(lang)
        if args.user_command == "set":
            accounts.set_email(args.name, args.email.strip() or None)
            print(t("user.email_set", lang, name=args.name, email=args.email.strip() or "–"))
            return cli.EXIT_OK
        if args.user_command == "remove":
            accounts.remove_user(args.name)
            print(t("user.removed", lang, name=args.name))
            return cli.EXIT_OK
        password = read_password(lang)
        if password is None:
            print(t("user.mismatch", lang), file=sys.stderr)
            return cli.EXIT_REJECTED
        if args.user_command == "add":
            user = accounts.add_user(args.name, password, args.role, args.district,
                                     email=args.email)
            print(t("user.added", lang, name=user.name, role=user.role,
                    path=accounts.accounts_path()))
        else:
            accounts.set_password(args.name, password)
            print(t("user.password_set", lang, name=args.name))
        return cli.EXIT_OK
    except accounts.AccountError as error:
        print(t(f"user.error.{error.code}", lang, **error.params), file=sys.stderr)
        return cli.EXIT_REJECTED


def _list(lang: str) -> int:
    users = accounts.list_users()
    if not users:
        print(t("user.none", lang, path=accounts.accounts_path()))
        return cli.EXIT_OK
    print(f"{'name':<24} {'role':<8} {'district':<8} {'failures':<8} email")
    for user in users:
        print(f"{user['name']:<24} {user['role']:<8} {user['district'] or '-':<8} "
              f"{user['failures']:<8} {user.get('email') or '-'}")
    return cli.EXIT_OK


cli.EXTENSIONS.append(("user", add_parser))
