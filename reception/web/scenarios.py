"""Planung's scenario inputs: the widgets of one scenario, started from the link's scenario or
the defaults (:mod:`reception.read.planning` calculates; this module only asks)."""

from __future__ import annotations

import streamlit as st

from reception.read import planning
from reception.web.ui import current_language, t_ui


def _defaults(base: planning.Scenario, weeks: list[str]) -> dict:
    opening = next(((w, d) for w, d in base.changes if d > 0 and w in weeks), (weeks[0], 0))
    closing = next(((w, -d) for w, d in base.changes if d < 0 and w in weeks), (weeks[-1], 0))
    return {"name": base.name, "mode": base.mode, "value": float(base.value),
            "extra": float(base.extra_moves), "open": int(opening[1]), "open_week": opening[0],
            "close": int(closing[1]), "close_week": closing[0]}


def scenario_inputs(index: int, base: planning.Scenario, week_labels: dict[str, str]) -> planning.Scenario:
    """The widgets of scenario ``index``, started from ``base``; ``week_labels`` are the weeks a
    place change can start in (ISO week -> as shown)."""
    key, weeks = f"plan{index}", list(week_labels)
    for field, value in _defaults(base, weeks).items():
        st.session_state.setdefault(f"{key}_{field}", value)
    st.session_state[f"{key}_name"] = planning.named_in(st.session_state[f"{key}_name"], current_language())
    for field in ("open_week", "close_week"):
        if st.session_state[f"{key}_{field}"] not in weeks:
            st.session_state[f"{key}_{field}"] = weeks[0]
    name = st.text_input(t_ui("planung.name"), key=f"{key}_name", max_chars=40)
    mode = st.radio(t_ui("planung.mode"), planning.MODES, key=f"{key}_mode",
                    format_func=lambda m: t_ui(f"planung.mode_{m}"))
    value = st.number_input(t_ui(f"planung.value_{mode}"), key=f"{key}_value", step=5.0,
                            min_value=-100.0 if mode == "percent" else 0.0, disabled=mode == "forecast",
                            format="%.0f")
    extra = st.number_input(t_ui("planung.extra"), key=f"{key}_extra", min_value=0.0, step=5.0,
                            format="%.0f", help=t_ui("planung.extra_help"))
    changes = tuple(change for change in (_change(key, "open", weeks, week_labels, 1),
                                          _change(key, "close", weeks, week_labels, -1)) if change[1])
    return planning.Scenario(name.strip() or t_ui("planning.scenario_n", n=index + 1), mode,
                             0.0 if mode == "forecast" else float(value), float(extra), changes)


def _change(key: str, kind: str, weeks: list[str], week_labels: dict[str, str],
            sign: int) -> tuple[str, int]:
    """One place change: how many places open (close) from which week."""
    left, right = st.columns(2)
    places = left.number_input(t_ui(f"planung.{kind}"), key=f"{key}_{kind}", min_value=0, step=10)
    week = right.selectbox(t_ui("planung.from_week"), weeks, key=f"{key}_{kind}_week",
                           format_func=week_labels.get)
    return week, sign * int(places)
