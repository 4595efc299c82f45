"""Kreis: one district over time; the choice is kept in the URL (``?kreis=16051``)."""

import streamlit as st

from reception import fmt, isoweek
from reception.read import charts, metrics, planning, present
from reception.web.cache import data, derived, figure, from_weekly
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
st.title(t_ui("kreis.title"))


def _remember_choice() -> None:
    st.query_params["kreis"] = st.session_state["kreis_select"]
    mirror("kreis_select")


if require_data():
    cfg, chosen = settings(), filters()
    stand_line()
    districts = data.districts()
    names = dict(zip(districts.ags, districts.name))
    requested = st.query_params.get("kreis")
    if requested is not None and requested not in names:
        st.warning(t_ui("kreis.unknown"))
        requested = None
    if requested is not None:  # a shared link names the district
        st.session_state["kreis_select"] = requested
    restore("kreis_select", districts.ags.iloc[0], names)
    ags = st.selectbox(t_ui("kreis.select"), list(names), key="kreis_select", format_func=names.get,
                       on_change=_remember_choice)
    st.query_params["kreis"] = ags
    mirror("kreis_select")
    name = names[ags]

    series = metrics.district_series(data.weekly(since=chosen.since, ags=(ags,)), ags)
    if not series.reported.any():
        st.info(t_ui("kreis.no_data", name=name))
    else:
        ahead = data.announcements(since=series.week.max().date(), ags=ags)
        # as on Lage: the traffic light reads usable places, the runway counts the announcements
        latest = derived(metrics.latest_by_district, series, cfg, ahead).iloc[0]
        st.header(t_ui("kreis.now", name=name, week=fmt.iso_week(latest.week, lang)))
        columns = st.columns(5)
        columns[0].metric(t_ui("tab.usable_rate"), present.traffic_rate(latest, lang))
        columns[0].caption(present.traffic_caption(latest, lang))
        columns[1].metric(t_ui("headline.free_places"), fmt.number(latest.free_places, lang=lang))
        columns[2].metric(t_ui("headline.capacity"), fmt.number(latest.capacity, lang=lang))
        columns[3].metric(t_ui("headline.occupied"), fmt.number(latest.occupied, lang=lang))
        columns[4].metric(t_ui("kreis.runway"), fmt.weeks(latest.runway_weeks, lang))
        columns[4].caption(present.runway_caption(latest, cfg.net_intake_window_weeks, lang))
        if not latest.reported:
            st.warning(t_ui("kreis.not_reported", last=fmt.iso_week(latest.last_reported, lang)))
        now, usable, backlog = derived(metrics.district_parts, series)
        ahead_sum = metrics.announced_ahead(ahead, latest.week)
        columns = st.columns(4)
        for column, card in zip(columns, present.district_cards(now, ahead_sum, lang)):
            column.metric(card["label"], card["value"])
            column.caption(card["caption"])

        st.header(t_ui("kreis.development"))
        chart_block(figure(charts.arrivals_vs_capacity, series, lang),
                    present.summary_district(series, name, lang), series, f"kreis_{ags}_wochen")
        chart_block(figure(charts.occupancy_rate, series, cfg, lang),
                    present.summary_rate(series, lang, cfg.warn_rate, cfg.limit_rate),
                    series[["week", "occupancy_rate"]], f"kreis_{ags}_auslastung")

        st.header(t_ui("kreis.places_by_type"))
        by_type, other = derived(metrics.places_overview, data.places_by_type(ags), chosen.since)
        if by_type.empty:
            st.info(t_ui("kreis.no_places_by_type", name=name))
        else:
            chart_block(figure(charts.places_by_type, by_type, lang),
                        present.summary_places_by_type(by_type, other, lang),
                        present.places_by_type_table(by_type, lang), f"kreis_{ags}_unterkunftsarten")

        st.header(t_ui("kreis.usable"))
        if usable.capacity_unusable.isna().all():
            st.info(t_ui("kreis.no_unusable", name=name))
        else:
            chart_block(figure(charts.usable_places, usable, lang), present.summary_usable(usable, lang),
                        usable, f"kreis_{ags}_belegbar")

        st.header(t_ui("kreis.entitled"))
        if backlog.occupied_entitled.isna().all():
            st.info(t_ui("kreis.no_entitled", name=name))
        else:
            chart_block(figure(charts.entitled, backlog, lang), present.summary_entitled(backlog, lang),
                        backlog, f"kreis_{ags}_auszugsstau")

        st.header(t_ui("kreis.announcements"))
        coming = metrics.announcements_after(ahead, latest.week)
        if coming.empty:
            st.info(t_ui("kreis.no_announcements", name=name, week=fmt.iso_week(latest.week, lang)))
        else:
            st.markdown(t_ui("kreis.announcements_sum", week=fmt.iso_week(latest.week, lang),
                             sum=fmt.number(ahead_sum, lang=lang)))
            st.markdown(present.markdown_table(present.announcements_table(coming, lang)))

        st.header(t_ui("kreis.reimbursement"))
        money = present.reimbursement_text(
            metrics.reimbursement(now["usable"], latest.kind, latest.week, cfg,
                                  data.reference_meta().get("land_code")), cfg, lang)
        st.metric(t_ui("kreis.reimbursement_label"), money["value"])
        st.caption(money["caption"])

        facilities = data.facilities(ags)
        st.header(t_ui("kreis.facilities"))
        if facilities.empty:
            st.info(t_ui("kreis.no_facilities"))
        else:
            newest = metrics.latest_facilities(facilities)
            st.caption(t_ui("kreis.facilities_week", week=fmt.iso_week(newest.week.iloc[0], lang)))
            chart_block(figure(charts.facilities, newest, lang), present.summary_facilities(newest, lang),
                        newest, f"kreis_{ags}_unterkuenfte")
            st.dataframe(present.facilities_table(newest, lang), hide_index=True)

        st.header(t_ui("kreis.quota"))
        since = isoweek.year_start(chosen.last_week)
        key = data.distribution_key(chosen.last_week)
        quota = derived(metrics.quota, data.arrivals_between(since, chosen.last_week), key)
        row = quota[quota.ags == ags].iloc[0]
        st.caption(t_ui("kreis.quota_note", since=fmt.iso_week(since, lang),
                        until=fmt.iso_week(chosen.last_week, lang), key=present.key_label(key, lang)))
        columns = st.columns(5)
        columns[0].metric(t_ui("kreis.soll"), fmt.number(row.soll, lang=lang))
        columns[1].metric(t_ui("kreis.ist"), fmt.number(row.ist, lang=lang))
        columns[2].metric(t_ui("kreis.fulfilment"), fmt.percent_number(row.fulfilment_percent, 1, lang))
        columns[3].metric(t_ui("kreis.key_share"), fmt.percent_number(row.share_percent, 1, lang))
        columns[4].metric(t_ui("kreis.population_share"),
                          fmt.percent_number(row.population_share_percent, 1, lang))
        chart_block(figure(charts.quota, quota, ags, lang), present.summary_quota(row, lang) + "\n\n"
                    + present.summary_quota_all(quota, lang), quota, "erfuellungsquote")

        st.header(t_ui("kreis.forecast"))
        history = data.weekly(ags=(ags,))
        # the one forecast entry Lage's early warning reads too (announced allocations counted)
        prediction, ahead = planning.foresight_of(
            from_weekly(planning.foresight, cfg.forecast_weeks, cfg.net_intake_window_weeks, cfg.limit_rate,
                        announced=True), ags)
        flag = present.forecast_flag(prediction, lang)
        if flag:
            st.warning(flag)
        chart_block(figure(charts.forecast, history[["week", "arrivals"]].tail(26), prediction, lang),
                    present.summary_forecast_bands(prediction, lang), prediction, f"kreis_{ags}_prognose")
        if len(ahead):
            st.markdown(t_ui("kreis.outlook", name=name,
                             text=present.outlook_text(next(ahead.itertuples(index=False)), lang)))
        st.caption(t_ui("kreis.forecast_note"))
        download_buttons(series, f"kreis_{ags}_alle_wochen")
