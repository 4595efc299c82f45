"""Methodik: definitions and formulas, sources, demo data, forecast method."""

import streamlit as st

from reception import fmt
from reception.read import allocation, backtest, estimate, estimate_backtest, present
from reception.web.cache import available, data
from reception.web.signin import md as md_escape
from reception.web.ui import base_url, current_language, settings, t_ui

lang = current_language()
cfg = settings()
st.title(t_ui("methodik.title"))
st.markdown(t_ui("methodik.intro"))

st.header(t_ui("methodik.definitions"))
st.markdown(t_ui("methodik.formulas", warn=fmt.percent(cfg.warn_rate, 0, lang),
                 limit=fmt.percent(cfg.limit_rate, 0, lang), window=cfg.net_intake_window_weeks,
                 horizon=cfg.runway_horizon_weeks, minimum=fmt.number(cfg.state_minimum_places, lang=lang)))

st.subheader(t_ui("methodik.kreis_figures"))
st.markdown(t_ui("methodik.kreis_figures_text", **present.reimbursement_params(cfg, lang)))

st.subheader(t_ui("methodik.shares"))  # issue 14: usable rate and shares (Vergleich, Karte)
st.markdown(t_ui("methodik.shares_text", warn=fmt.percent(cfg.warn_rate, 0, lang),
                 limit=fmt.percent(cfg.limit_rate, 0, lang)))

st.subheader(t_ui("methodik.timeliness"))  # issue 24: deadlines, on-time rate, reminders
st.markdown(t_ui("methodik.timeliness_text",
                 deadline=present.deadline_rule(cfg.deadline, lang),
                 hours=fmt.number(cfg.escalate_after_hours, 0, lang)))

st.header(t_ui("methodik.forecast"))
st.markdown(t_ui("methodik.forecast_text", weeks=cfg.forecast_weeks))
st.markdown(present.backtest_text(backtest.stored_figures(), lang))

st.subheader(t_ui("methodik.estimate"))  # issue 25, 3: totals despite missing reports
st.markdown(present.estimate_method_text(estimate.BAND_SCALE, lang))
st.markdown(present.estimate_backtest_text(estimate_backtest.stored_figures(), lang))

st.header(t_ui("methodik.allocation"))  # issue 25: the allocation proposal and its worked example
st.markdown(t_ui("methodik.allocation_text",
                 reserve=fmt.percent_number(cfg.allocation_reserve_percent, 0, lang)))
example = allocation.worked_example()
st.markdown(allocation.example_text(example, lang))
st.markdown(present.markdown_table(allocation.display(example, lang)))

st.header(t_ui("methodik.sources"))
meta = data.reference_meta() if available() else {}
st.markdown(t_ui("methodik.population", source=meta.get("population_source", "–"),
                 date=fmt.day(meta.get("population_reference_date"), lang)))
key = data.distribution_key(present.today()) if available() else None
if key is not None and present.key_is_proportional(key):
    st.markdown(t_ui("methodik.key_proportional", date=fmt.day(meta.get("population_reference_date"), lang)))
elif key is not None and "ThürFlüVertVO" not in present.key_label(key, lang):
    st.markdown(t_ui("methodik.key_file", source=present.key_label(key, lang)))
else:
    st.markdown(t_ui("methodik.key"))
if key is not None:
    st.dataframe(present.key_table(key, data.districts(), lang), hide_index=True)

st.header(t_ui("methodik.reference"))
st.markdown(t_ui("methodik.reference_text"))

st.header(t_ui("methodik.api"))
st.markdown(t_ui("methodik.api_text", base=base_url(),
                 license=cfg.license_title))
st.markdown(t_ui("methodik.openapi", base=base_url()))

st.header(t_ui("methodik.demo"))
st.markdown(t_ui("methodik.demo_text"))

st.header(t_ui("methodik.accessibility"))
contact = md_escape(cfg.accessibility_contact) if cfg.accessibility_contact else t_ui(
    "methodik.accessibility_contact_missing")
st.markdown(t_ui("methodik.accessibility_text", contact=contact))
