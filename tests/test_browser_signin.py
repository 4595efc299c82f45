"""A sign-in that lasts, in headless Chromium: reload and a new tab keep it, signing out in one tab
ends it in the other and for the old cookie, a tampered or expired cookie is refused."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from reception import accounts
from reception.web import session
from tests.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

PASSWORD = "richtig-geheim-42"
NEED_SIGNIN = "nur nach Anmeldung"


def sign_in(tab, url: str) -> None:
    tab.goto(f"{url}/anmelden")
    wait_for_app(tab)
    tab.get_by_label("Name").fill("mueller")
    tab.get_by_label("Passwort").fill(PASSWORD)
    tab.get_by_label("Passwort").press("Enter")
    # the page sends the browser to auth/session, which sets the cookie and comes back
    tab.wait_for_url(re.compile(r"/anmelden\?lang=de$"))
    tab.get_by_text("Sie bleiben angemeldet").wait_for()
    wait_for_app(tab)


def signed_in_on_upload(tab, url: str) -> bool:
    tab.goto(f"{url}/hochladen")
    wait_for_app(tab)
    tab.locator("h1").first.wait_for()
    return tab.get_by_text(NEED_SIGNIN).count() == 0


def cookie_of(context) -> dict:
    return next(c for c in context.cookies() if c["name"] == session.COOKIE)


def test_sign_in_lasts_until_sign_out_everywhere(demo_db: Path, tmp_path: Path, serve_app, browser,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "secrets" / "accounts.json"
    monkeypatch.setenv("RECEPTION_ACCOUNTS", str(store))
    accounts.add_user("mueller", PASSWORD, "officer")
    app = serve_app(demo_db, {"RECEPTION_ACCOUNTS": str(store)})
    context = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="de-DE")
    context.set_default_timeout(30000)
    tab = context.new_page()
    try:
        sign_in(tab, app.url)
        cookie = cookie_of(context)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert abs(cookie["expires"] - (time.time() + 8 * 3600)) < 120  # data/settings.toml: 8 hours
        assert PASSWORD not in cookie["value"] and "argon2" not in cookie["value"]
        assert oct(session.key_path().stat().st_mode & 0o777) == "0o600"

        tab.reload()
        wait_for_app(tab)
        tab.get_by_text("Angemeldet als mueller").wait_for()
        assert signed_in_on_upload(tab, app.url)
        other = context.new_page()
        assert signed_in_on_upload(other, app.url)
        screenshot(other, "signin_new_tab")
        stolen = cookie["value"]

        tab.goto(f"{app.url}/anmelden")
        wait_for_app(tab)
        tab.get_by_role("button", name="Abmelden").click()
        tab.get_by_text("Anmelden", exact=True).first.wait_for()
        tab.get_by_label("Passwort").wait_for()
        assert not [c for c in context.cookies() if c["name"] == session.COOKIE]

        # the other tab, still connected, is signed out at its next step (no reload)
        other.locator('[data-testid="stSidebar"] a[href$="hochladen"]').click()
        other.get_by_text(NEED_SIGNIN).wait_for()

        # the old cookie, replayed, is refused: the sign-out was on the server
        context.add_cookies([{**cookie, "value": stolen}])
        assert not signed_in_on_upload(tab, app.url)
    finally:
        context.close()


def test_a_tampered_expired_or_garbage_cookie_is_refused(demo_db: Path, tmp_path: Path, serve_app,
                                                         browser, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "secrets" / "accounts.json"
    monkeypatch.setenv("RECEPTION_ACCOUNTS", str(store))
    accounts.add_user("mueller", PASSWORD, "officer")
    accounts.add_user("chef", PASSWORD, "admin")
    epoch = accounts.renew_session_epoch("mueller")
    later = int(time.time()) + 3600
    good = session.encode(session.Claims("mueller", epoch, later))
    signature = good.split(".")[1]
    bad = {
        # another account's name under mueller's signature
        "tampered": session.encode(session.Claims("chef", epoch, later)).split(".")[0] + "." + signature,
        "expired": session.encode(session.Claims("mueller", epoch, int(time.time()) - 60)),
        "garbage": "not-a-token",
    }
    app = serve_app(demo_db, {"RECEPTION_ACCOUNTS": str(store)})
    for kind, value in [*bad.items(), ("good", good)]:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
        context.set_default_timeout(30000)
        try:
            context.add_cookies([{"name": session.COOKIE, "value": value, "url": app.url}])
            # the good cookie signs in: the refusals were the cookies' own
            assert signed_in_on_upload(context.new_page(), app.url) == (kind == "good"), kind
        finally:
            context.close()
