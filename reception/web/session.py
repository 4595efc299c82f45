"""Sign-in that lasts: a signed session cookie, set and cleared by two server routes.

A Streamlit script cannot set a cookie (it talks to the browser over a websocket), so the
password check and the cookie happen in two steps:

1. ``pages/anmelden.py`` checks name and password (``reception.accounts.authenticate``, with its
   growing delay), then :func:`issue_nonce` keeps the sign-in under a random one-time nonce in
   this process's memory (60 seconds) and the page sends the browser to
   ``auth/session?nonce=...&next=anmelden``;
2. the route :func:`_session` redeems the nonce once, sets the cookie ``am_session`` (HttpOnly,
   SameSite=Strict, Secure behind HTTPS, Max-Age = ``[signin] session_hours`` of
   ``data/settings.toml``, default 8) and redirects back to the page.

The cookie holds the account name, the account's *session epoch* and the expiry, signed with
HMAC-SHA256 by a secret generated on first use and kept beside the accounts file
(``session.key``, mode 0600, never in the repository). No password or hash reaches the browser.
Every page run reads it (``st.context.cookies``) and checks signature, expiry and that the epoch
is still the account's (:func:`user_for`). Signing out (``auth/signout``, or
:func:`end_everywhere` from the page) gives the account a new epoch, so every cookie and every
open tab of that account is signed out at once; a new password does the same. The account is
re-read on every run, so a removed account or a changed role takes effect at once.

Several app instances behind one address need sticky sessions (Streamlit's websockets need them
anyway): the nonce lives in the memory of the instance that issued it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Route

from reception import accounts, config

COOKIE = "am_session"
NONCE_SECONDS = 60.0
_PAGE = re.compile(r"^[a-z]{1,30}$")  # where a route may send the browser back to: a page, nothing else
_nonces: dict[str, tuple[Claims, float]] = {}
_nonces_lock = threading.Lock()


@dataclass(frozen=True)
class Claims:
    """What the cookie says: who, under which session epoch, valid until when (Unix time)."""

    name: str
    epoch: str
    expires: int


# ---------------------------------------------------------------- the secret

def key_path() -> Path:
    return accounts.accounts_path().with_name("session.key")


def _secret() -> bytes:
    """The signing secret; created on first use (32 random bytes, mode 0600) beside the accounts."""
    path = key_path()
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        # O_EXCL: of two processes starting at once, one writes and both then read the same key
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(handle, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


# ---------------------------------------------------------------- tokens

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(body: str) -> str:
    return _b64(hmac.new(_secret(), body.encode("ascii"), hashlib.sha256).digest())


def encode(claims: Claims) -> str:
    body = _b64(json.dumps({"u": claims.name, "e": claims.epoch, "x": claims.expires},
                           separators=(",", ":")).encode())
    return f"{body}.{_signature(body)}"


def decode(token: str | None, now: float | None = None) -> Claims | None:
    """The claims of a well-signed, unexpired token; None for anything else (tampered, expired,
    garbage)."""
    if not token or token.count(".") != 1:
        return None
    body, signature = token.split(".")
    try:
        if not hmac.compare_digest(_signature(body), signature):
            return None
        raw = json.loads(_unb64(body))
        claims = Claims(str(raw["u"]), str(raw["e"]), int(raw["x"]))
    except (ValueError, KeyError, TypeError):
        return None
    return claims if claims.expires > (time.time() if now is None else now) else None


def lifetime_seconds() -> int:
    return int(config.settings().session_hours * 3600)


def claims_for(user: accounts.User) -> Claims:
    """New claims for a user who has just proved the password (an epoch is made if none yet)."""
    epoch = accounts.session_epoch(user.name) or accounts.renew_session_epoch(user.name) or ""
    return Claims(user.name, epoch, int(time.time()) + lifetime_seconds())


def user_for(claims: Claims | None, now: float | None = None) -> accounts.User | None:
    """The account, as the file has it now, if ``claims`` are still good: not expired and the
    account's epoch unchanged (no sign-out, no new password since)."""
    if claims is None or claims.expires <= (time.time() if now is None else now):
        return None
    current = accounts.session_epoch(claims.name)
    if not current or not hmac.compare_digest(current, claims.epoch):
        return None
    return accounts.get_user(claims.name)


def end_everywhere(name: str) -> None:
    """Sign ``name`` out on every device and tab (a new epoch voids every cookie)."""
    accounts.renew_session_epoch(name)


# ---------------------------------------------------------------- one-time nonces

def issue_nonce(claims: Claims) -> str:
    """A one-time nonce (valid ``NONCE_SECONDS``) the browser trades for the cookie."""
    nonce = secrets.token_urlsafe(32)
    now = time.monotonic()
    with _nonces_lock:
        for old in [key for key, (_, made) in _nonces.items() if now - made > NONCE_SECONDS]:
            del _nonces[old]
        _nonces[nonce] = (claims, now)
    return nonce


def redeem_nonce(nonce: str | None) -> Claims | None:
    with _nonces_lock:
        found = _nonces.pop(nonce or "", None)
    if found is None or time.monotonic() - found[1] > NONCE_SECONDS:
        return None
    return found[0]


# ---------------------------------------------------------------- routes

def _back(request: Request) -> str:
    """Relative address of the page to return to (``auth/x`` -> ``../page``): works under a
    ``server.baseUrlPath`` too. Only a page name is accepted, never an outside address."""
    page = request.query_params.get("next", "")
    lang = request.query_params.get("lang")
    return "../" + (page if _PAGE.match(page) else "") + (f"?lang={lang}" if lang in ("de", "en") else "")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


async def _session(request: Request) -> RedirectResponse:
    claims = redeem_nonce(request.query_params.get("nonce"))
    response = RedirectResponse(_back(request), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    if claims is not None and user_for(claims) is not None:
        response.set_cookie(COOKIE, encode(claims), max_age=max(0, claims.expires - int(time.time())),
                            path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response


async def _signout(request: Request) -> RedirectResponse:
    """Ends the sign-in of the cookie's account everywhere and removes the cookie. A GET, but no
    forgery risk: a request from another site carries no SameSite=Strict cookie."""
    claims = decode(request.cookies.get(COOKIE))
    if claims is not None and user_for(claims) is not None:
        end_everywhere(claims.name)
    response = RedirectResponse(_back(request), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response


def routes() -> list[BaseRoute]:
    return [Route("/auth/session", _session, methods=["GET"]),
            Route("/auth/signout", _signout, methods=["GET"])]
