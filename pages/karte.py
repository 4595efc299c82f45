"""Karte: the districts coloured by a chosen measure, as a tile grid (no internet needed) or, when
a boundary file is configured (``RECEPTION_GEOJSON``), with their real boundaries."""

import streamlit as st

from reception.i18n import t
from reception.read import charts, metrics, present
from reception.web.cache import boundaries, data, derived, figure
from reception.web.ui import (
    chart_block,
    current_language,
    filters,
    mirror,
    require_data,
    restore,
    settings,
    stand_line,
    t_ui,
)

lang = current_language()
st.title(t_ui("karte.title"))

if require_data():
    cfg, chosen = settings(), filters()
    stand_line()
    restore("map_measure", "occupancy_rate", charts.MAP_FORMATS)
    measure = st.radio(t_ui("karte.measure"), tuple(charts.MAP_FORMATS), key="map_measure", horizontal=True,
                       format_func=lambda m: t(f"measure.{m}", lang))
    mirror("map_measure")
    weekly = data.weekly(since=chosen.since, kinds=chosen.kinds)
    latest = derived(metrics.latest_by_district, weekly, cfg)
    tiles = derived(metrics.map_frame, latest, data.districts(), weekly)
    shapes, problem = boundaries()
    if problem:
        st.warning(t_ui("karte.geojson_broken"))
    if shapes:
        st.caption(t_ui("karte.note_boundaries"))
        chart = charts.boundary_map(tiles, shapes, measure, lang)  # hashing the shapes costs more
    else:
        st.caption(t_ui("karte.note"))
        chart = figure(charts.tile_map, tiles, measure, cfg, lang)
    chart_block(chart, present.summary_map(tiles, measure, lang),
                tiles.drop(columns=["grid_row", "grid_col"]), "karte", ratio=(3, 1))
    with st.expander(t_ui("karte.table")):
        st.dataframe(derived(present.map_table, tiles, lang), hide_index=True)
