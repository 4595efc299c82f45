"""Lage: where the limits are reached now, where soon, and how the state got here.

The page renders one cached view (:func:`reception.web.views.lage`: figures, texts and charts
built once per data version, filter and language, shared by every viewer); ``/lagebild`` shows the
same view as a static page."""

import streamlit as st

from reception import fmt
from reception.read import briefing
from reception.web import views
from reception.web.cache import briefing_download
from reception.web.ui import (
    chart_block,
    current_language,
    download_buttons,
    filters,
    require_data,
    stand_line,
    t_ui,
)


@st.fragment
def ranking_table(table) -> None:
    """On request only (the data grid's code is not loaded with the landing page); a fragment:
    the toggle reruns this section, not the page."""
    if st.toggle(t_ui("lage.ranking_table"), key="lage_ranking_table"):
        st.dataframe(table, hide_index=True)


lang = current_language()
st.title(t_ui("lage.title"))

if require_data():
    chosen = filters()
    view = views.lage(chosen.since, chosen.kinds, chosen.last_week, lang)
    cfg = view.settings
    stand_line()
    # the Lagebericht of the latest week for the crisis meeting; made when clicked, once per
    # snapshot (the same PDF as /api/v1/briefing.pdf)
    st.download_button(t_ui("briefing.download", week=fmt.iso_week(chosen.last_week, lang)),
                       data=briefing_download(chosen.last_week), mime="application/pdf",
                       file_name=briefing.file_name(chosen.last_week), key="dl-lagebericht",
                       on_click="ignore")

    st.header(t_ui("lage.headlines"))
    # The cards are filled in after the first chart has been sent: the browser starts loading
    # the chart's code first, and the page looks the same.
    headline_area = st.container()

    st.header(t_ui("lage.development"))
    for chart in view.development:
        chart_block(chart.figure, chart.summary, chart.frame, chart.name)

    with headline_area:
        # districts that have not reported the latest week: the totals with their estimate
        if view.estimate_banner:
            st.warning(view.estimate_banner)
            st.caption(view.estimate_note)
        for row in (view.cards[:4], view.cards[4:]):
            for column, card in zip(st.columns(4), row):
                column.metric(card["label"], card["value"], card["delta"],
                              delta_color=card["delta_color"], delta_arrow=card["delta_arrow"])
                column.caption(card["caption"])
        for column, card in zip(st.columns(4), view.capacity_cards):
            column.metric(card["label"], card["value"])
            column.caption(card["caption"])
        if view.single_week:
            st.info(t_ui("msg.single_week"))

    st.header(t_ui("lage.forecast"))
    if view.forecast_flag:
        st.warning(view.forecast_flag)
    chart_block(view.forecast.figure, view.forecast.summary, view.forecast.frame, view.forecast.name)
    st.caption(t_ui("lage.forecast_note"))

    st.header(t_ui("lage.warning"))
    st.caption(t_ui("lage.warning_note", horizon=cfg.runway_horizon_weeks,
                    window=cfg.net_intake_window_weeks) + " "
               + t_ui("lage.warning_outlook", weeks=cfg.forecast_weeks))
    if view.warning_markdown is None:
        st.success(t_ui("lage.warning_none"))
    else:
        st.markdown(view.warning_markdown)
        download_buttons(view.warning, "fruehwarnung")

    st.header(t_ui("lage.places"))
    st.markdown(t_ui(view.places_key, **view.places))
    st.progress(view.places_progress, text=t_ui("lage.places_progress", **view.places))

    st.header(t_ui("lage.ranking"))
    if view.ranking_shown < view.ranking_total:
        st.caption(t_ui("lage.ranking_top", shown=view.ranking_shown, total=view.ranking_total))
    chart_block(view.ranking.figure, view.ranking.summary, view.ranking.frame, view.ranking.name)
    ranking_table(view.ranking_table)
