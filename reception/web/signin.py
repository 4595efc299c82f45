"""Who is signed in, for the pages that write (Anmelden, Hochladen). Streamlit-side helpers.

Two ways in:

* embedded accounts (default): ``pages/anmelden.py`` checks name and password against
  ``reception.accounts``; the sign-in lasts beyond the browser tab through a signed cookie
  (:mod:`reception.web.session`: reload, new tab, back after lunch, until sign-out or
  ``[signin] session_hours``). The session keeps the cookie's claims under ``"_session"`` and
  the :class:`~reception.accounts.User` under ``"user"``;
* Streamlit's own OIDC sign-in, when ``.streamlit/secrets.toml`` has an ``[auth]`` section:
  ``st.login()`` / ``st.user``. The role then comes from the accounts file, looked up by the
  e-mail address (``python -m etl user add anna@example.org --role officer``); a person signed
  in by OIDC without such an account may view but not upload.

:func:`current_user` re-reads the accounts file on every run, so a removed account or a changed
role takes effect at once, whatever the session still holds.
"""

from __future__ import annotations

import json
import re

import streamlit as st

from reception import accounts
from reception.web import session

SESSION_KEY = "user"
CLAIMS_KEY = "_session"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def oidc_enabled() -> bool:
    """True when ``.streamlit/secrets.toml`` configures ``[auth]`` for ``st.login``."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file, or an unreadable one: embedded accounts
        return False


def oidc_signed_in() -> bool:
    try:
        return bool(st.user.get("is_logged_in", False))
    except Exception:
        return False


def oidc_email() -> str:
    try:
        return str(st.user.get("email") or st.user.get("name") or "")
    except Exception:
        return ""


def current_user() -> accounts.User | None:
    """The signed-in user as the accounts file has it now (None: viewer only)."""
    if oidc_enabled():
        email = oidc_email() if oidc_signed_in() else ""
        return accounts.get_user(email) if email else None
    claims = st.session_state.get(CLAIMS_KEY)
    if not isinstance(claims, session.Claims):
        claims = session.decode(_cookie())
    fresh = session.user_for(claims)
    if fresh is None:
        st.session_state.pop(SESSION_KEY, None)
        st.session_state.pop(CLAIMS_KEY, None)
        return None
    st.session_state[CLAIMS_KEY] = claims
    st.session_state[SESSION_KEY] = fresh
    return fresh


def _cookie() -> str | None:
    """The session cookie the browser sent when this tab connected (None outside a browser)."""
    try:
        return st.context.cookies.get(session.COOKIE)
    except Exception:  # no browser context (AppTest, bare mode)
        return None


def sign_in(user: accounts.User) -> None:
    """Signed in for this tab now; :func:`lasting_sign_in` then makes it last."""
    claims = session.claims_for(user)
    st.session_state[CLAIMS_KEY] = claims
    st.session_state[SESSION_KEY] = user


def lasting_sign_in(page: str, lang: str) -> None:
    """Send the browser to the cookie route with a one-time nonce; it comes back to ``page``
    (in the same language) with the session cookie set."""
    claims = st.session_state.get(CLAIMS_KEY)
    if isinstance(claims, session.Claims):
        _go(f"auth/session?nonce={session.issue_nonce(claims)}&next={page}&lang={lang}")


def sign_out() -> None:
    """Signed out everywhere (every tab and device of the account) at once, on the server;
    :func:`remove_cookie` then clears the browser's cookie."""
    claims = st.session_state.pop(CLAIMS_KEY, None)
    st.session_state.pop(SESSION_KEY, None)
    if isinstance(claims, session.Claims):
        session.end_everywhere(claims.name)


def remove_cookie(page: str, lang: str) -> None:
    _go(f"auth/signout?next={page}&lang={lang}")


def _go(address: str) -> None:
    """Load ``address`` (relative to the page, so that a base path keeps working) in the tab.
    The address is made here from a nonce and a page name, never from user input."""
    st.html(f"<script>window.location.replace({json.dumps(address)});</script>", width="content",
            unsafe_allow_javascript=True)


def md(text: object) -> str:
    """``text`` with Markdown syntax escaped: file names and values are shown as they are."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
