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

REFUSED = "user.refused"
HELP = {
    "user": cli.Help("user", {0: "user.exit_0", 1: REFUSED}, database=False),
    "add": cli.Help("user.add", {0: "user.add.exit_0", 1: REFUSED}, database=False),
    "list": cli.Help("user.list", {0: "user.list.exit_0"}, database=False),
    "remove": cli.Help("user.remove", {0: "user.remove.exit_0", 1: "user.remove.exit_1"},
                       database=False),
    "passwd": cli.Help("user.passwd", {0: "user.passwd.exit_0", 1: REFUSED}, database=False),
    "set": cli.Help("user.set", {0: "user.set.exit_0", 1: "user.set.exit_1"}, database=False),
}


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = cli.add_command(sub, name, HELP["user"])
    actions = p.add_subparsers(dest="user_command", required=True, metavar=cli.h("action"))
    q = cli.add_command(actions, "add", HELP["add"])
    q.add_argument("name", metavar="NAME", help=cli.h("user.add.name"))
    q.add_argument("--role", choices=accounts.ROLES, required=True, help=cli.h("user.add.role"))
    q.add_argument("--district", default=None, metavar="AGS", help=cli.h("user.add.district"))
    q.add_argument("--email", default=None, metavar=cli.h("address"), help=cli.h("user.add.email"))
    cli.add_command(actions, "list", HELP["list"])
    q = cli.add_command(actions, "remove", HELP["remove"])
    q.add_argument("name", metavar="NAME")
    q = cli.add_command(actions, "passwd", HELP["passwd"])
    q.add_argument("name", metavar="NAME")
    q = cli.add_command(actions, "set", HELP["set"])
    q.add_argument("name", metavar="NAME")
    q.add_argument("--email", required=True, metavar=cli.h("address"), help=cli.h("user.set.email"))


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
