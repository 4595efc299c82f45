"""Meldung erfassen: a district's weekly figures typed into a form, for signed-in officers.

The logic is ``reception.web.form`` (the week due, the prefill, the report as a one-row file on the
upload's road); the role is checked there and on every load, never only by hiding a button.
"""

import logging
from datetime import date

import streamlit as st

from reception import accounts, fmt
from reception.i18n import t
from reception.store import db
from reception.web import form, signin, upload
from reception.web.cache import data, version
from reception.web.ui import current_language, hide_form_input_hints

log = logging.getLogger("pages.erfassen")
lang = current_language()
st.title(t("form.title", lang))

user = signin.current_user()
if not accounts.can_upload(user):
    st.warning(t("form.need_signin", lang))
    st.stop()
if not version():
    st.info(t("msg.no_snapshot", lang))
    st.stop()
st.caption(t("signin.signed_in", lang, name=signin.md(user.name), role=t(f"role.{user.role}", lang)))
st.caption(t("form.intro", lang, weeks=form.OFFERED_WEEKS))

for kind, text in st.session_state.pop("form_notices", []):
    (st.success if kind == "success" else st.info)(text)

today = date.today()
names = dict(zip(data.districts()["ags"], data.districts()["name"]))

# ---------------------------------------------------------------- district and week

if user.district and not user.is_admin:
    ags = user.district
    st.markdown(t("form.district_fixed", lang, name=signin.md(names.get(ags, ags)), ags=ags))
else:
    ags = st.selectbox(t("form.district", lang), list(names), index=None, key="form_district",
                       format_func=lambda code: f"{names[code]} ({code})",
                       placeholder=t("form.district_choose", lang),
                       on_change=lambda: st.session_state.pop("form_week", None))
    if ags is None:
        st.info(t("form.district_pick_first", lang))
        st.stop()

weeks = form.offered_weeks(today)
history = data.weekly(ags=(ags,), since=form.history_since(today))
reported = form.reported_weeks(history)
if st.session_state.get("form_week") not in weeks:  # a new district, or the page was left
    st.session_state["form_week"] = form.due_week(reported, today)


def week_label(week: date) -> str:
    option = t("form.week_option", lang, week=fmt.iso_week(week, lang), first=fmt.day(week, lang),
               last=fmt.day(form.sunday_of(week), lang))
    return t("form.week_reported", lang, option=option) if week in reported else option


week = st.selectbox(t("form.week", lang), weeks, key="form_week", format_func=week_label)
before = form.prefill(history, week)
if before.already_reported:
    st.info(t("form.prefill.same", lang, week=fmt.iso_week(week, lang)))
elif before.source_week:
    st.info(t("form.prefill.earlier", lang, source=fmt.iso_week(before.source_week, lang),
              week=fmt.iso_week(week, lang)))
else:
    st.info(t("form.prefill.none", lang))

# the fields start from the prefill whenever district or week change (or the page was left)
keys = {name: f"form_{name}" for name in form.FIELDS}
if (st.session_state.get("form_prefilled_for") != (ags, week)
        or any(key not in st.session_state for key in keys.values())):
    st.session_state.update({keys[name]: text for name, text in before.texts().items()})
    st.session_state["form_prefilled_for"] = (ags, week)
    st.session_state.pop("form_checked", None)

checked: upload.Preview | None = st.session_state.get("form_checked")
problems = form.by_field([*checked.problems, *form.findings(checked)] if checked else [])


# ---------------------------------------------------------------- the form

FIELD_WIDTH = 200  # px: four fields in a row beside the sidebar, one per row on a phone
hide_form_input_hints()

def field(name: str) -> None:
    """One figure: a text field (German numbers), its problems right below it."""
    st.text_input(form.field_label(name, lang), key=keys[name], max_chars=form.MAX_CHARS)
    for problem in problems.of(name):
        shown = st.error if problem.severity == "error" else st.warning
        shown(signin.md(form.field_message(problem, name, lang)))  # the typed value as typed


def fields_in_rows(*rows: tuple[str, ...]) -> None:
    """Each row side by side where there is room; on a phone one field below the other (columns
    would leave a gap for every empty one)."""
    for row in rows:
        with st.container(horizontal=True, gap="small"):
            for name in row:
                with st.container(width=FIELD_WIDTH):
                    field(name)


def results(preview: upload.Preview) -> bool:
    """What the check found, above the buttons; True when findings wait for a confirmation."""
    for problem in [*problems.general, *problems.of("ags"), *problems.of("week")]:
        (st.error if problem.severity == "error" else st.warning)(signin.md(problem.message(lang)))
    if not preview.ok:
        st.error(t("form.errors", lang, count=fmt.number(preview.error_count, lang=lang)))
        st.markdown("\n".join(f"- {signin.md(form.field_message(p, p.column, lang))}"
                              for p in preview.errors if p.column in keys))
        return False
    found = form.findings(preview)
    if found:
        st.warning(t("form.findings", lang))
        st.markdown("\n".join(f"- {signin.md(form.field_message(p, p.column, lang))}"
                              if p.column in keys else f"- {signin.md(p.message(lang))}"
                              for p in found))
        st.checkbox(t("form.confirm", lang), key="form_confirm")
        st.text_input(t("form.comment", lang), key="form_comment", max_chars=500)
        return True
    st.success(t("form.ok", lang, new=fmt.number(preview.new_figures, lang=lang),
                 replaced=fmt.number(preview.replaced, lang=lang)))
    st.table(form.summary_frame(preview, before, lang), hide_index=True)
    return False


with st.form("form_report", enter_to_submit=True):
    st.header(t("form.section.arrivals", lang), anchor=False)
    st.caption(t("form.how", lang))
    fields_in_rows(("arrivals", "arrivals_asylum", "arrivals_ukraine", "arrivals_other"),
                   ("departures", "announced"))
    st.header(t("form.section.places", lang), anchor=False)
    fields_in_rows(("capacity", "capacity_unusable"), ("occupied", "occupied_entitled"))
    waiting = results(checked) if checked is not None else False
    with st.container(horizontal=True):
        # "Prüfen" first: Enter in a field checks, it never sends
        check = st.form_submit_button(t("form.check", lang))
        send = st.form_submit_button(t("form.send_anyway" if waiting else "form.send", lang),
                                     type="primary")


# ---------------------------------------------------------------- check and send

def values() -> dict[str, str]:
    return {name: st.session_state.get(key) or "" for name, key in keys.items()}


def send_checked(preview: upload.Preview, confirmed: bool) -> None:
    comment = (st.session_state.get("form_comment") or "").strip() or None
    try:
        result = form.send(preview, signin.current_user(), confirmed=confirmed, comment=comment)
    except upload.NeedsConfirmation:  # the store moved since the check: new findings to show
        st.session_state.pop("form_confirm", None)
        notice("form.findings_changed")
        return
    district = f"{names.get(ags, ags)} ({ags})"
    if result.status == "loaded":
        text = t("form.loaded", lang, week=fmt.iso_week(week, lang), district=signin.md(district),
                 load_id=result.load_id, replaced=result.replaced)
        st.session_state["form_notices"] = [("success", text)]
    else:
        st.session_state["form_notices"] = [("info", t("form.duplicate", lang, load_id=result.load_id,
                                                       loaded_at=str(result.loaded_at)[:19]))]
    st.session_state.pop("form_checked", None)
    st.session_state.pop("form_confirm", None)
    st.session_state.pop("form_comment", None)
    st.cache_data.clear()


def notice(key: str, **params: object) -> None:
    st.session_state["form_notices"] = [("info", t(key, lang, **params))]


def submit(sending: bool) -> None:
    """Check the fields as a report; send it if asked and nothing stands in the way: findings
    are sent only as shown and confirmed (the button then reads "Trotzdem melden")."""
    if form.is_empty(values()):
        st.error(t("form.empty", lang))
        return
    shown = st.session_state.get("form_checked")
    preview = form.check(ags, week, values(), signin.current_user())
    st.session_state["form_checked"] = preview
    if sending and preview.duplicate_of is not None:
        notice("form.duplicate", load_id=preview.duplicate_of[0],
               loaded_at=str(preview.duplicate_of[1])[:19])
    elif sending and preview.ok:
        confirming = shown is not None and bool(form.findings(shown))
        if not form.findings(preview):
            send_checked(preview, confirmed=False)
        elif confirming and shown.sha256 != preview.sha256:
            notice("form.findings_changed")
        elif confirming and st.session_state.get("form_confirm"):
            send_checked(preview, confirmed=True)
        elif confirming:
            notice("form.confirm_missing")
    st.rerun()


if check or send:
    try:
        submit(sending=send)
    except upload.NotAllowed:
        st.error(t("upload.not_allowed", lang))
    except db.DatabaseBusy:
        st.error(t("upload.busy", lang))
    except Exception as error:
        if type(error).__name__ in ("RerunException", "StopException"):
            raise
        log.exception("form report failed")
        st.error(t("form.failed", lang))
