"""Methodik: definitions and formulas, sources, demo data, forecast method. The computed parts
(texts with settings and measured figures, the worked example, the key in force) are one cached
view (:func:`reception.web.views.methodik`); the rest is fixed text."""

import streamlit as st

from reception.web import views
from reception.web.signin import md as md_escape
from reception.web.ui import base_url, current_language, t_ui

lang = current_language()
st.title(t_ui("methodik.title"))
view = views.methodik(lang)
st.markdown(t_ui("methodik.intro"))

st.header(t_ui("methodik.definitions"))
st.markdown(view.formulas)

st.subheader(t_ui("methodik.kreis_figures"))
st.markdown(view.kreis_figures)

st.subheader(t_ui("methodik.shares"))  # issue 14: usable rate and shares (Vergleich, Karte)
st.markdown(view.shares)

st.subheader(t_ui("methodik.timeliness"))  # issue 24: deadlines, on-time rate, reminders
st.markdown(view.timeliness)

st.header(t_ui("methodik.forecast"))
st.markdown(view.forecast)
st.markdown(view.backtest)

st.subheader(t_ui("methodik.estimate"))  # issue 25, 3: totals despite missing reports
st.markdown(view.estimate_method)
st.markdown(view.estimate_backtest)

st.header(t_ui("methodik.allocation"))  # issue 25: the allocation proposal and its worked example
st.markdown(view.allocation)
st.markdown(view.allocation_example)
st.markdown(view.allocation_table)

st.header(t_ui("methodik.sources"))
st.markdown(view.population)
st.markdown(view.key_text)
if view.key_table is not None:
    st.dataframe(view.key_table, hide_index=True)

st.header(t_ui("methodik.reference"))
st.markdown(t_ui("methodik.reference_text"))

st.header(t_ui("methodik.api"))
st.markdown(t_ui("methodik.api_text", base=base_url(), license=view.license_title))
st.markdown(t_ui("methodik.openapi", base=base_url()))

st.header(t_ui("methodik.demo"))
st.markdown(t_ui("methodik.demo_text"))

st.header(t_ui("methodik.accessibility"))
contact = md_escape(view.accessibility_contact) if view.accessibility_contact else t_ui(
    "methodik.accessibility_contact_missing")
st.markdown(t_ui("methodik.accessibility_text", contact=contact))
