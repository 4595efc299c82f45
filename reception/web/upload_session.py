"""What the upload page keeps in a viewer's session: one preview per file content, user and
snapshot (reading and validating a file again on every rerun would cost seconds), and the
messages that must survive the rerun after a write."""

from __future__ import annotations

import streamlit as st

from reception import accounts
from reception.store import db
from reception.web import upload

_PREVIEWS = "upload_previews"
_NOTICES = "upload_notices"
_KEPT = 8  # previews kept per session: a data officer uploads a handful of files at once


def preview(data: bytes, name: str, user: accounts.User | None) -> upload.Preview:
    """The preview of ``data`` (file ``name``) for ``user``, made once per content, user and
    snapshot: after a load it is made afresh."""
    key = (name, upload.loading.sha256_of(data), user, db.snapshot_version())
    cache = st.session_state.setdefault(_PREVIEWS, {})
    if key not in cache:
        if len(cache) > _KEPT:
            cache.clear()
        cache[key] = upload.preview_file(data, name, user)
    return cache[key]


def forget_previews() -> None:
    """Drop the previews (the store moved since they were made)."""
    st.session_state.pop(_PREVIEWS, None)


def notify(kind: str, text: str) -> None:
    """A message (``success`` or ``info``) shown after the rerun that follows a write."""
    st.session_state.setdefault(_NOTICES, []).append((kind, text))


def show_notices() -> None:
    """The messages of the last write, once."""
    for kind, text in st.session_state.pop(_NOTICES, []):
        (st.success if kind == "success" else st.info)(text)


def after_write() -> None:
    """A write changed the snapshot: read it afresh and run the page again."""
    st.cache_data.clear()
    st.rerun()
