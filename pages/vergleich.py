"""Vergleich: several districts side by side, absolute and per 1,000 inhabitants, or by a ratio
(occupancy, usable rate, share entitled to move out, Ukraine share of arrivals)."""

import streamlit as st

from reception.i18n import t
from reception.read import charts, metrics, present
from reception.web.cache import data, derived, figure
from reception.web.ui import (
    chart_block,
    current_language,
    download_buttons,
    filters,
    mirror,
    require_data,
    restore,
    settings,
    stand_line,
    t_ui,
)

lang = current_language()
st.title(t_ui("vergleich.title"))

if require_data():
    cfg, chosen = settings(), filters()
    stand_line()
    districts = data.districts()
    districts = districts[districts.kind.isin(chosen.kinds)]
    names = dict(zip(districts.ags, districts.name))
    restore("compare", list(names)[:3], names)
    picked = st.multiselect(t_ui("vergleich.select"), list(names), key="compare", format_func=names.get,
                            max_selections=8)
    mirror("compare")
    left, right = st.columns(2)
    restore("compare_measure", "arrivals", metrics.COMPARISON_MEASURES)
    measure = left.selectbox(t_ui("vergleich.measure"), metrics.COMPARISON_MEASURES,
                             key="compare_measure", format_func=lambda m: t(f"measure.{m}", lang))
    mirror("compare_measure")
    ratio = measure in metrics.RATIO_MEASURES
    if ratio:  # a ratio is never per 1,000: no scale to choose (the choice is kept for later)
        scale = "absolute"
        right.caption(t_ui("vergleich.ratio_note", measure=t(f"measure.{measure}", lang)))
    else:
        restore("compare_scale", "per_1000")
        scale = right.radio(t_ui("vergleich.scale"), ("absolute", "per_1000"), key="compare_scale",
                            horizontal=True, format_func=lambda s: t(f"vergleich.{s}", lang))
        mirror("compare_scale")
    if not picked:
        st.info(t_ui("vergleich.pick"))
    else:
        weekly = data.weekly(since=chosen.since, ags=tuple(picked))
        long = derived(metrics.comparison, weekly, measure, scale == "per_1000")
        if measure == "ukraine_share":
            st.caption(t_ui("vergleich.ukraine_note"))
        chart_block(figure(charts.comparison, long, measure, scale == "per_1000", lang, cfg),
                    present.summary_comparison(long, lang, measure, scale == "per_1000"), long, "vergleich")
        st.header(t_ui("vergleich.table"))
        table = derived(metrics.latest_comparison, weekly)
        st.dataframe(present.comparison_table(table, lang, ratios_first=ratio), hide_index=True)
        st.caption(t_ui("vergleich.table_shares"))
        download_buttons(table, "vergleich_letzte_woche")
