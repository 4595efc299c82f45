"""Planung: scenarios of occupancy for a district or the state and the needs calculation. The
inputs live in the URL (``?einheit=16051&wochen=12&reserve=10&bedarf=2025-W10&szenarien=...``),
so a link reproduces the scenarios. The calculation is :mod:`reception.read.planning`."""

import streamlit as st

from reception import fmt, isoweek
from reception.read import charts, planning, present
from reception.web.cache import data, derived, figure, from_weekly
from reception.web.ui import (
    chart_block,
    current_language,
    download_buttons,
    require_data,
    settings,
    stand_line,
    t_ui,
)

lang = current_language()
st.title(t_ui("planung.title"))
st.markdown(t_ui("planung.intro"))
MODES = planning.MODES


def _param(name: str, default: str) -> str:
    value = st.query_params.get(name)
    return value if value else default


def _number(name: str, default: float, low: float, high: float) -> float:
    try:
        value = float(_param(name, str(default)))
    except ValueError:
        return default
    return min(max(value, low), high)


def _scenario_inputs(index: int, base: planning.Scenario, weeks: list[str]) -> planning.Scenario:
    """The widgets of one scenario, started from ``base`` (from the URL or the defaults)."""
    key = f"plan{index}"
    opening = next(((w, d) for w, d in base.changes if d > 0 and w in weeks), (weeks[0], 0))
    closing = next(((w, -d) for w, d in base.changes if d < 0 and w in weeks), (weeks[-1], 0))
    defaults = {"name": base.name, "mode": base.mode, "value": float(base.value),
                "extra": float(base.extra_moves), "open": int(opening[1]), "open_week": opening[0],
                "close": int(closing[1]), "close_week": closing[0]}
    for field, value in defaults.items():
        st.session_state.setdefault(f"{key}_{field}", value)
    for field, choices in (("open_week", weeks), ("close_week", weeks)):
        if st.session_state[f"{key}_{field}"] not in choices:
            st.session_state[f"{key}_{field}"] = choices[0]
    name = st.text_input(t_ui("planung.name"), key=f"{key}_name", max_chars=40)
    mode = st.radio(t_ui("planung.mode"), MODES, key=f"{key}_mode",
                    format_func=lambda m: t_ui(f"planung.mode_{m}"))
    value = st.number_input(t_ui(f"planung.value_{mode}"), key=f"{key}_value", step=5.0,
                            min_value=-100.0 if mode == "percent" else 0.0, disabled=mode == "forecast",
                            format="%.0f")
    extra = st.number_input(t_ui("planung.extra"), key=f"{key}_extra", min_value=0.0, step=5.0,
                            format="%.0f", help=t_ui("planung.extra_help"))
    left, right = st.columns(2)
    opened = left.number_input(t_ui("planung.open"), key=f"{key}_open", min_value=0, step=10)
    open_week = right.selectbox(t_ui("planung.from_week"), weeks, key=f"{key}_open_week",
                                format_func=lambda w: fmt.iso_week(w, lang))
    left, right = st.columns(2)
    closed = left.number_input(t_ui("planung.close"), key=f"{key}_close", min_value=0, step=10)
    close_week = right.selectbox(t_ui("planung.from_week"), weeks, key=f"{key}_close_week",
                                 format_func=lambda w: fmt.iso_week(w, lang))
    changes = tuple(c for c in ((open_week, int(opened)), (close_week, -int(closed))) if c[1])
    return planning.Scenario(name.strip() or f"Szenario {index + 1}", mode,
                             0.0 if mode == "forecast" else float(value), float(extra), changes)


if require_data():
    cfg = settings()
    stand_line()
    districts = data.districts()
    names = {planning.STATE: t_ui("planung.state")} | dict(zip(districts.ags, districts.name))

    top = st.columns(4)
    unit = _param("einheit", planning.STATE)
    unit = unit if unit in names else planning.STATE
    unit = top[0].selectbox(t_ui("planung.unit"), list(names), index=list(names).index(unit),
                            format_func=names.get, key="plan_unit")
    horizon = int(top[1].slider(t_ui("planung.horizon"), 4, 26, int(_number("wochen", 12, 4, 26)),
                                key="plan_horizon"))
    reserve = top[2].number_input(t_ui("planung.reserve"), 0.0, 50.0, _number("reserve", 10, 0, 50),
                                  step=1.0, format="%.0f", key="plan_reserve") / 100.0

    ahead = from_weekly(planning.foresight, horizon, cfg.net_intake_window_weeks, cfg.limit_rate,
                        announced=True)
    table, per_district = ahead.starts, ahead.districts
    prediction = (ahead.state if unit == planning.STATE
                  else per_district[per_district.ags == unit].reset_index(drop=True))
    start = planning.unit_start(table, unit)
    if start is None or prediction.empty:
        st.info(t_ui("planung.no_data", name=names[unit]))
        st.stop()

    weeks = [isoweek.name(w) for w in prediction.week]
    needs_week = _param("bedarf", weeks[-1])
    needs_week = top[3].selectbox(t_ui("planung.needs_week"), weeks,
                                  index=weeks.index(needs_week) if needs_week in weeks else len(weeks) - 1,
                                  format_func=lambda w: fmt.iso_week(w, lang),
                                  key="plan_needs_week")

    stored = planning.decode(st.query_params.get("szenarien")) or planning.default_scenarios(start.week)
    count = st.radio(t_ui("planung.count"), (1, 2, 3), index=len(stored) - 1, horizontal=True,
                     key="plan_count")
    stored = (stored + planning.default_scenarios(start.week))[:count]
    scenarios = []
    for index, (column, base) in enumerate(zip(st.columns(count), stored)):
        with column, st.container(border=True):
            st.markdown(f"**{t_ui('planung.scenario', number=index + 1)}**")
            scenarios.append(_scenario_inputs(index, base, weeks))

    # the URL carries every input: a link reproduces the page
    st.query_params.update({"einheit": unit, "wochen": str(horizon), "reserve": f"{reserve * 100:g}",
                            "bedarf": needs_week, "szenarien": planning.encode(scenarios)})

    outcomes = derived(planning.run_scenarios, start, prediction, tuple(scenarios),
                       isoweek.parse(needs_week), reserve, cfg.warn_rate, cfg.limit_rate)
    st.header(t_ui("planung.result", name=names[unit]))
    st.caption(t_ui("planung.start", week=fmt.iso_week(start.week, lang),
                    occupied=fmt.number(start.occupied, lang=lang),
                    places=fmt.number(start.capacity, lang=lang),
                    moves=fmt.number(start.moves_out, 1, lang), window=cfg.net_intake_window_weeks))
    banner = present.estimate_banner(ahead.estimate, lang) if unit == planning.STATE else None
    if banner:  # districts that have not reported the start week: say so
        st.warning(banner + " " + (present.estimate_planung(ahead.estimate, lang) or ""))
    flag = present.forecast_flag(prediction, lang)
    if flag:
        st.warning(flag)
    summary = "\n\n".join(present.summary_scenario(o, lang, cfg.warn_rate, cfg.limit_rate, reserve)
                          for o in outcomes)
    chart_block(figure(charts.planning, [(o.scenario.name, o.path) for o in outcomes], cfg, lang),
                summary, present.scenario_table(outcomes, lang), f"planung_{unit}", ratio=(3, 2))
    with st.expander(t_ui("planung.weeks_table")):
        st.dataframe(present.scenario_table(outcomes, lang), hide_index=True)

    st.header(t_ui("planung.needs", week=fmt.iso_week(needs_week, lang)))
    chosen = st.selectbox(t_ui("planung.needs_scenario"), range(len(scenarios)),
                          format_func=lambda i: scenarios[i].name, key="plan_needs_scenario")
    st.markdown(t_ui("planung.needs_text", reserve=fmt.percent(reserve, 0, lang),
                     limit=fmt.percent(cfg.limit_rate, 0, lang)))
    needs = derived(planning.needs_table, table, per_district, scenarios[chosen],
                    isoweek.parse(needs_week), reserve, cfg.limit_rate)
    short = int((needs.additional > 0).sum())
    st.markdown(t_ui("planung.needs_summary", short=short, total=len(needs),
                     places=fmt.number(needs.additional.sum(), lang=lang),
                     upper=fmt.number(needs.additional_upper.sum(), lang=lang)))
    st.dataframe(present.needs_display(needs, lang), hide_index=True)
    download_buttons(needs, f"bedarf_{needs_week}")
    st.caption(t_ui("planung.method_note"))
