"""Karte: the districts coloured by a chosen measure, by their real boundaries (the shipped BKG
file, or ``RECEPTION_GEOJSON``) or, on request, as a tile grid. Neither needs the internet. The
page renders one cached view (:func:`reception.web.views.karte`)."""

import streamlit as st

from reception.read import measures
from reception.web import views
from reception.web.ui import (
    chart_block,
    current_language,
    filters,
    land_name,
    mirror,
    require_data,
    restore,
    stand_line,
    t_ui,
)

lang = current_language()
st.title(t_ui("karte.title"))

if require_data():
    chosen = filters()
    stand_line()
    restore("map_measure", next(iter(measures.MAP)), measures.MAP)
    measure = st.radio(t_ui("karte.measure"), tuple(measures.MAP), key="map_measure", horizontal=True,
                       format_func=lambda m: measures.label(m, lang))
    mirror("map_measure")
    restore("map_view", "boundaries", ("boundaries", "tiles"))
    drawing = st.radio(t_ui("karte.view"), ("boundaries", "tiles"), key="map_view", horizontal=True,
                       format_func=lambda v: t_ui(f"karte.view_{v}"))
    mirror("map_view")
    view = views.karte(chosen.since, chosen.kinds, measure, drawing == "boundaries", lang, land_name(lang))
    if view.broken:
        st.warning(t_ui("karte.geojson_broken"))
    st.caption(t_ui(view.note_key))
    if view.missing:
        st.caption(t_ui("karte.missing", names=view.missing))
    chart_block(view.map.figure, view.map.summary, view.map.frame, view.map.name, ratio=(3, 1))
    with st.expander(t_ui("karte.table")):
        st.dataframe(view.table, hide_index=True)
