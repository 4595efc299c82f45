"""The lasting sign-in's tokens, secret, nonces and revocation (reception.web.session), without a
browser (test_browser_signin.py walks it in Chromium)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from reception import accounts, config
from reception.web import session

PASSWORD = "richtig-geheim-42"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "conf" / "accounts.json"
    monkeypatch.setenv("RECEPTION_ACCOUNTS", str(path))
    accounts.add_user("mueller", PASSWORD, "officer")
    return path


def test_a_sign_in_lasts_8_hours_as_shipped() -> None:
    assert config._read_settings(config.DATA_DIR / "settings.toml").session_hours == 8


def test_the_secret_is_made_once_beside_the_accounts_with_mode_0600(store: Path) -> None:
    token = session.encode(session.Claims("mueller", "e", int(time.time()) + 60))
    key = store.with_name("session.key")
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert session.decode(token) is not None  # the same key signs and checks
    assert PASSWORD not in token and "argon2" not in token


def test_a_tampered_expired_or_foreign_token_is_refused(store: Path) -> None:
    later = int(time.time()) + 60
    token = session.encode(session.Claims("mueller", "e", later))
    body, signature = token.split(".")
    other = session.encode(session.Claims("chef", "e", later)).split(".")[0]
    assert session.decode(f"{other}.{signature}") is None
    assert session.decode(session.encode(session.Claims("mueller", "e", int(time.time()) - 1))) is None
    assert session.decode(token, now=later + 1) is None
    for garbage in ("", "x", "a.b.c", f"{body}.", "!!.??"):
        assert session.decode(garbage) is None


def test_sign_out_a_new_password_or_removal_ends_every_sign_in(store: Path) -> None:
    user = accounts.get_user("mueller")
    claims = session.claims_for(user)
    assert session.user_for(claims) == user
    session.end_everywhere("mueller")
    assert session.user_for(claims) is None
    claims = session.claims_for(user)
    accounts.set_password("mueller", "ein-anderes-passwort")
    assert session.user_for(claims) is None
    claims = session.claims_for(user)
    accounts.remove_user("mueller")
    accounts.add_user("mueller", PASSWORD, "admin")  # same name again: the old cookie stays void
    assert session.user_for(claims) is None


def test_a_role_change_shows_at_once(store: Path) -> None:
    claims = session.claims_for(accounts.get_user("mueller"))
    raw = store.read_text(encoding="utf-8").replace('"officer"', '"admin"')
    store.write_text(raw, encoding="utf-8")
    assert session.user_for(claims).role == "admin"


def test_the_route_trades_a_nonce_once_for_a_strict_httponly_cookie(store: Path) -> None:
    client = TestClient(Starlette(routes=session.routes()), base_url="http://testserver")
    issued = int(time.time())
    nonce = session.issue_nonce(session.claims_for(accounts.get_user("mueller")))
    answer = client.get(f"/auth/session?nonce={nonce}&next=hochladen&lang=en", follow_redirects=False)
    answered = int(time.time())
    assert answer.status_code == 303 and answer.headers["location"] == "../hochladen?lang=en"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    # the cookie ends with the claims: their lifetime less the seconds gone since they were issued
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))
    assert session.lifetime_seconds() - (answered - issued) <= max_age <= session.lifetime_seconds()
    again = client.get(f"/auth/session?nonce={nonce}", follow_redirects=False)
    assert "set-cookie" not in again.headers  # one time only
    outside = client.get("/auth/session?nonce=x&next=https://evil.example", follow_redirects=False)
    assert outside.headers["location"] == "../"  # never sends the browser elsewhere


def test_the_signout_route_ends_the_sign_in_on_the_server(store: Path) -> None:
    claims = session.claims_for(accounts.get_user("mueller"))
    client = TestClient(Starlette(routes=session.routes()), base_url="http://testserver")
    client.cookies.set(session.COOKIE, session.encode(claims))
    answer = client.get("/auth/signout?next=anmelden", follow_redirects=False)
    assert answer.status_code == 303 and 'am_session=""' in answer.headers["set-cookie"]
    assert session.user_for(claims) is None
