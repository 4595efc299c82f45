"""Planung: scenarios of occupancy for a district or the state and the needs calculation. The
inputs live in the URL (``?einheit=16051&wochen=12&reserve=10&bedarf=2025-W10&szenarien=...``),
so a link reproduces the scenarios. The calculation is :mod:`reception.read.planning`; the page
renders its cached view (:func:`reception.web.views.planung`)."""

import streamlit as st

from reception.read import planning
from reception.web import urlstate, views
from reception.web.scenarios import scenario_inputs
from reception.web.ui import (
    chart_block,
    current_language,
    download_buttons,
    require_data,
    stand_line,
    t_ui,
)

lang = current_language()
st.title(t_ui("planung.title"))
st.markdown(t_ui("planung.intro"))

if require_data():
    stand_line()
    names = {planning.STATE: t_ui("planung.state")} | views.district_names()

    top = st.columns(4)
    unit = urlstate.choice("einheit", planning.STATE, names)
    unit = top[0].selectbox(t_ui("planung.unit"), list(names), index=list(names).index(unit),
                            format_func=names.get, key="plan_unit")
    horizon = int(top[1].slider(t_ui("planung.horizon"), 4, 26, int(urlstate.number("wochen", 12, 4, 26)),
                                key="plan_horizon"))
    percent = top[2].number_input(t_ui("planung.reserve"), 0.0, 50.0, urlstate.number("reserve", 10, 0, 50),
                                  step=1.0, format="%.0f", key="plan_reserve")

    basis = views.planung_basis(unit, horizon, lang)
    if basis.start is None:
        st.info(t_ui("planung.no_data", name=names[unit]))
        st.stop()

    weeks = basis.weeks
    needs_week = urlstate.choice("bedarf", weeks[-1], weeks)
    needs_week = top[3].selectbox(t_ui("planung.needs_week"), weeks, index=weeks.index(needs_week),
                                  format_func=basis.week_labels.get, key="plan_needs_week")

    stored = planning.decode(st.query_params.get("szenarien"), lang=lang) or basis.default_scenarios
    count = st.radio(t_ui("planung.count"), (1, 2, 3), index=len(stored) - 1, horizontal=True,
                     key="plan_count")
    stored = (stored + basis.default_scenarios)[:count]
    scenarios = []
    for index, (column, base) in enumerate(zip(st.columns(count), stored)):
        with column, st.container(border=True):
            st.markdown(f"**{t_ui('planung.scenario', number=index + 1)}**")
            scenarios.append(scenario_inputs(index, base, basis.week_labels))

    # the URL carries every input: a link reproduces the page
    urlstate.keep(einheit=unit, wochen=str(horizon), reserve=f"{percent:g}", bedarf=needs_week,
                  szenarien=planning.encode(scenarios))

    view = views.planung(unit, horizon, tuple(scenarios), needs_week, percent, lang)
    st.header(t_ui("planung.result", name=names[unit]))
    st.caption(t_ui("planung.start", **basis.start_note))
    if basis.estimate_warning:  # districts that have not reported the start week: say so
        st.warning(basis.estimate_warning)
    if basis.forecast_flag:
        st.warning(basis.forecast_flag)
    chart = view.scenarios
    chart_block(chart.figure, chart.summary, chart.frame, chart.name, ratio=(3, 2))
    with st.expander(t_ui("planung.weeks_table")):
        st.dataframe(view.weeks_table, hide_index=True)

    st.header(t_ui("planung.needs", week=view.needs_week))
    chosen = st.selectbox(t_ui("planung.needs_scenario"), range(len(scenarios)),
                          format_func=lambda i: scenarios[i].name, key="plan_needs_scenario")
    st.markdown(t_ui("planung.needs_text", **view.needs_text))
    needs = view.needs[chosen]
    st.markdown(t_ui("planung.needs_summary", **needs.summary))
    st.dataframe(needs.table, hide_index=True)
    download_buttons(needs.frame, f"bedarf_{needs_week}")
    st.caption(t_ui("planung.method_note"))
