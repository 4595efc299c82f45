"""Kreis: one district over time; the choice is kept in the URL (``?kreis=16051``).

The page renders one cached view (:func:`reception.web.views.kreis`: figures, texts and charts of
the district built once per data version, range and language, shared by every viewer)."""

import streamlit as st

from reception.web import views
from reception.web.ui import (
    chart_block,
    current_language,
    download_buttons,
    filters,
    mirror,
    require_data,
    restore,
    stand_line,
    t_ui,
)

lang = current_language()
st.title(t_ui("kreis.title"))


def _remember_choice() -> None:
    st.query_params["kreis"] = st.session_state["kreis_select"]
    mirror("kreis_select")


def cards(row: list[dict]) -> None:
    for column, card in zip(st.columns(len(row)), row):
        column.metric(card["label"], card["value"])
        if card.get("caption"):
            column.caption(card["caption"])


def chart_or_note(chart, note: str) -> None:
    if chart is None:
        st.info(note)
    else:
        chart_block(chart.figure, chart.summary, chart.frame, chart.name)


if require_data():
    chosen = filters()
    stand_line()
    names = views.district_names()
    requested = st.query_params.get("kreis")
    if requested is not None and requested not in names:
        st.warning(t_ui("kreis.unknown"))
        requested = None
    if requested is not None:  # a shared link names the district
        st.session_state["kreis_select"] = requested
    restore("kreis_select", next(iter(names)), names)
    ags = st.selectbox(t_ui("kreis.select"), list(names), key="kreis_select", format_func=names.get,
                       on_change=_remember_choice)
    st.query_params["kreis"] = ags
    mirror("kreis_select")

    view = views.kreis(ags, chosen.since, chosen.last_week, lang)
    if view is None:
        st.info(t_ui("kreis.no_data", name=names[ags]))
    else:
        name = view.name
        st.header(t_ui("kreis.now", name=name, week=view.week))
        cards(view.now_cards)
        if not view.reported:
            st.warning(t_ui("kreis.not_reported", last=view.last_reported))
        cards(view.part_cards)

        st.header(t_ui("kreis.development"))
        for chart in view.development:
            chart_block(chart.figure, chart.summary, chart.frame, chart.name)
        st.header(t_ui("kreis.places_by_type"))
        chart_or_note(view.places_by_type, t_ui("kreis.no_places_by_type", name=name))
        st.header(t_ui("kreis.usable"))
        chart_or_note(view.usable, t_ui("kreis.no_unusable", name=name))
        st.header(t_ui("kreis.entitled"))
        chart_or_note(view.entitled, t_ui("kreis.no_entitled", name=name))

        st.header(t_ui("kreis.announcements"))
        if view.announcements_markdown is None:
            st.info(t_ui("kreis.no_announcements", name=name, week=view.week))
        else:
            st.markdown(t_ui("kreis.announcements_sum", week=view.week, sum=view.announcements_sum))
            st.markdown(view.announcements_markdown)

        st.header(t_ui("kreis.reimbursement"))
        st.metric(t_ui("kreis.reimbursement_label"), view.reimbursement["value"])
        st.caption(view.reimbursement["caption"])

        st.header(t_ui("kreis.facilities"))
        if view.facilities is None:
            st.info(t_ui("kreis.no_facilities"))
        else:
            st.caption(t_ui("kreis.facilities_week", week=view.facilities_week))
            chart_or_note(view.facilities, "")
            st.dataframe(view.facilities_table, hide_index=True)

        st.header(t_ui("kreis.quota"))
        st.caption(t_ui("kreis.quota_note", **view.quota_note))
        cards(view.quota_cards)
        chart_or_note(view.quota, "")

        st.header(t_ui("kreis.forecast"))
        if view.forecast_flag:
            st.warning(view.forecast_flag)
        chart_or_note(view.forecast, "")
        if view.outlook:
            st.markdown(t_ui("kreis.outlook", name=name, text=view.outlook))
        st.caption(t_ui("kreis.forecast_note"))
        download_buttons(view.all_weeks, f"kreis_{ags}_alle_wochen")
