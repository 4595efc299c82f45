"""Who is signed in, for the pages that write (Anmelden, Hochladen). Streamlit-side helpers.

Two ways in:

* embedded accounts (default): ``pages/anmelden.py`` checks name and password against
  ``reception.accounts`` and keeps the :class:`~reception.accounts.User` in
  ``st.session_state["user"]``;
* Streamlit's own OIDC sign-in, when ``.streamlit/secrets.toml`` has an ``[auth]`` section:
  ``st.login()`` / ``st.user``. The role then comes from the accounts file, looked up by the
  e-mail address (``python -m etl user add anna@example.org --role officer``); a person signed
  in by OIDC without such an account may view but not upload.

:func:`current_user` re-reads the accounts file on every run, so a removed account or a changed
role takes effect at once, whatever the session still holds.
"""

from __future__ import annotations

import re

import streamlit as st

from reception import accounts

SESSION_KEY = "user"
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
    held = st.session_state.get(SESSION_KEY)
    if not isinstance(held, accounts.User):
        return None
    fresh = accounts.get_user(held.name)
    if fresh is None:
        st.session_state.pop(SESSION_KEY, None)
    elif fresh != held:
        st.session_state[SESSION_KEY] = fresh
    return fresh


def sign_in(user: accounts.User) -> None:
    st.session_state[SESSION_KEY] = user


def sign_out() -> None:
    st.session_state.pop(SESSION_KEY, None)


def md(text: object) -> str:
    """``text`` with Markdown syntax escaped: file names and values are shown as they are."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
