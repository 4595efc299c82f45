"""Vergleich: several districts side by side, absolute and per 1,000 inhabitants, or by a ratio
(occupancy, usable rate, share entitled to move out, Ukraine share of arrivals). The page renders
one cached view (:func:`reception.web.views.vergleich`)."""

import streamlit as st

from reception.i18n import t
from reception.read import measures
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
st.title(t_ui("vergleich.title"))

if require_data():
    chosen = filters()
    stand_line()
    names = views.district_names(chosen.kinds)
    restore("compare", list(names)[:3], names)
    picked = st.multiselect(t_ui("vergleich.select"), list(names), key="compare", format_func=names.get,
                            max_selections=8)
    mirror("compare")
    left, right = st.columns(2)
    restore("compare_measure", "arrivals", measures.COMPARISON)
    measure = left.selectbox(t_ui("vergleich.measure"), measures.COMPARISON,
                             key="compare_measure", format_func=lambda m: measures.label(m, lang))
    mirror("compare_measure")
    ratio = measures.is_ratio(measure)
    if ratio:  # a ratio is never per 1,000: no scale to choose (the choice is kept for later)
        scale = "absolute"
        right.caption(t_ui("vergleich.ratio_note", measure=measures.label(measure, lang)))
    else:
        restore("compare_scale", "per_1000")
        scale = right.radio(t_ui("vergleich.scale"), ("absolute", "per_1000"), key="compare_scale",
                            horizontal=True, format_func=lambda s: t(f"vergleich.{s}", lang))
        mirror("compare_scale")
    if not picked:
        st.info(t_ui("vergleich.pick"))
    else:
        view = views.vergleich(tuple(picked), chosen.since, measure, scale == "per_1000", lang)
        if measure == "ukraine_share":
            st.caption(t_ui("vergleich.ukraine_note"))
        chart = view.comparison
        chart_block(chart.figure, chart.summary, chart.frame, chart.name)
        st.header(t_ui("vergleich.table"))
        st.dataframe(view.table, hide_index=True)
        st.caption(t_ui("vergleich.table_shares"))
        download_buttons(view.latest, "vergleich_letzte_woche")
