"""Verteilung: the allocation proposal for the announced arrivals of the coming week (contract
"Allocation proposal"). The rule and the sentences are :mod:`reception.read.allocation`; this
page only collects the inputs (persons, reserve, exclusions with their reasons) and shows the
answer."""

import streamlit as st

from reception import fmt
from reception.read import allocation, present
from reception.web.cache import data, derived
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
    week = allocation.week_after(filters().last_week)
    week_name = fmt.iso_week(week, lang)
    inputs = data.allocation_inputs(week.date())
    if inputs.empty:
        st.info(t_ui("verteilung.no_key", week=week_name))
        st.stop()
    announced = data.announced_in(week.date())
    left, right = st.columns(2)
    persons = left.number_input(t_ui("verteilung.persons"), min_value=0,
                                max_value=allocation.MAX_PERSONS,
                                value=min(announced or 0, allocation.MAX_PERSONS), step=10,
                                key=f"alloc_persons_{week.date()}")
    left.caption(t_ui("verteilung.announced", week=week_name, announced=fmt.number(announced, lang=lang))
                 if announced is not None else t_ui("verteilung.not_announced", week=week_name))
    reserve = right.number_input(t_ui("verteilung.reserve"), min_value=0.0, max_value=50.0,
                                 value=float(settings().allocation_reserve_percent), step=1.0,
                                 format="%.0f", key="alloc_reserve")
    with right:
        excluded = _exclusions(dict(zip(inputs.ags, inputs.name)))

    result = derived(allocation.proposal, inputs, int(persons), week, reserve, excluded, lang)
    st.header(t_ui("verteilung.result", week=week_name))
    st.markdown(allocation.summary(result, lang))
    if result.unplaced:
        st.error(t_ui("verteilung.unplaced", count=fmt.number(result.unplaced, lang=lang)),
                 icon=":material/warning:")
    else:
        st.success(t_ui("verteilung.all_placed"))
    st.markdown(present.markdown_table(allocation.display(result, lang)))
    download_buttons(allocation.export_frame(result, lang), f"verteilung_{week.date()}")
    st.caption(t_ui("verteilung.method_note"))
