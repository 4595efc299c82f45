"""Karte: the districts coloured by a chosen measure, by their real boundaries (the shipped BKG
file, or ``RECEPTION_GEOJSON``) or, on request, as a tile grid. Neither needs the internet."""

import streamlit as st

from reception.i18n import t
from reception.read import charts, metrics, present
from reception.web.cache import boundaries, data, derived, figure
from reception.web.ui import (
    chart_block,
    current_language,
    filters,
    land_name,
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
    restore("map_measure", next(iter(charts.MAP_FORMATS)), charts.MAP_FORMATS)
    measure = st.radio(t_ui("karte.measure"), tuple(charts.MAP_FORMATS), key="map_measure", horizontal=True,
                       format_func=lambda m: t(f"measure.{m}", lang))
    mirror("map_measure")
    restore("map_view", "boundaries", ("boundaries", "tiles"))
    view = st.radio(t_ui("karte.view"), ("boundaries", "tiles"), key="map_view", horizontal=True,
                    format_func=lambda v: t_ui(f"karte.view_{v}"))
    mirror("map_view")
    weekly = data.weekly(since=chosen.since, kinds=chosen.kinds)
    latest = derived(metrics.latest_by_district, weekly, cfg)
    tiles = derived(metrics.map_frame, latest, data.districts(), weekly, cfg)
    land = land_name(lang)
    drawn = boundaries(tuple(tiles.ags)) if view == "boundaries" else None
    if drawn is not None and drawn.problem:
        st.warning(t_ui("karte.geojson_broken"))
    if drawn is not None and drawn.outlines:
        st.caption(t_ui("karte.note_shipped" if drawn.shipped else "karte.note_boundaries"))
        chart = figure(charts.boundary_map, tiles, drawn.outlines, measure, lang, land=land,
                       attribution=drawn.attribution)
        missing = tiles[~tiles.ags.isin(list(drawn.outlines.shapes))]
        if len(missing):
            st.caption(t_ui("karte.missing", names=", ".join(missing.name)))
    else:
        st.caption(t_ui("karte.note"))
        chart = figure(charts.tile_map, tiles, measure, cfg, lang, land=land)
    chart_block(chart, present.summary_map(tiles, measure, lang),
                tiles.drop(columns=["grid_row", "grid_col", "lat", "lon"]), "karte", ratio=(3, 1))
    with st.expander(t_ui("karte.table")):
        st.dataframe(derived(present.map_table, tiles, lang), hide_index=True)
