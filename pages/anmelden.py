"""Anmelden: sign-in for data officers (embedded accounts, or OIDC when secrets configure it)."""

import streamlit as st

from reception import accounts, fmt
from reception.config import settings
from reception.i18n import t
from reception.web import signin
from reception.web.ui import current_language

lang = current_language()
st.title(t("signin.title", lang))
st.caption(t("signin.intro", lang))


def show_signed_in(user: accounts.User) -> None:
    st.success(t("signin.signed_in", lang, name=signin.md(user.name), role=t(f"role.{user.role}", lang)))
    if user.district:
        st.caption(t("signin.district", lang, district=user.district))
    st.info(t("signin.next", lang))
    if not signin.oidc_enabled():
        st.caption(t("signin.lasting", lang, hours=fmt.number(settings().session_hours, lang=lang)))


if signin.oidc_enabled():
    if not signin.oidc_signed_in():
        st.button(t("signin.sso", lang), on_click=st.login, type="primary")
        st.stop()
    user = signin.current_user()
    if user:
        show_signed_in(user)
    else:
        st.warning(t("signin.sso_no_account", lang, email=signin.md(signin.oidc_email())))
    st.button(t("signin.sign_out", lang), on_click=st.logout)
    st.stop()

def sign_out() -> None:
    signin.sign_out()
    st.session_state["_signed_out"] = True


user = signin.current_user()
if user is not None:
    show_signed_in(user)
    if st.session_state.pop("_make_lasting", False):
        signin.lasting_sign_in("anmelden", lang)  # the browser fetches the cookie and comes back
    st.button(t("signin.sign_out", lang), key="sign_out", on_click=sign_out)
    st.stop()
if st.session_state.pop("_signed_out", False):
    st.success(t("signin.signed_out", lang))
    signin.remove_cookie("anmelden", lang)

try:
    if not accounts.list_users():
        st.info(t("signin.no_accounts", lang))
except accounts.AccountError:
    st.error(t("signin.store_broken", lang))

with st.form("signin", clear_on_submit=False):
    name = st.text_input(t("signin.name", lang), key="signin_name", autocomplete="username")
    password = st.text_input(t("signin.password", lang), type="password", key="signin_password",
                             autocomplete="current-password")
    submitted = st.form_submit_button(t("signin.submit", lang), type="primary")

if submitted:
    try:
        found = accounts.authenticate(name.strip(), password)
    except accounts.AccountError:
        found = None
    if found is None:
        st.error(t("signin.failed", lang))
    else:
        signin.sign_in(found)
        st.session_state["_make_lasting"] = True
        st.rerun()
