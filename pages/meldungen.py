"""Meldungen: the deadline of the week now due and who is still open, who reported on time, late
or not at all, each district's on-time rate, who is missing, the load history, the figures as
they stood at a moment (picker) and what changed since one. The reports' part is one cached view
(:func:`reception.web.views.meldungen`), the loads' part another (:func:`reception.web.views.loads`)."""

import streamlit as st

from reception.read import timeliness
from reception.web import views
from reception.web.cache import available
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
    view = views.meldungen(chosen.since, chosen.kinds, chosen.last_week, lang)
    st.header(t_ui("timeliness.header"))
    st.info(view.due_line)
    st.caption(t_ui("timeliness.rule", deadline=view.deadline_rule))
    if view.demo:
        st.caption(t_ui("timeliness.demo_note"))
    st.header(t_ui("meldungen.missing", week=view.missing_week))
    if view.missing_table is None:
        st.success(t_ui("meldungen.none_missing"))
    else:
        st.dataframe(view.missing_table, hide_index=True)
        download_buttons(view.missing, "fehlende_meldungen")
    st.header(t_ui("meldungen.matrix"))
    if view.matrix_recent:
        st.caption(t_ui("meldungen.matrix_recent", weeks=view.matrix_recent))
    chart_block(view.heatmap.figure, view.heatmap.summary, view.heatmap.frame, view.heatmap.name)
    st.header(t_ui("timeliness.rates_header", weeks=timeliness.RATE_WEEKS))
    st.caption(t_ui("timeliness.rates_caption", weeks=timeliness.RATE_WEEKS))
    st.dataframe(view.rates_table, hide_index=True)
    download_buttons(view.rates, "puenktlichkeit")

if available():  # a moment of the past to view, and what changed since one
    st.header(t_ui("asof.picker"))
    st.caption(t_ui("asof.picker_note"))
    stand_picker()
    st.header(t_ui("asof.changes"))
    stand_changes()


if available():
    loads = views.loads(lang)
    st.header(t_ui("meldungen.loads"))
    table_block(loads.history_table, loads.history, "ladehistorie", t_ui("meldungen.no_loads"))
    # loads confirmed despite plausibility findings (issue 23), per district, with the comment
    st.header(t_ui("plausi.meldungen.confirmed"))
    st.caption(t_ui("plausi.meldungen.confirmed_caption"))
    table_block(loads.confirmed_table, loads.confirmed, "bestaetigte_auffaelligkeiten",
                t_ui("plausi.meldungen.none_confirmed"))
