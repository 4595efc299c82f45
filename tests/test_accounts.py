"""The account store (argon2id, roles, growing delay) and ``python -m etl user``."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest

from reception import accounts
from reception.accounts import AccountError, User

PASSWORD = "richtig-geheim-42"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "accounts.json"
    monkeypatch.setenv("RECEPTION_ACCOUNTS", str(path))
    return path


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_default_path_is_outside_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECEPTION_ACCOUNTS", raising=False)
    path = accounts.accounts_path()
    assert path.name == "accounts.json" and ".config" in path.parts
    assert Path(__file__).resolve().parent.parent not in path.parents


def test_password_is_stored_as_argon2id_hash_in_a_private_file(store: Path) -> None:
    accounts.add_user("mueller", PASSWORD, "officer", "16051")
    text = store.read_text()
    assert PASSWORD not in text
    entry = json.loads(text)["users"]["mueller"]
    assert entry["hash"].startswith("$argon2id$")
    assert entry["role"] == "officer" and entry["district"] == "16051"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert not list(store.parent.glob("*.tmp"))


def test_authenticate_right_password_returns_the_user(store: Path) -> None:
    accounts.add_user("mueller", PASSWORD, "officer", "16051")
    assert accounts.authenticate("mueller", PASSWORD) == User("mueller", "officer", "16051")


def test_wrong_password_and_unknown_name_look_the_same(store: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    accounts.add_user("mueller", PASSWORD, "officer")
    caplog.set_level(logging.DEBUG)
    assert accounts.authenticate("mueller", "falsch-falsch") is None
    assert accounts.authenticate("niemand", "falsch-falsch") is None
    assert accounts.authenticate("mueller", "") is None
    assert "falsch-falsch" not in caplog.text and PASSWORD not in caplog.text


def test_delay_grows_after_repeated_failures_and_is_capped(store: Path) -> None:
    accounts.add_user("mueller", PASSWORD, "officer")
    sleeps = Sleeps()
    for _ in range(10):
        assert accounts.authenticate("mueller", "falsch-falsch", sleep=sleeps) is None
    # three free attempts, then 1, 2, 4, 8, 16, 30, 30 seconds
    assert sleeps == [1, 2, 4, 8, 16, 30, 30]
    assert accounts.list_users()[0]["failures"] == 10


def test_success_after_failures_waits_once_then_resets(store: Path) -> None:
    accounts.add_user("mueller", PASSWORD, "officer")
    sleeps = Sleeps()
    for _ in range(4):
        accounts.authenticate("mueller", "falsch-falsch", sleep=sleeps)
    assert accounts.authenticate("mueller", PASSWORD, sleep=sleeps) is not None
    assert sleeps == [1, 2]
    assert accounts.list_users()[0]["failures"] == 0
    accounts.authenticate("mueller", "falsch-falsch", sleep=sleeps)
    assert sleeps == [1, 2]


def test_delay_is_per_account(store: Path) -> None:
    accounts.add_user("mueller", PASSWORD, "officer")
    accounts.add_user("schmidt", PASSWORD, "admin")
    sleeps = Sleeps()
    for _ in range(6):
        accounts.authenticate("mueller", "falsch-falsch", sleep=sleeps)
    sleeps.clear()
    assert accounts.authenticate("schmidt", PASSWORD, sleep=sleeps) is not None
    assert sleeps == []


def test_set_password_replaces_the_old_one_and_unlocks(store: Path) -> None:
    accounts.add_user("mueller", PASSWORD, "officer")
    for _ in range(5):
        accounts.authenticate("mueller", "falsch-falsch", sleep=lambda s: None)
    accounts.set_password("mueller", "ganz-neues-passwort")
    sleeps = Sleeps()
    assert accounts.authenticate("mueller", PASSWORD, sleep=sleeps) is None
    assert accounts.authenticate("mueller", "ganz-neues-passwort", sleep=sleeps) is not None
    assert sleeps == []


@pytest.mark.parametrize(("call", "code"), [
    (lambda: accounts.add_user("x y", PASSWORD, "officer"), "bad_name"),
    (lambda: accounts.add_user("mueller", PASSWORD, "chef"), "bad_role"),
    (lambda: accounts.add_user("mueller", "kurz", "officer"), "weak_password"),
    (lambda: accounts.add_user("mueller", PASSWORD, "officer", "Gotha"), "bad_district"),
    (lambda: accounts.remove_user("niemand"), "unknown"),
    (lambda: accounts.set_password("niemand", PASSWORD), "unknown"),
])
def test_store_refuses_bad_requests(store: Path, call, code: str) -> None:
    with pytest.raises(AccountError) as caught:
        call()
    assert caught.value.code == code


def test_add_existing_and_remove(store: Path) -> None:
    accounts.add_user("mueller", PASSWORD, "officer")
    with pytest.raises(AccountError, match="exists"):
        accounts.add_user("mueller", PASSWORD, "admin")
    accounts.remove_user("mueller")
    assert accounts.list_users() == []
    assert accounts.authenticate("mueller", PASSWORD) is None


def test_roles_officer_rolls_back_only_own_loads_admin_everything() -> None:
    officer, admin = User("mueller", "officer"), User("schmidt", "admin")
    assert accounts.can_upload(officer) and accounts.can_upload(admin)
    assert not accounts.can_upload(None)
    assert accounts.can_rollback(officer, {"loaded_by": "mueller"})
    assert not accounts.can_rollback(officer, {"loaded_by": "schmidt"})
    assert not accounts.can_rollback(officer, {"loaded_by": None})
    assert accounts.can_rollback(admin, {"loaded_by": "mueller"})
    assert not accounts.can_rollback(None, {"loaded_by": "mueller"})


def test_officer_bound_to_a_district_loads_only_that_district() -> None:
    bound = User("mueller", "officer", "16051")
    assert accounts.can_load_district(bound, "16051")
    assert not accounts.can_load_district(bound, "16052")
    assert accounts.can_load_district(User("frei", "officer"), "16052")
    assert accounts.can_load_district(User("chef", "admin", "16051"), "16052")


# ---------------------------------------------------------------- command line

def etl(args: list[str], monkeypatch: pytest.MonkeyPatch, password: str | None = PASSWORD) -> int:
    from etl.cli import main

    if password is None:
        monkeypatch.delenv("RECEPTION_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("RECEPTION_PASSWORD", password)
    return main(["--lang", "de", *args])


def test_cli_user_add_list_passwd_remove(store: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture) -> None:
    assert etl(["user", "add", "mueller", "--role", "officer", "--district", "16051"],
               monkeypatch) == 0
    assert etl(["user", "add", "schmidt", "--role", "admin"], monkeypatch) == 0
    assert etl(["user", "list"], monkeypatch) == 0
    out = capsys.readouterr().out
    assert "mueller" in out and "officer" in out and "16051" in out and "schmidt" in out
    assert PASSWORD not in out
    assert accounts.authenticate("mueller", PASSWORD) is not None
    assert etl(["user", "passwd", "mueller"], monkeypatch, "ein-anderes-passwort") == 0
    assert accounts.authenticate("mueller", "ein-anderes-passwort") is not None
    assert etl(["user", "remove", "mueller"], monkeypatch) == 0
    assert [u["name"] for u in accounts.list_users()] == ["schmidt"]


def test_cli_user_refusals_exit_1(store: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture) -> None:
    assert etl(["user", "remove", "niemand"], monkeypatch) == 1
    assert "Unbekanntes Konto niemand" in capsys.readouterr().err
    assert etl(["user", "passwd", "niemand"], monkeypatch) == 1
    assert etl(["user", "add", "mueller", "--role", "officer"], monkeypatch, "kurz") == 1
    assert "mindestens" in capsys.readouterr().err
    assert etl(["user", "add", "mueller", "--role", "officer"], monkeypatch) == 0
    assert etl(["user", "add", "mueller", "--role", "officer"], monkeypatch) == 1


def test_cli_password_asked_twice_without_echo(store: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture) -> None:
    answers = iter([PASSWORD, "etwas-anderes"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert etl(["user", "add", "mueller", "--role", "officer"], monkeypatch, None) == 1
    assert "stimmen nicht" in capsys.readouterr().err
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PASSWORD)
    assert etl(["user", "add", "mueller", "--role", "officer"], monkeypatch, None) == 0


def test_cli_user_as_a_process(store: Path) -> None:
    from tests.conftest import run_etl

    env = {"RECEPTION_ACCOUNTS": str(store), "RECEPTION_PASSWORD": PASSWORD}
    run_etl("user", "add", "mueller", "--role", "admin", env=env)
    listed = run_etl("user", "list", env=env)
    assert "mueller" in listed.stdout and "admin" in listed.stdout
    assert run_etl("user", "remove", "niemand", env=env, check=False).returncode == 1
    assert run_etl("user", "--help", env=env).stdout.count("passwd") >= 1
