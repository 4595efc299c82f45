"""Hochladen: preview, validate and load report files; templates; load history and rollback.

The logic is ``reception.web.upload`` (the same read/validate/load road as ``python -m etl ingest``);
the role is checked there and here on every run, never only by hiding a button.
"""

import logging
from pathlib import PurePath

import streamlit as st

from reception import accounts, fmt
from reception.i18n import t
from reception.store import db
from reception.web import signin, upload
from reception.web.ui import current_language
from reception.web.upload_session import after_write, forget_previews, notify, show_notices
from reception.web.upload_session import preview as session_preview

log = logging.getLogger("pages.hochladen")
lang = current_language()
st.title(t("upload.title", lang))

user = signin.current_user()
if not accounts.can_upload(user):
    st.warning(t("upload.need_signin", lang))
    st.stop()
st.caption(t("signin.signed_in", lang, name=signin.md(user.name), role=t(f"role.{user.role}", lang)))

show_notices()


# ---------------------------------------------------------------- templates

st.write(t("upload.templates", lang))
left, right, _ = st.columns([1, 1, 3])
left.download_button(t("upload.template_csv", lang), upload.template_bytes("csv"),
                     file_name="vorlage_meldung.csv", mime="text/csv", key="template_csv")
right.download_button(t("upload.template_xlsx", lang), upload.template_bytes("xlsx"),
                      file_name="vorlage_meldung.xlsx", key="template_xlsx",
                      mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# ---------------------------------------------------------------- files

limit_text = upload.size_text(upload.max_upload_bytes())
# the widget filters by name; the reader goes by content (a CSV named .xlsx is read as CSV)
files = st.file_uploader(t("upload.files", lang, limit=limit_text),
                         type=["csv", "txt", "xlsx", "xlsm", "xls", "xlsb", "ods"],
                         accept_multiple_files=True, key="upload_files")


def show_file(uploaded) -> None:
    name = PurePath(uploaded.name).name
    st.markdown(f"## {signin.md(name)}")  # h2 under the page title: no skipped heading level
    preview = session_preview(uploaded.getvalue(), name, user)
    st.caption(t("upload.format", lang))
    left, right = st.columns(2)
    left.dataframe(preview.format_frame(lang), hide_index=True)
    if preview.inspection is not None and preview.inspection.read.columns:
        right.dataframe(preview.columns_frame(lang), hide_index=True)

    errors, warnings = preview.errors, preview.warnings
    if errors:
        st.error(t("upload.errors", lang, count=fmt.number(preview.error_count, lang=lang)))
        if preview.error_count > len(errors):
            st.caption(t("upload.first_shown", lang, shown=fmt.number(len(errors), lang=lang)))
        st.dataframe(preview.problems_frame("error", lang), hide_index=True)
    if warnings:
        st.warning(t("upload.warnings", lang, count=fmt.number(preview.warning_count, lang=lang)))
        if preview.warning_count > len(warnings):
            st.caption(t("upload.first_shown", lang, shown=fmt.number(len(warnings), lang=lang)))
        st.dataframe(preview.problems_frame("warning", lang), hide_index=True)
    if preview.problems:
        stem = PurePath(name).stem
        st.download_button(t("upload.error_report", lang), preview.error_report(lang),
                           file_name=f"{stem}.fehler.csv", mime="text/csv",
                           key=f"report-{preview.sha256}")
    if preview.rows:
        rows = preview.rows_frame(lang)
        st.caption(t("upload.preview", lang, count=len(rows), rows=preview.rows))
        st.dataframe(rows, hide_index=True)
    if preview.ok and preview.duplicate_of:
        st.info(t("upload.duplicate", lang, load_id=preview.duplicate_of[0],
                  loaded_at=str(preview.duplicate_of[1])[:19]))
    elif preview.ok:
        st.caption(t("upload.changes", lang))
        st.write(t("upload.summary", lang, rows=preview.rows, new=preview.new_figures,
                   replaced=preview.replaced))
        if preview.new_weeks:
            weeks = ", ".join(upload.week_text(w) for w in preview.new_weeks)
            st.write(t("upload.new_weeks", lang, weeks=weeks))
        if preview.replaced:
            st.write(t("upload.replaced_table", lang))
            st.dataframe(preview.changes_frame(lang), hide_index=True)
    if preview.ok and preview.duplicate_of is None and preview.findings:
        confirm_findings(preview, name)
        return
    clicked = st.button(t("upload.load", lang), key=f"load-{preview.sha256}", type="primary",
                        disabled=not preview.ok or preview.duplicate_of is not None)
    if clicked:
        load_file(preview, name)


def confirm_findings(preview: upload.Preview, name: str) -> None:
    """Plausibility findings beside the changes: "Trotzdem laden" only once the officer has
    ticked that the figures are right; an optional comment goes with the load."""
    st.markdown(f"### {t('plausi.upload.findings_header', lang)}")
    st.warning(t("plausi.upload.findings", lang,
                 count=fmt.number(preview.findings.count, lang=lang)))
    st.dataframe(preview.findings_frame(lang), hide_index=True)
    confirmed = st.checkbox(t("plausi.upload.confirm", lang), key=f"confirm-{preview.sha256}")
    comment = st.text_input(t("plausi.upload.comment", lang), key=f"comment-{preview.sha256}",
                            max_chars=500, help=t("plausi.upload.comment_help", lang))
    if st.button(t("plausi.upload.load_anyway", lang), key=f"load-anyway-{preview.sha256}",
                 type="primary", disabled=not confirmed):
        load_file(preview, name, confirmed=True, comment=comment)


def load_file(preview: upload.Preview, name: str, confirmed: bool = False,
              comment: str | None = None) -> None:
    try:  # role checked again inside
        result = upload.load_preview(preview, signin.current_user(), confirmed=confirmed,
                                     comment=comment)
    except upload.NotAllowed:
        st.error(t("upload.not_allowed", lang))
        return
    except db.StoreUnavailable as error:  # the shared store away: whether it was loaded, said
        st.error(error.sentence(lang))
        return
    except upload.NeedsConfirmation:  # the store moved since the preview: new findings
        forget_previews()
        notify("info", t("plausi.upload.findings_changed", lang))
        after_write()
        return
    except db.DatabaseBusy:
        st.error(t("upload.busy", lang))
        return
    if result.status == "loaded":
        notify("success", t("upload.loaded", lang, file=signin.md(name), load_id=result.load_id,
                            rows=result.rows, replaced=result.replaced)
               + (" " + t("plausi.upload.confirmed", lang, user=signin.md(result.confirmed_by))
                  if result.confirmed_by else ""))
    else:
        notify("info", t("upload.duplicate", lang, load_id=result.load_id,
                         loaded_at=str(result.loaded_at)[:19]))
    after_write()


for uploaded in files or []:
    with st.container(border=True):
        try:
            show_file(uploaded)
        except db.DatabaseBusy:
            st.error(t("upload.busy", lang))
        except Exception as error:
            if type(error).__name__ in ("RerunException", "StopException"):
                raise
            log.exception("upload page failed on a file")
            st.error(t("upload.failed", lang))

# ---------------------------------------------------------------- history and rollback

st.header(t("upload.history", lang))
history = upload.history()
if history.empty:
    st.caption(t("upload.history_empty", lang))
else:
    st.dataframe(upload.localised(history.head(200), lang), hide_index=True)

st.header(t("upload.rollback", lang))
candidates = upload.rollback_candidates(user, history)
if candidates.empty:
    st.caption(t("upload.rollback_none", lang))
    st.stop()

labels = {
    int(row.load_id): t("upload.rollback_option", lang, load_id=int(row.load_id),
                        file=row.file_name, user=row.loaded_by or "–", at=str(row.loaded_at)[:16])
    for row in candidates.itertuples()
}
chosen = st.selectbox(t("upload.rollback_choose", lang), list(labels), format_func=labels.get,
                      key="rollback_choice")
try:
    plan = upload.plan_rollback(int(chosen))
except db.DatabaseBusy:
    st.error(t("upload.busy", lang))
    st.stop()
if plan is None or plan.status != "loaded":
    st.info(t("upload.rollback_not_active", lang, load_id=chosen))
    st.stop()
st.write(t("upload.rollback_plan", lang, load_id=plan.load_id, file=signin.md(plan.file_name),
           in_force=plan.in_force, restored=len(plan.restored), removed=plan.removed))
if not plan.restored.empty:
    st.caption(t("upload.rollback_restored", lang))
    st.dataframe(upload.restored_frame(plan, upload.district_names(), lang), hide_index=True)
confirmed = st.checkbox(t("upload.rollback_confirm", lang, load_id=plan.load_id),
                        key=f"rollback_confirm_{plan.load_id}")
if st.button(t("upload.rollback_button", lang), disabled=not confirmed, key="rollback_button"):
    try:
        outcome = upload.rollback_load(plan.load_id, signin.current_user())
    except upload.NotAllowed:
        st.error(t("upload.not_allowed", lang))
        st.stop()
    except db.DatabaseBusy:
        st.error(t("upload.busy", lang))
        st.stop()
    if outcome["status"] == "rolled_back":
        notify("success", t("upload.rolled_back", lang, load_id=plan.load_id,
                            file=signin.md(outcome["file"]), restored=outcome["restored"]))
    else:
        notify("info", t("upload.rollback_not_active", lang, load_id=plan.load_id))
    after_write()
