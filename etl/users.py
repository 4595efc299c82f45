"""``python -m etl user ...``: manage the accounts of the upload page (``reception.accounts``).

Examples::

    python -m etl user add mueller --role officer --district 16051
    python -m etl user list
    python -m etl user passwd mueller
    python -m etl user remove mueller

The password is asked for twice without echo; scripts may pass it in ``RECEPTION_PASSWORD``.
The accounts file is ``RECEPTION_ACCOUNTS`` (default ``~/.config/aufnahme-monitor/accounts.json``).
Exit status: 0 done, 1 refused (unknown or existing name, weak password, passwords differ).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from etl import cli
from reception import accounts, config
from reception.i18n import t


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(name, help="manage upload accounts (add, list, remove, passwd)\n"
                       "  e.g. python -m etl user add mueller --role officer --district 16051",
                       description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    actions = p.add_subparsers(dest="user_command", required=True)
    q = actions.add_parser("add", help="add an account; the password is asked for without echo")
    q.add_argument("name")
    q.add_argument("--role", choices=accounts.ROLES, required=True)
    q.add_argument("--district", default=None, help="5-digit district key an officer reports for")
    actions.add_parser("list", help="list the accounts (name, role, district, failed sign-ins)")
    q = actions.add_parser("remove", help="remove an account")
    q.add_argument("name")
    q = actions.add_parser("passwd", help="set a new password (also clears failed sign-ins)")
    q.add_argument("name")


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
        if args.user_command == "remove":
            accounts.remove_user(args.name)
            print(t("user.removed", lang, name=args.name))
            return cli.EXIT_OK
        password = read_password(lang)
        if password is None:
            print(t("user.mismatch", lang), file=sys.stderr)
            return cli.EXIT_REJECTED
        if args.user_command == "add":
            user = accounts.add_user(args.name, password, args.role, args.district)
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
    print(f"{'name':<24} {'role':<8} {'district':<8} failures")
    for user in users:
        print(f"{user['name']:<24} {user['role']:<8} {user['district'] or '-':<8} {user['failures']}")
    return cli.EXIT_OK


cli.EXTENSIONS.append(("user", add_parser))
