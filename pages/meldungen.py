"""Meldungen: who reported for which week, who is missing, the load history, the figures as they
stood at a moment (picker) and what changed since one."""

import streamlit as st

from reception import fmt
from reception.read import charts, metrics, present
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
)

lang = current_language()
st.title(t_ui("meldungen.title"))

if require_data():
    chosen = filters()
    stand_line()
    weekly = data.weekly(since=chosen.since, kinds=chosen.kinds)
    missing = derived(metrics.missing_latest, weekly)
    st.header(t_ui("meldungen.missing", week=fmt.iso_week(chosen.last_week, lang)))
    if missing.empty:
        st.success(t_ui("meldungen.none_missing"))
    else:
        st.dataframe(present.missing_table(missing, lang), hide_index=True)
        download_buttons(missing, "fehlende_meldungen")
    st.header(t_ui("meldungen.matrix"))
    matrix = derived(metrics.reporting_matrix, weekly)
    recent = matrix.iloc[:, -present.MATRIX_WEEKS:]  # the heatmap shows what fits; the download all
    if recent.shape[1] < matrix.shape[1]:
        st.caption(t_ui("meldungen.matrix_recent", weeks=recent.shape[1]))
    chart_block(figure(charts.reporting_heatmap, recent, lang),
                present.summary_reporting(matrix, missing, lang), matrix.reset_index(), "meldematrix")


if available():
    st.header(t_ui("meldungen.loads"))
    history = data.loads()
    if history.empty:
        st.info(t_ui("meldungen.no_loads"))
    else:
        st.dataframe(present.loads_table(history, lang), hide_index=True)
        download_buttons(history, "ladehistorie")


if available():
    st.header(t_ui("asof.picker"))
    st.caption(t_ui("asof.picker_note"))
    stand_picker()
    st.header(t_ui("asof.changes"))
    stand_changes()
