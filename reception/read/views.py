"""Pages as one view of the snapshot: everything a page shows (figures, texts, tables, charts),
composed once from :mod:`metrics`, :mod:`present` and :mod:`charts` for one data version, filter
and language, so that the web layer caches the whole view and a page only renders it.

    view = views.lage(weekly, announcements, ahead, settings, "de")

The Lage view is what the start page and the static overview ``/lagebild`` show
(:mod:`reception.read.lagebild`); both read it, so they cannot disagree. Other pages still compose
call by call (issue 22 leaves them for later).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from reception.config import Settings
from reception.read import charts, metrics, planning, present


@dataclass(frozen=True)
class Chart:
    """A chart with its "Kurz gesagt" summary and the frame its downloads offer; ``figure`` is
    shared between viewers: never modify it."""

    name: str
    figure: object
    summary: str
    frame: pd.DataFrame


@dataclass(frozen=True)
class LageView:
    """What the Lage page shows, in its order. Texts are in the view's language."""

    last_week: date
    cards: list[dict]  # present.headline_cards: label, value, delta, delta_color, ...
    estimate_banner: str | None  # districts missing the last week: the totals' estimate
    estimate_note: str | None
    capacity_cards: list[dict]  # present.capacity_cards: label, value, caption
    single_week: bool  # only one week in the range: no development to show
    development: tuple[Chart, Chart]  # arrivals against capacity, occupancy rate
    forecast_flag: str | None
    forecast: Chart
    warning: pd.DataFrame  # early warning with the forecast's outlook (empty: none)
    warning_table: pd.DataFrame | None  # present.warning_table of ``warning``
    warning_markdown: str | None  # that table as the page shows it
    places_key: str  # locale key of the places sentence
    places: dict  # its parameters (present.places_params)
    places_progress: float
    ranking: Chart  # the highest present.CHART_DISTRICTS districts
    ranking_shown: int
    ranking_total: int
    ranking_table: pd.DataFrame  # every district, for the optional grid
    settings: Settings


def lage(weekly: pd.DataFrame, announcements: pd.DataFrame, ahead: planning.Foresight,
         settings: Settings, lang: str, last_week: date) -> LageView:
    """The Lage view from the chosen range's ``weekly`` frame, the ``announcements`` from the
    last week on, the forecast of every district (``ahead``: :func:`planning.foresight` over the
    whole history, announced allocations counted) and the week of the latest report."""
    cfg = settings
    state = metrics.state_weekly(weekly, cfg)
    # the traffic light and the runway read the usable places and count the announcements
    latest = metrics.latest_by_district(weekly, cfg, announcements)
    announced = metrics.announced_ahead(announcements, last_week, ags=weekly.ags.unique())
    development = (
        Chart("land_wochen", charts.arrivals_vs_capacity(state, lang), present.summary_state(state, lang),
              state),
        Chart("land_auslastung", charts.occupancy_rate(state, cfg, lang),
              present.summary_rate(state, lang, cfg.warn_rate, cfg.limit_rate),
              present.rate_download(state)))
    forecast = Chart("land_prognose",
                     charts.forecast(state[["week", "arrivals"]].tail(26), ahead.state, lang,
                                     present.estimate_point(ahead.estimate)),
                     present.summary_forecast_bands(ahead.state, lang)
                     + present.estimate_summary(ahead.estimate, lang), ahead.state)
    warning = planning.warning_with_outlook(metrics.early_warning(latest, cfg), latest, ahead.outlook)
    banner, note = present.estimate_notes(ahead.estimate, lang)
    table = None if warning.empty else present.warning_table(warning, lang)
    places = metrics.state_places(state, cfg.state_minimum_places)
    shown = latest.head(present.CHART_DISTRICTS)  # a chart of 400 bars is neither readable nor fast
    return LageView(
        last_week=last_week,
        cards=present.headline_cards(metrics.headlines(state), lang, cfg.warn_rate, cfg.limit_rate,
                                     ahead.estimate),
        estimate_banner=banner or None,
        estimate_note=note or None,
        capacity_cards=present.capacity_cards(state, announced, lang),
        single_week=len(state) < 2,
        development=development,
        forecast_flag=present.forecast_flag(ahead.state, lang) or None,
        forecast=forecast,
        warning=warning,
        warning_table=table,
        warning_markdown=None if table is None else present.markdown_table(table),
        places_key="lage.places_text" if places["gap"] >= 0 else "lage.places_text_short",
        places=present.places_params(places, lang),
        places_progress=present.progress_value(places["share"]),
        ranking=Chart("rangfolge_auslastung", charts.ranking(shown, cfg, lang),
                      present.summary_ranking(latest, lang), latest.drop(columns=["net_intake"])),
        ranking_shown=len(shown),
        ranking_total=len(latest),
        ranking_table=present.ranking_table(latest, lang),
        settings=cfg,
    )
