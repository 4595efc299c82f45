"""Shared pieces of the app's pages: language, sidebar filters, messages, charts with their text
summary and downloads. Every page (also the upload and sign-in pages) may use them:

* ``ensure_navigation()``: call first in a page script (``current_language`` does it too). A
  fresh server with a ``pages/`` folder runs a page addressed by URL (``/kreis``) on its own,
  without ``dashboard.py`` (Streamlit's old multipage mode, until some session has called
  ``st.navigation``); this switches that mode off and reruns through the entry script;
* ``current_language() -> "de" | "en"``: the chosen language (session, else ``?lang=``, else de);
* ``t_ui(key, **params) -> str``: a text from ``reception/locales/*.toml`` in that language;
* ``language_switch()``: the de/en switch (the entry script puts it in the sidebar);
* ``sidebar_filters() -> Filters`` and ``filters() -> Filters``: time range and district kinds,
  rendered once per run by ``dashboard.py`` and read by the pages;
* ``require_data() -> bool``: False (with a helpful message shown) when there is nothing to show;
* ``stand_line()``: "Stand: KW 47/2024", the demo-data notice, and since when the figures could
  not be refreshed where the shared store is away (``stale_line``);
* ``chart_block(fig, summary, frame, name)``: chart, text summary beside it, CSV/Excel download;
* ``download_buttons(frame, name)``: the two download buttons alone;
* ``settings()``: thresholds and tunables (``data/settings.toml``);
* ``optional_pages(folder)``: the sign-in, upload and form pages that exist in ``folder``;
* ``navigation_pages(lang, build)``: the menu's pages, built once per language (copies per run);
* ``stand_view()``, ``stand_banner(past, page)``, ``stand_picker()``: a view of the past
  (``?stand=T``, CONTRACT.md "As of"): every read of the run sees the figures as they stood at
  T, a banner says so with a link back to today; the picker (Meldungen) opens such a view;
* ``run_page(page)``: runs the chosen page; an unexpected error is logged with its context
  (page, query parameters, snapshot version, language, a short reference) and shown to the user
  as a short message with that reference, never as a traceback. ``RECEPTION_RAISE_ERRORS=1``
  (set by the test suite) re-raises it so that tests see it.

Widget values survive page changes and the language switch: each is mirrored under ``_<key>``
in ``st.session_state`` and restored before the widget is drawn (``restore(key, default)``
before, ``mirror(key)`` after; the pages use the same two for their own widgets).
"""

from __future__ import annotations

import copy
import logging
import re
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from reception import config, export, fmt
from reception.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalogue, t
from reception.reference.districts import KINDS
from reception.store import asof
from reception.web import prebuilt
from reception.web.cache import available, data, version

log = logging.getLogger("reception.app")

LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}
RANGE_OPTIONS = (12, 26, 52, 0)  # weeks; 0 = all


OPTIONAL_PAGES = ("anmelden", "hochladen", "erfassen")


def optional_pages(folder: Path, lang: str = DEFAULT_LANGUAGE) -> list[tuple[Path, str, str]]:
    """(path, url name, title in ``lang``) of the optional pages present in ``folder``, in order."""
    return [(folder / f"{name}.py", name, t(f"nav.{name}", lang)) for name in OPTIONAL_PAGES
            if (folder / f"{name}.py").exists()]


_NAVIGATION: dict[str, dict[str, list[st.Page]]] = {}


def navigation_pages(lang: str, build: Callable[[], dict[str, list[st.Page]]]) -> dict[str, list[st.Page]]:
    """The menu's sections and pages in ``lang``: ``build()`` runs once per language and process
    (an ``st.Page`` resolves its file on the disk: 11 pages were 2–3 ms of every run), each run
    gets copies. Copies, because ``st.navigation`` marks the page it returns as callable and
    running it unmarks it: sessions sharing one object could unmark each other's page. The
    optional pages found at the first run stay until a restart (as the code does)."""
    made = _NAVIGATION.get(lang)
    if made is None:
        made = _NAVIGATION[lang] = build()
    return {label: [copy.copy(entry) for entry in entries] for label, entries in made.items()}


def settings() -> config.Settings:
    return config.settings()


def ensure_navigation() -> None:
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


LANG_KEY = "_lang"  # the chosen language in st.session_state


def current_language() -> str:
    ensure_navigation()
    lang = st.session_state.get(LANG_KEY)
    if lang not in LANGUAGES:
        asked = st.query_params.get("lang")
        lang = asked if asked in LANGUAGES else DEFAULT_LANGUAGE
        st.session_state[LANG_KEY] = lang
    return lang


def t_ui(key: str, /, **params: object) -> str:
    """The text ``key`` in the page's language; a ``{land}`` in it is the Land the reference
    describes (:func:`land_name`) unless given."""
    lang = current_language()
    entry = catalogue().get(key, {})
    if "land" not in params and "{land}" in (entry.get(lang) or entry.get("de", "")):
        params["land"] = land_name(lang)
    return t(key, lang, **params)


def land_name(lang: str | None = None) -> str:
    """The Land of the loaded reference in ``lang`` ("Thüringen" / "Thuringia"; "Bayern" /
    "Bavaria"); Thuringia, the default Land, before anything is loaded; "Deutschland" for a
    national reference."""
    lang = lang or current_language()
    meta = data.reference_meta() if version() is not None else {}
    code = str(meta.get("land_code", config.DEFAULT_LAND if not meta else ""))
    if code:
        return t(f"land.{code}", lang)
    return meta.get("land") or t("land.DE", lang)


def restore(key: str, default: object, allowed: Collection | None = None) -> None:
    """Before the widget ``key`` is drawn: put its mirrored value back (the widget may be new
    after a page change or a relabelling), else ``default``. ``allowed``: the values the widget
    offers now; a remembered value (or, for a multiselect, each element) outside them is
    dropped, back to ``default`` for a single value."""
    state = st.session_state
    if key not in state:
        state[key] = state.get(f"_{key}", default)
    if allowed is None:
        return
    if isinstance(state[key], list):
        state[key] = [value for value in state[key] if value in allowed]
    elif state[key] not in allowed:
        state[key] = default


def mirror(key: str) -> None:
    """Keep the widget ``key``'s value beyond its page (call after drawing it, or as its
    ``on_change``): Streamlit forgets the state of a widget that a run does not draw."""
    st.session_state[f"_{key}"] = st.session_state[key]


def _set_language() -> None:
    st.session_state[LANG_KEY] = st.session_state["lang_choice"]
    st.query_params["lang"] = st.session_state["lang_choice"]


def language_switch() -> None:
    restore("lang_choice", current_language())
    st.radio(t_ui("sidebar.language"), LANGUAGES, key="lang_choice", horizontal=True,
             format_func=LANGUAGE_NAMES.get, on_change=_set_language)


# Focus always visible (WCAG 2.4.7): Streamlit draws no focus ring on page links and none around
# a focused select, text field or radio option; the ring is the accent colour (7:1 on white).
FOCUS_CSS = """<style>
a:focus-visible, button:focus-visible, summary:focus-visible, [role="tab"]:focus-visible {
  outline: 3px solid #0b57a4 !important; outline-offset: 2px; }
[tabindex="0"]:focus-visible { outline: 3px solid #0b57a4 !important; outline-offset: -3px; }
:is([data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stTextInput"],
    [data-testid="stNumberInput"], [data-testid="stDateInput"]) > div:focus-within,
label:has(input:focus-visible) {
  outline: 3px solid #0b57a4 !important; outline-offset: 2px; }
/* Code examples (curl lines on Methodik) wrap instead of scrolling sideways on a phone: a region
   that scrolls must be reachable by keyboard (WCAG 2.1.1), and a wrapped line needs no scrolling. */
[data-testid="stMarkdownContainer"] pre, [data-testid="stMarkdownContainer"] pre code {
  white-space: pre-wrap !important; overflow-wrap: anywhere; }
</style>"""


def document_basics() -> None:
    """Set ``<html lang>`` to the page's language (Streamlit's index.html says ``en`` whatever the
    page shows, and screen readers pick their pronunciation from it, WCAG 3.1.1) and add the
    focus ring. A script, as the language can change without a reload; ``lang`` is one of
    ``LANGUAGES``, never user text."""
    lang = current_language()
    st.html(FOCUS_CSS)
    st.html(f"<script>document.documentElement.lang = {lang!r};</script>", width="content",
            unsafe_allow_javascript=True)


FORM_HINTS_CSS = '<style>[data-testid="stForm"] [data-testid="InputInstructions"] {display: none;}</style>'


def hide_form_input_hints() -> None:
    """Hide Streamlit's "Press Enter to submit form" (English, drawn over the typed number in a
    narrow field) and the character counter inside forms; the page's caption says what Enter
    does. A constant style sheet."""
    st.html(FORM_HINTS_CSS)


@dataclass(frozen=True)
class Filters:
    weeks: int  # 0 = all
    kinds: tuple[str, ...]
    first_week: date | None  # first and last week with any report in the snapshot
    last_week: date | None
    since: date | None  # start of the chosen range (None: all)


def sidebar_filters() -> Filters:
    """Time range and district kinds; stores the result for :func:`filters`."""
    lang = current_language()
    restore("range_weeks", 26)
    st.selectbox(t_ui("sidebar.range"), RANGE_OPTIONS, key="range_weeks",
                 format_func=lambda w: t(f"sidebar.range_{w}", lang), on_change=mirror,
                 args=("range_weeks",))
    restore("kinds", list(KINDS))
    st.multiselect(t_ui("sidebar.kinds"), KINDS, key="kinds", format_func=lambda k: t(f"kind.{k}", lang),
                   on_change=mirror, args=("kinds",), placeholder=t_ui("sidebar.kinds_all"))
    mirror("range_weeks")
    mirror("kinds")
    first, last = data.week_bounds() if version() else (None, None)
    from reception.read.metrics import range_start

    weeks = int(st.session_state.range_weeks)
    chosen = tuple(st.session_state.kinds) or KINDS
    result = Filters(weeks, chosen, first, last, range_start(last, weeks))
    st.session_state["_filters"] = result
    return result


def filters() -> Filters:
    found = st.session_state.get("_filters")
    return found if isinstance(found, Filters) else sidebar_filters()


def require_data() -> bool:
    """True when the snapshot holds figures; otherwise show why not and what to do."""
    if not version():
        st.info(t_ui("msg.no_snapshot"))
        return False
    if filters().last_week is None:
        st.info(t_ui("msg.no_figures"))
        return False
    return True


def stand_line() -> None:
    """"Stand: KW 47/2024" with the publication time, and the demo notice where it applies."""
    meta = data.snapshot_meta()
    last = filters().last_week
    lang = current_language()
    st.markdown(t_ui("msg.stand", week=fmt.iso_week(last, lang),
                     published=fmt.timestamp(meta.get("published_at"), lang, utc=True)))
    stale_line()
    if meta.get("has_demo") and not meta.get("has_real"):
        st.warning(t_ui("msg.demo_only"))
    elif meta.get("has_demo"):
        st.warning(t_ui("msg.demo_mixed"))


def stale_line() -> None:
    """One line where the shared store could not be reached at the last refresh: since when
    the figures shown could not be refreshed (the page shows the snapshot it had)."""
    from reception.store import db

    since = db.stale_since()
    if since is not None:
        st.warning(t_ui("store.stale", since=fmt.timestamp(since.replace(tzinfo=None),
                                                            current_language(), utc=True)))


def download_buttons(frame: pd.DataFrame, name: str) -> None:
    """CSV and Excel of ``frame`` (formula cells defused), generated only when clicked."""
    left, right = st.columns(2)
    left.download_button(t_ui("download.csv"), data=lambda: export.to_csv_bytes(frame),
                         file_name=f"{name}.csv", mime="text/csv", key=f"dl-{name}-csv",
                         on_click="ignore")
    right.download_button(t_ui("download.xlsx"), data=lambda: export.to_xlsx_bytes(frame, name),
                          file_name=f"{name}.xlsx", key=f"dl-{name}-xlsx", on_click="ignore",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def table_block(table: pd.DataFrame | None, frame: pd.DataFrame, name: str, when_empty: str) -> None:
    """The presented ``table`` with the downloads of ``frame``, or the info ``when_empty`` where
    there is no table (a view's ``None``: ``frame`` has no rows)."""
    if table is None:
        st.info(when_empty)
        return
    st.dataframe(table, hide_index=True)
    download_buttons(frame, name)


def chart_name(fig, summary: str) -> str:
    """The chart's accessible name: its title and what it says in short (the "Kurz gesagt" text,
    which also stands beside it), so that a screen reader announces both at the chart. Made once
    per frozen figure of a cached view and summary (plotly's property lookups cost more than the
    rest of a chart's run)."""
    from reception.web.views import derived

    return derived(fig, ("chart_name", summary), lambda: _chart_name(fig, summary))


def _chart_name(fig, summary: str) -> str:
    title = getattr(getattr(getattr(fig, "layout", None), "title", None), "text", None) or ""
    title = re.sub(r"<[^>]+>", " ", str(title)).strip()  # plotly titles may carry <br>, <sup>
    return f"{title}. {summary}" if title else summary


def chart_block(fig, summary: str, frame: pd.DataFrame, name: str, ratio: tuple = (3, 1)) -> None:
    """The chart, its text summary beside it (also the chart's alt text) and the downloads."""
    chart, text = st.columns(ratio, vertical_alignment="top")
    # the element of a cached view's figure is made once, not serialised again on every run
    prebuilt.plotly_chart(chart, fig, key=f"chart-{name}", config={"displaylogo": False},
                          alt=chart_name(fig, summary))
    with text:
        st.markdown(f"**{t_ui('msg.summary')}**")
        st.markdown(summary)
        download_buttons(frame, name)


def run_page(page: st.Page) -> None:
    """Run ``page``; log an unexpected error with its context and show a reference, not a trace."""
    try:
        page.run()
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("page failed ref=%s page=%s query=%s snapshot=%s lang=%s", reference,
                      getattr(page, "url_path", "?"), dict(st.query_params), version(),
                      st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE))
        if config.raise_errors():
            raise
        st.error(t_ui("app.error", reference=reference))


def base_url() -> str:
    """The address this app is served at (``http://host:port``), for examples on the pages;
    ``http://localhost:8501`` where it is not known (tests, a bare script run)."""
    try:
        url = st.context.url or ""
    except Exception:  # no session context
        url = ""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "http://localhost:8501"


# ---------------------------------------------------------------- the figures as they stood at T
STAND_KEY = "_stand"  # the moment of a view of the past, kept across page changes
PAST_KEY = "_stand_past"  # the Past of this run, for the pages
TODAY = "heute"  # ``?stand=heute``: back to the present


def _asked_stand() -> str | None:
    """``?stand=`` of the URL, else the one this session has been viewing (Streamlit drops the
    query parameters on a page change: they are put back, so the URL can be shared)."""
    asked = st.query_params.get("stand")
    if asked is not None and asked.strip().lower() in ("", TODAY):  # the banner's link
        _forget_stand()
        return None
    if asked:
        st.session_state[STAND_KEY] = asked
        return asked
    kept = st.session_state.get(STAND_KEY)
    if kept:
        st.query_params["stand"] = kept
    return kept


def _forget_stand() -> None:
    st.session_state.pop(STAND_KEY, None)
    st.query_params.pop("stand", None)


@contextmanager
def stand_view() -> Iterator[asof.Past | None]:
    """Around a whole run (``dashboard.py``): with ``?stand=T`` every read (queries, metrics,
    forecast, planning, briefing) sees the figures as they stood at T and the block gets the
    :class:`reception.store.asof.Past`; otherwise None and the present. A bad T is said in
    plain words above the page, which then shows today."""
    asked = _asked_stand()
    moment = None
    if asked:
        try:
            moment = asof.parse(asked)
        except asof.BadMoment as error:
            _forget_stand()
            st.error(error.message(current_language()))
    st.session_state[PAST_KEY] = None
    if moment is None or not available():
        yield None
        return
    with asof.viewing(moment) as past:
        st.session_state[PAST_KEY] = past
        yield past


def viewed_past() -> asof.Past | None:
    """The past this run shows (:func:`stand_view`), None for the present."""
    return st.session_state.get(PAST_KEY)


def since_text(past: asof.Past, lang: str) -> str:
    """"seitdem 3 Loads, 1 Rücknahme" / "seitdem unverändert"."""
    parts = []
    if past.loads_since:
        parts.append(t("asof.loads_one" if past.loads_since == 1 else "asof.loads_many", lang,
                       count=fmt.number(past.loads_since, lang=lang)))
    if past.rollbacks_since:
        parts.append(t("asof.rollbacks_one" if past.rollbacks_since == 1 else
                       "asof.rollbacks_many", lang,
                       count=fmt.number(past.rollbacks_since, lang=lang)))
    return t("asof.since", lang, what=", ".join(parts)) if parts else t("asof.unchanged", lang)


def stand_banner(past: asof.Past | None, page: st.Page) -> None:
    """The banner of a view of the past: when, what happened since, and a link back to today
    (``page`` without the past: ``?stand=heute``). Nothing in the present."""
    if past is None:
        return
    lang = current_language()
    st.warning(t_ui("asof.banner", moment=fmt.timestamp(past.moment, lang, utc=True),
                    since=since_text(past, lang)))
    st.page_link(page, label=t_ui("asof.back"), query_params={"stand": TODAY, "lang": lang})


def _now_local() -> datetime:
    return asof.local(datetime.now(UTC).replace(tzinfo=None)).replace(second=0, microsecond=0)


def _moment_inputs(key: str, shown: datetime) -> datetime:
    """A day and a time (Berlin local) side by side; the moment they name, naive UTC."""
    left, right = st.columns(2)
    day = left.date_input(t_ui("asof.pick_day"), value=shown.date(), format="DD.MM.YYYY",
                          key=f"{key}_day")
    hour = right.time_input(t_ui("asof.pick_time"), value=shown.time(),
                            step=timedelta(minutes=15), key=f"{key}_time")
    return asof.parse(datetime.combine(day, hour or time(0)).isoformat(timespec="minutes"))


def stand_picker() -> None:
    """Date and time (Berlin) of a view of the past; opening it reruns every page at that T."""
    past = viewed_past()
    moment = _moment_inputs("stand", asof.local(past.moment) if past else _now_local())
    if st.button(t_ui("asof.open"), key="stand_open"):
        text = asof.local(moment).isoformat(timespec="minutes")
        st.session_state[STAND_KEY] = text
        st.query_params["stand"] = text
        st.rerun()


def stand_changes() -> None:
    """"Was hat sich seit … geändert": from a chosen moment to the one shown (now or the
    past viewed), per district-week the figures that changed and the loads that changed them."""
    from reception.web import views

    lang = current_language()
    past = viewed_past()
    until = past.moment if past else None
    shown_until = asof.local(until) if until else _now_local()
    since = _moment_inputs("changes", shown_until - timedelta(days=7))
    until_text = fmt.timestamp(until, lang, utc=True) if until else t_ui("asof.changes_now")
    if until is not None and since >= until:
        st.info(t_ui("asof.changes_after", until=until_text))
        return
    st.caption(t_ui("asof.changes_note", since=fmt.timestamp(since, lang, utc=True),
                    until=until_text))
    view = views.changes(since, until, lang)
    if view.frame.empty:
        st.success(t_ui("asof.changes_none"))
        return
    st.markdown(t_ui("asof.changes_count", count=view.count, weeks=view.weeks))
    st.dataframe(view.table, hide_index=True)
    download_buttons(view.frame, "aenderungen")
