"""Verteilung: the allocation proposal for the announced arrivals of the coming week (contract
"Allocation proposal"). The rule and the sentences are :mod:`reception.read.allocation`; this
page only collects the inputs (persons, reserve, exclusions with their reasons) and shows the
answer, one cached view (:func:`reception.web.views.verteilung`)."""

import streamlit as st

from reception.read import allocation
from reception.web import views
from reception.web.ui import (
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
st.title(t_ui("verteilung.title"))
st.markdown(t_ui("verteilung.intro"))


def _exclusions(names: dict[str, str]) -> dict[str, str]:
    """The districts the user excludes, each with the reason stated (none without one)."""
    restore("alloc_excluded", [], allowed=list(names))
    chosen = st.multiselect(t_ui("verteilung.exclude"), list(names), format_func=names.get,
                            placeholder=t_ui("verteilung.choose"), key="alloc_excluded")
    mirror("alloc_excluded")
    excluded = {}
    for ags in chosen:
        reason = st.text_input(t_ui("verteilung.reason", name=names[ags]), max_chars=80,
                               value=t_ui("verteilung.default_reason"), key=f"alloc_reason_{ags}")
        if reason.strip():
            excluded[ags] = reason.strip()
        else:
            st.warning(t_ui("verteilung.reason_missing", name=names[ags]))
    return excluded


if require_data():
    stand_line()
    last_week = filters().last_week
    basis = views.verteilung_basis(last_week, lang)
    week_name = basis.week_name
    if not basis.names:
        st.info(t_ui("verteilung.no_key", week=week_name))
        st.stop()
    left, right = st.columns(2)
    persons = left.number_input(t_ui("verteilung.persons"), min_value=0,
                                max_value=allocation.MAX_PERSONS,
                                value=min(basis.announced or 0, allocation.MAX_PERSONS), step=10,
                                key=f"alloc_persons_{basis.week}")
    left.caption(t_ui("verteilung.announced", week=week_name, announced=basis.announced_text)
                 if basis.announced is not None else t_ui("verteilung.not_announced", week=week_name))
    reserve = right.number_input(t_ui("verteilung.reserve"), min_value=0.0, max_value=50.0,
                                 value=float(settings().allocation_reserve_percent), step=1.0,
                                 format="%.0f", key="alloc_reserve")
    with right:
        excluded = _exclusions(basis.names)

    view = views.verteilung(last_week, persons, reserve, excluded, lang)
    st.header(t_ui("verteilung.result", week=week_name))
    st.markdown(view.summary)
    if view.unplaced:
        st.error(t_ui("verteilung.unplaced", count=view.unplaced), icon=":material/warning:")
    else:
        st.success(t_ui("verteilung.all_placed"))
    st.markdown(view.table_markdown)
    download_buttons(view.export, f"verteilung_{basis.week}")
    st.caption(t_ui("verteilung.method_note"))
