"""Meldungen: the deadline of the week now due and who is still open, who reported on time, late
or not at all, each district's on-time rate, who is missing, the load history, the figures as
they stood at a moment (picker) and what changed since one."""

import streamlit as st

from reception import config, fmt
from reception.read import charts, metrics, present, queries, timeliness
from reception.web.cache import available, data, derived, figure
from reception.web.ui import (
    chart_block,
    current_language,
    download_buttons,
    filters,
    require_data,
    stand_changes,
    stand_line,
    stand_picker,
    t_ui,
    table_block,
)

lang = current_language()
st.title(t_ui("meldungen.title"))

if require_data():
    chosen = filters()
    stand_line()
    everything = data.reporting_status(now=queries.utc_minute(), kinds=chosen.kinds)
    st.header(t_ui("timeliness.header"))
    st.info(present.due_line(everything, lang))
    st.caption(t_ui("timeliness.rule",
                    deadline=present.deadline_rule(config.settings().deadline, lang)))
    if data.snapshot_meta().get("has_demo"):
        st.caption(t_ui("timeliness.demo_note"))
    weekly = data.weekly(since=chosen.since, kinds=chosen.kinds)
    missing = derived(metrics.missing_latest, weekly)
    st.header(t_ui("meldungen.missing", week=fmt.iso_week(chosen.last_week, lang)))
    if missing.empty:
        st.success(t_ui("meldungen.none_missing"))
    else:
        st.dataframe(present.missing_table(missing, lang), hide_index=True)
        download_buttons(missing, "fehlende_meldungen")
    st.header(t_ui("meldungen.matrix"))
    rates = derived(timeliness.rate_table, everything)
    matrix = derived(timeliness.matrix, everything, chosen.since)
    recent = matrix.iloc[:, -present.MATRIX_WEEKS:]  # the heatmap shows what fits; the download all
    if recent.shape[1] < matrix.shape[1]:
        st.caption(t_ui("meldungen.matrix_recent", weeks=recent.shape[1]))
    chart_block(figure(charts.timeliness_heatmap, recent, lang),
                present.summary_timeliness(everything, rates, lang), matrix.reset_index(),
                "meldematrix")
    st.header(t_ui("timeliness.rates_header", weeks=timeliness.RATE_WEEKS))
    st.caption(t_ui("timeliness.rates_caption", weeks=timeliness.RATE_WEEKS))
    st.dataframe(present.rates_table(rates, lang), hide_index=True)
    download_buttons(rates, "puenktlichkeit")


if available():  # a moment of the past to view, and what changed since one
    st.header(t_ui("asof.picker"))
    st.caption(t_ui("asof.picker_note"))
    stand_picker()
    st.header(t_ui("asof.changes"))
    stand_changes()


if available():
    st.header(t_ui("meldungen.loads"))
    history = data.loads()
    table_block(history, present.loads_table, "ladehistorie",
                t_ui("meldungen.no_loads"))
    # loads confirmed despite plausibility findings (issue 23), per district, with the comment
    st.header(t_ui("plausi.meldungen.confirmed"))
    st.caption(t_ui("plausi.meldungen.confirmed_caption"))
    confirmed = data.confirmed_loads()
    table_block(confirmed, present.confirmed_table,
                "bestaetigte_auffaelligkeiten", t_ui("plausi.meldungen.none_confirmed"))
