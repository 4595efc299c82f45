"""Lage: where the limits are reached now, where soon, and how the state got here."""

import streamlit as st

from reception import fmt
from reception.read import briefing, charts, metrics, planning, present
from reception.web.cache import briefing_pdf, data, derived, figure, from_weekly
from reception.web.ui import (
    chart_block,
    current_language,
    download_buttons,
    filters,
    require_data,
    settings,
    stand_line,
    t_ui,
)

lang = current_language()
st.title(t_ui("lage.title"))

if require_data():
    cfg, chosen = settings(), filters()
    stand_line()
    # the Lagebericht of the latest week for the crisis meeting; made when clicked, once per
    # snapshot (the same PDF as /api/v1/briefing.pdf)
    st.download_button(t_ui("briefing.download", week=fmt.iso_week(chosen.last_week, lang)),
                       data=lambda: briefing_pdf(chosen.last_week)[0], mime="application/pdf",
                       file_name=briefing.file_name(chosen.last_week), key="dl-lagebericht",
                       on_click="ignore")
    weekly = data.weekly(since=chosen.since, kinds=chosen.kinds)
    state = derived(metrics.state_weekly, weekly, cfg)
    announcements = data.announcements(since=chosen.last_week)
    # the traffic light and the runway read the usable places and count the announcements
    latest = derived(metrics.latest_by_district, weekly, cfg, announcements)

    st.header(t_ui("lage.headlines"))
    # The cards are filled in after the first chart has been sent: the browser starts loading
    # the chart's code first, and the page looks the same.
    headline_area = st.container()

    st.header(t_ui("lage.development"))
    chart_block(figure(charts.arrivals_vs_capacity, state, lang), present.summary_state(state, lang), state,
                "land_wochen")
    chart_block(figure(charts.occupancy_rate, state, cfg, lang),
                present.summary_rate(state, lang, cfg.warn_rate, cfg.limit_rate),
                derived(present.rate_download, state), "land_auslastung")

    # the forecast sees the whole history (of the chosen kinds), not only the chosen range
    ahead = from_weekly(planning.foresight, cfg.forecast_weeks, cfg.net_intake_window_weeks, cfg.limit_rate,
                        kinds=chosen.kinds, announced=True)
    with headline_area:
        # districts that have not reported the latest week: the totals with their estimate
        cards = present.headline_cards(metrics.headlines(state), lang, cfg.warn_rate, cfg.limit_rate,
                                       ahead.estimate)
        banner, note = present.estimate_notes(ahead.estimate, lang)
        if banner:
            st.warning(banner)
            st.caption(note)
        for row in (cards[:4], cards[4:]):
            for column, card in zip(st.columns(4), row):
                column.metric(card["label"], card["value"], card["delta"],
                              delta_color=card["delta_color"], delta_arrow=card["delta_arrow"])
                column.caption(card["caption"])
        announced = metrics.announced_ahead(announcements, chosen.last_week, ags=weekly.ags.unique())
        extra = present.capacity_cards(state, announced, lang)
        for column, card in zip(st.columns(4), extra):
            column.metric(card["label"], card["value"])
            column.caption(card["caption"])
        if len(state) < 2:
            st.info(t_ui("msg.single_week"))

    state_forecast = ahead.state
    st.header(t_ui("lage.forecast"))
    flag = present.forecast_flag(state_forecast, lang)
    if flag:
        st.warning(flag)
    chart_block(figure(charts.forecast, state[["week", "arrivals"]].tail(26), state_forecast, lang,
                       present.estimate_point(ahead.estimate)),
                present.summary_forecast_bands(state_forecast, lang), state_forecast, "land_prognose")
    st.caption(t_ui("lage.forecast_note"))

    st.header(t_ui("lage.warning"))
    warning = planning.warning_with_outlook(metrics.early_warning(latest, cfg), latest, ahead.outlook)
    st.caption(t_ui("lage.warning_note", horizon=cfg.runway_horizon_weeks,
                    window=cfg.net_intake_window_weeks) + " "
               + t_ui("lage.warning_outlook", weeks=cfg.forecast_weeks))
    if warning.empty:
        st.success(t_ui("lage.warning_none"))
    else:
        st.markdown(present.markdown_table(present.warning_table(warning, lang)))
        download_buttons(warning, "fruehwarnung")

    st.header(t_ui("lage.places"))
    places = metrics.state_places(state, cfg.state_minimum_places)
    st.markdown(t_ui("lage.places_text" if places["gap"] >= 0 else "lage.places_text_short",
                     **present.places_params(places, lang)))
    st.progress(present.progress_value(places["share"]), text=t_ui("lage.places_progress",
                **present.places_params(places, lang)))

    st.header(t_ui("lage.ranking"))
    shown = latest.head(present.CHART_DISTRICTS)  # a chart of 400 bars is neither readable nor fast
    if len(shown) < len(latest):
        st.caption(t_ui("lage.ranking_top", shown=len(shown), total=len(latest)))
    chart_block(figure(charts.ranking, shown, cfg, lang), present.summary_ranking(latest, lang),
                latest.drop(columns=["net_intake"]), "rangfolge_auslastung")
    # on request only: the data grid's code is not loaded with the landing page
    if st.toggle(t_ui("lage.ranking_table"), key="lage_ranking_table"):
        st.dataframe(derived(present.ranking_table, latest, lang), hide_index=True)
