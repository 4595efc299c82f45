"""Pages as one view of the snapshot: everything a page shows (figures, texts, tables, charts),
composed once from :mod:`metrics`, :mod:`present` and :mod:`charts` for one data version, filter
and language, so that the web layer caches the whole view and a page only renders it.

    view = views.lage(weekly, announcements, ahead, settings, "de")

The Lage view is what the start page and the static overview ``/lagebild`` show
(:mod:`reception.read.lagebild`); both read it, so they cannot disagree. Every other page has its
view here too (:func:`kreis`, ...): the page itself is a title, filters and rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from reception import fmt, isoweek
from reception.config import Settings
from reception.i18n import t
from reception.read import allocation, charts, estimate, measures, metrics, planning, present, timeliness


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


def _card(label: str, value: str, caption: str = "") -> dict:
    return {"label": label, "value": value, "caption": caption}


@dataclass(frozen=True)
class KreisView:
    """What the Kreis page shows for one district, in its order; a part the district did not
    report is None (the page says so). Texts are in the view's language."""

    name: str
    week: str  # the latest week, as text
    reported: bool  # False: the district did not report the latest week
    last_reported: str
    now_cards: list[dict]  # label, value, caption: the traffic light, places, runway
    part_cards: list[dict]  # present.district_cards
    development: tuple[Chart, Chart]
    places_by_type: Chart | None
    usable: Chart | None
    entitled: Chart | None
    announcements_sum: str
    announcements_markdown: str | None
    reimbursement: dict  # present.reimbursement_text: value, caption
    facilities_week: str | None
    facilities: Chart | None
    facilities_table: pd.DataFrame | None
    quota_note: dict  # the parameters of kreis.quota_note
    quota_cards: list[dict]
    quota: Chart
    forecast_flag: str | None
    forecast: Chart
    outlook: str | None  # "voraussichtlich in KW … an der Grenze"
    all_weeks: pd.DataFrame


@dataclass(frozen=True)
class KreisFrames:
    """The snapshot's frames the Kreis view reads, of one district unless said otherwise."""

    weekly: pd.DataFrame  # of the chosen range
    history: pd.DataFrame  # every week
    announcements: pd.DataFrame
    places_by_type: pd.DataFrame
    facilities: pd.DataFrame
    arrivals: pd.DataFrame  # every district's arrivals since 1 January (queries.arrivals_between)
    key: pd.DataFrame  # the distribution key in force
    land_code: str | None


def district_has_figures(weekly: pd.DataFrame, ags: str) -> bool:
    """Whether ``ags`` reported any week of ``weekly`` (else the Kreis page says so)."""
    return bool(metrics.district_series(weekly, ags).reported.any())


def kreis(frames: KreisFrames, ags: str, name: str, ahead: planning.Foresight, settings: Settings,
          lang: str, since: date | None, last_week: date) -> KreisView:
    """The Kreis view of district ``ags`` (which reported a week of ``frames.weekly``: see
    :func:`district_has_figures`); ``ahead`` is :func:`planning.foresight` of every district with
    the announced allocations counted, the one forecast Lage's early warning reads too."""
    cfg = settings
    series = metrics.district_series(frames.weekly, ags)
    announced = frames.announcements[frames.announcements.week >= series.week.max()]
    # as on Lage: the traffic light reads usable places, the runway counts the announcements
    latest = metrics.latest_by_district(series, cfg, announced).iloc[0]
    now, usable, backlog = metrics.district_parts(series)
    ahead_sum = metrics.announced_ahead(announced, latest.week)
    by_type, other = metrics.places_overview(frames.places_by_type, since)
    newest = metrics.latest_facilities(frames.facilities)
    coming = metrics.announcements_after(announced, latest.week)
    week = fmt.iso_week(latest.week, lang)
    prediction, outlook = planning.foresight_of(ahead, ags)
    return KreisView(
        name=name, week=week, reported=bool(latest.reported),
        last_reported=fmt.iso_week(latest.last_reported, lang),
        now_cards=[
            _card(t("tab.usable_rate", lang), present.traffic_rate(latest, lang),
                  present.traffic_caption(latest, lang)),
            _card(t("headline.free_places", lang), fmt.number(latest.free_places, lang=lang)),
            _card(t("headline.capacity", lang), fmt.number(latest.capacity, lang=lang)),
            _card(t("headline.occupied", lang), fmt.number(latest.occupied, lang=lang)),
            _card(t("kreis.runway", lang), fmt.weeks(latest.runway_weeks, lang),
                  present.runway_caption(latest, cfg.net_intake_window_weeks, lang))],
        part_cards=present.district_cards(now, ahead_sum, lang),
        development=(
            Chart(f"kreis_{ags}_wochen", charts.arrivals_vs_capacity(series, lang),
                  present.summary_district(series, name, lang), series),
            Chart(f"kreis_{ags}_auslastung", charts.occupancy_rate(series, cfg, lang),
                  present.summary_rate(series, lang, cfg.warn_rate, cfg.limit_rate),
                  series[["week", "occupancy_rate"]])),
        places_by_type=None if by_type.empty else Chart(
            f"kreis_{ags}_unterkunftsarten", charts.places_by_type(by_type, lang),
            present.summary_places_by_type(by_type, other, lang),
            present.places_by_type_table(by_type, lang)),
        usable=None if usable.capacity_unusable.isna().all() else Chart(
            f"kreis_{ags}_belegbar", charts.usable_places(usable, lang),
            present.summary_usable(usable, lang), usable),
        entitled=None if backlog.occupied_entitled.isna().all() else Chart(
            f"kreis_{ags}_auszugsstau", charts.entitled(backlog, lang),
            present.summary_entitled(backlog, lang), backlog),
        announcements_sum=fmt.number(ahead_sum, lang=lang),
        announcements_markdown=None if coming.empty else present.markdown_table(
            present.announcements_table(coming, lang)),
        reimbursement=present.reimbursement_text(
            metrics.reimbursement(now["usable"], latest.kind, latest.week, cfg, frames.land_code),
            cfg, lang),
        facilities_week=None if newest.empty else fmt.iso_week(newest.week.iloc[0], lang),
        facilities=None if newest.empty else Chart(
            f"kreis_{ags}_unterkuenfte", charts.facilities(newest, lang),
            present.summary_facilities(newest, lang), newest),
        facilities_table=None if newest.empty else present.facilities_table(newest, lang),
        **_kreis_quota(frames, ags, lang, last_week),
        forecast_flag=present.forecast_flag(prediction, lang) or None,
        forecast=Chart(f"kreis_{ags}_prognose",
                       charts.forecast(frames.history[["week", "arrivals"]].tail(26), prediction, lang),
                       present.summary_forecast_bands(prediction, lang), prediction),
        outlook=present.outlook_text(next(outlook.itertuples(index=False)), lang) if len(outlook) else None,
        all_weeks=series,
    )


def _kreis_quota(frames: KreisFrames, ags: str, lang: str, last_week: date) -> dict:
    """The quota part of the Kreis view: the district's target against its arrivals since 1 January."""
    since = isoweek.year_start(last_week)
    quota = metrics.quota(frames.arrivals, frames.key)
    row = quota[quota.ags == ags].iloc[0]
    return {
        "quota_note": {"since": fmt.iso_week(since, lang), "until": fmt.iso_week(last_week, lang),
                       "key": present.key_label(frames.key, lang)},
        "quota_cards": [
            _card(t("kreis.soll", lang), fmt.number(row.soll, lang=lang)),
            _card(t("kreis.ist", lang), fmt.number(row.ist, lang=lang)),
            _card(t("kreis.fulfilment", lang), fmt.percent_number(row.fulfilment_percent, 1, lang)),
            _card(t("kreis.key_share", lang), fmt.percent_number(row.share_percent, 1, lang)),
            _card(t("kreis.population_share", lang),
                  fmt.percent_number(row.population_share_percent, 1, lang))],
        "quota": Chart("erfuellungsquote", charts.quota(quota, ags, lang),
                       present.summary_quota(row, lang) + "\n\n" + present.summary_quota_all(quota, lang),
                       quota),
    }


@dataclass(frozen=True)
class PlanungBasis:
    """What the Planung page's inputs need of one unit (a district or the state) and horizon:
    where the scenarios start, the weeks they can name, and the notes above the result.
    ``start`` None: the unit has no figures to plan from."""

    start: planning.Start | None
    weeks: list[str]  # ISO weeks of the forecast ("2025-W10"), oldest first
    week_labels: dict[str, str]  # those weeks as the page shows them ("KW 10/2025")
    default_scenarios: tuple[planning.Scenario, ...]
    start_note: dict  # the parameters of planung.start
    estimate_warning: str | None  # state: districts that have not reported the start week
    forecast_flag: str | None


def planung_basis(ahead: planning.Foresight, unit: str, settings: Settings, lang: str) -> PlanungBasis:
    """The :class:`PlanungBasis` of ``unit`` (``planning.STATE`` or a district key) from
    :func:`planning.foresight` over the chosen horizon, the announced allocations counted."""
    prediction = _unit_prediction(ahead, unit)
    start = planning.unit_start(ahead.starts, unit)
    if start is None or prediction.empty:
        return PlanungBasis(None, [], {}, (), {}, None, None)
    weeks = [isoweek.name(w) for w in prediction.week]
    banner = present.estimate_banner(ahead.estimate, lang) if unit == planning.STATE else None
    return PlanungBasis(
        start=start, weeks=weeks,
        week_labels={w: isoweek.label(w, lang) for w in weeks},
        default_scenarios=planning.default_scenarios(start.week, lang),
        start_note={"week": fmt.iso_week(start.week, lang), "occupied": fmt.number(start.occupied, lang=lang),
                    "places": fmt.number(start.capacity, lang=lang),
                    "moves": fmt.number(start.moves_out, 1, lang),
                    "window": settings.net_intake_window_weeks},
        estimate_warning=(banner + " " + (present.estimate_planung(ahead.estimate, lang) or ""))
        if banner else None,
        forecast_flag=present.forecast_flag(prediction, lang) or None)


def _unit_prediction(ahead: planning.Foresight, unit: str) -> pd.DataFrame:
    if unit == planning.STATE:
        return ahead.state
    return ahead.districts[ahead.districts.ags == unit].reset_index(drop=True)


@dataclass(frozen=True)
class Needs:
    """The needs calculation of every district under one scenario."""

    summary: dict  # the parameters of planung.needs_summary
    table: pd.DataFrame  # present.needs_display
    frame: pd.DataFrame  # for the downloads


@dataclass(frozen=True)
class PlanungView:
    """The Planung page's result for the chosen scenarios: their chart and weeks, and the needs
    calculation under each scenario (the page shows the one chosen)."""

    scenarios: Chart
    weeks_table: pd.DataFrame
    needs_week: str  # as text
    needs_text: dict  # the parameters of planung.needs_text
    needs: tuple[Needs, ...]  # one per scenario, in their order


def planung(ahead: planning.Foresight, basis: PlanungBasis, unit: str,
            scenarios: tuple[planning.Scenario, ...], needs_week: str, reserve: float,
            settings: Settings, lang: str) -> PlanungView:
    """The scenarios of ``unit`` projected from ``basis.start`` with ``ahead``'s forecast and the
    places needed in ``needs_week`` (ISO week) with ``reserve`` (a share) under each."""
    cfg, monday = settings, pd.Timestamp(isoweek.parse(needs_week))
    outcomes = planning.run_scenarios(basis.start, _unit_prediction(ahead, unit), scenarios, monday,
                                      reserve, cfg.warn_rate, cfg.limit_rate)
    summary = "\n\n".join(present.summary_scenario(o, lang, cfg.warn_rate, cfg.limit_rate, reserve)
                          for o in outcomes)
    table = present.scenario_table(outcomes, lang)
    return PlanungView(
        scenarios=Chart(f"planung_{unit}",
                        charts.planning([(o.scenario.name, o.path) for o in outcomes], cfg, lang),
                        summary, table),
        weeks_table=table,
        needs_week=fmt.iso_week(monday, lang),
        needs_text={"reserve": fmt.percent(reserve, 0, lang), "limit": fmt.percent(cfg.limit_rate, 0, lang)},
        needs=tuple(_needs(ahead, scenario, monday, reserve, cfg, lang) for scenario in scenarios))


def _needs(ahead: planning.Foresight, scenario: planning.Scenario, monday, reserve: float,
           settings: Settings, lang: str) -> Needs:
    needs = planning.needs_table(ahead.starts, ahead.districts, scenario, monday, reserve,
                                 settings.limit_rate)
    return Needs(summary={"short": int((needs.additional > 0).sum()), "total": len(needs),
                          "places": fmt.number(needs.additional.sum(), lang=lang),
                          "upper": fmt.number(needs.additional_upper.sum(), lang=lang)},
                 table=present.needs_display(needs, lang), frame=needs)


@dataclass(frozen=True)
class VergleichView:
    """What the Vergleich page shows for the chosen districts and measure."""

    comparison: Chart
    table: pd.DataFrame  # present.comparison_table of the latest week
    latest: pd.DataFrame  # its figures, for the downloads


def vergleich(weekly: pd.DataFrame, measure: str, per_1000: bool, settings: Settings,
              lang: str) -> VergleichView:
    """The chosen districts' ``weekly`` figures compared by ``measure`` (a ratio never per 1,000)."""
    long = metrics.comparison(weekly, measure, per_1000)
    latest = metrics.latest_comparison(weekly)
    return VergleichView(
        comparison=Chart("vergleich", charts.comparison(long, measure, per_1000, lang, settings),
                         present.summary_comparison(long, lang, measure, per_1000), long),
        table=present.comparison_table(latest, lang, ratios_first=measures.is_ratio(measure)),
        latest=latest)


@dataclass(frozen=True)
class KarteView:
    """What the Karte page shows: the map by the districts' boundaries (or tiles where there
    are none) and its table."""

    broken: bool  # the configured boundary file could not be used
    note_key: str  # locale key of the caption saying what is drawn
    missing: str | None  # the districts the boundaries lack, by name
    map: Chart
    table: pd.DataFrame


def karte(weekly: pd.DataFrame, districts: pd.DataFrame, measure: str, settings: Settings, lang: str,
          land: str, outlines=None, shipped: bool = True, attribution: str = "",
          broken: bool = False) -> KarteView:
    """The map of ``measure`` for the districts of ``weekly``: by ``outlines``
    (:class:`reception.reference.geo.Outlines` of the boundary file, shipped or not), or as a
    tile grid when they are None."""
    latest = metrics.latest_by_district(weekly, settings)
    tiles = metrics.map_frame(latest, districts, weekly, settings)
    if outlines:
        figure = charts.boundary_map(tiles, outlines, measure, lang, land=land, attribution=attribution)
        missing = tiles[~tiles.ags.isin(list(outlines.shapes))]
        note, names = ("karte.note_shipped" if shipped else "karte.note_boundaries",
                       ", ".join(missing.name) or None)
    else:
        figure, note, names = charts.tile_map(tiles, measure, settings, lang, land=land), "karte.note", None
    return KarteView(broken=broken, note_key=note, missing=names,
                     map=Chart("karte", figure, present.summary_map(tiles, measure, lang),
                               tiles.drop(columns=["grid_row", "grid_col", "lat", "lon"])),
                     table=present.map_table(tiles, lang))



@dataclass(frozen=True)
class MeldungenView:
    """What the Meldungen page shows of the reports: the week now due, who is missing, the
    timeliness of every district (heatmap and rates)."""

    due_line: str
    deadline_rule: str
    missing_week: str
    missing_table: pd.DataFrame | None  # None: nobody is missing
    missing: pd.DataFrame
    matrix_recent: int | None  # weeks the heatmap shows where it cannot show all
    heatmap: Chart
    rates_table: pd.DataFrame
    rates: pd.DataFrame
    demo: bool  # the snapshot holds demo data: its timeliness is made up too


def meldungen(status: pd.DataFrame, weekly: pd.DataFrame, settings: Settings, lang: str,
              since: date | None, last_week: date, demo: bool = False) -> MeldungenView:
    """The Meldungen view from the reporting ``status`` (queries.reporting_status at a minute)
    and the chosen range's ``weekly`` figures."""
    missing = metrics.missing_latest(weekly)
    rates = timeliness.rate_table(status)
    matrix = timeliness.matrix(status, since)
    recent = matrix.iloc[:, -present.MATRIX_WEEKS:]  # the heatmap shows what fits; the download all
    return MeldungenView(
        due_line=present.due_line(status, lang),
        deadline_rule=present.deadline_rule(settings.deadline, lang),
        missing_week=fmt.iso_week(last_week, lang),
        missing_table=None if missing.empty else present.missing_table(missing, lang),
        missing=missing,
        matrix_recent=recent.shape[1] if recent.shape[1] < matrix.shape[1] else None,
        heatmap=Chart("meldematrix", charts.timeliness_heatmap(recent, lang),
                      present.summary_timeliness(status, rates, lang), matrix.reset_index()),
        rates_table=present.rates_table(rates, lang),
        rates=rates,
        demo=demo)


@dataclass(frozen=True)
class LoadsView:
    """What the Meldungen page shows of the loads: the load history and the loads confirmed
    despite plausibility findings (issue 23), each as its table and as the frame downloaded."""

    history_table: pd.DataFrame | None  # present.loads_table; None: nothing loaded yet
    history: pd.DataFrame  # queries.loads
    confirmed_table: pd.DataFrame | None  # present.confirmed_table; None: none confirmed
    confirmed: pd.DataFrame  # queries.confirmed_loads


def loads(history: pd.DataFrame, confirmed: pd.DataFrame, lang: str) -> LoadsView:
    """The :class:`LoadsView` of ``history`` (queries.loads) and ``confirmed``
    (queries.confirmed_loads); a presenter never sees an empty frame."""
    return LoadsView(
        history_table=None if history.empty else present.loads_table(history, lang), history=history,
        confirmed_table=None if confirmed.empty else present.confirmed_table(confirmed, lang),
        confirmed=confirmed)


@dataclass(frozen=True)
class MethodikView:
    """What the Methodik page computes: the texts that carry settings, measured figures or the
    reference's sources, the allocation's worked example and the key in force (the rest of the
    page is fixed text from the locale files)."""

    formulas: str
    kreis_figures: str
    shares: str
    timeliness: str
    forecast: str
    backtest: str  # the forecast band's measured coverage (``make backtest``)
    estimate_method: str
    estimate_backtest: str  # the estimate band's measured coverage (``make backtest-estimate``)
    allocation: str
    allocation_example: str
    allocation_table: str  # markdown
    population: str
    key_text: str  # which key is in force
    key_table: pd.DataFrame | None  # None: no snapshot, no key
    license_title: str
    accessibility_contact: str | None  # escaped by the page (it is markdown); None: not set


# a regulation's name in a key's source: the key of the Land's own regulation is said as such
REGULATION = "ThürFlüVertVO"


def methodik(settings: Settings, lang: str, backtest_figures: dict, estimate_figures: dict,
             meta: dict, key: pd.DataFrame | None, districts: pd.DataFrame | None) -> MethodikView:
    """The :class:`MethodikView` from the ``settings``, the stored back-test figures, the
    reference's ``meta`` and the distribution ``key`` in force with the ``districts`` (both None
    without a snapshot)."""
    warn, limit = fmt.percent(settings.warn_rate, 0, lang), fmt.percent(settings.limit_rate, 0, lang)
    population_date = fmt.day(meta.get("population_reference_date"), lang)
    if key is not None and present.key_is_proportional(key):
        key_text = t("methodik.key_proportional", lang, date=population_date)
    elif key is not None and REGULATION not in present.key_label(key, lang):
        key_text = t("methodik.key_file", lang, source=present.key_label(key, lang))
    else:
        key_text = t("methodik.key", lang)
    example = allocation.worked_example()
    return MethodikView(
        formulas=t("methodik.formulas", lang, warn=warn, limit=limit,
                   window=settings.net_intake_window_weeks, horizon=settings.runway_horizon_weeks,
                   minimum=fmt.number(settings.state_minimum_places, lang=lang)),
        kreis_figures=t("methodik.kreis_figures_text", lang, **present.reimbursement_params(settings, lang)),
        shares=t("methodik.shares_text", lang, warn=warn, limit=limit),
        timeliness=t("methodik.timeliness_text", lang,
                     deadline=present.deadline_rule(settings.deadline, lang),
                     hours=fmt.number(settings.escalate_after_hours, 0, lang)),
        forecast=t("methodik.forecast_text", lang, weeks=settings.forecast_weeks),
        backtest=present.backtest_text(backtest_figures, lang),
        estimate_method=present.estimate_method_text(estimate.BAND_SCALE, lang),
        estimate_backtest=present.estimate_backtest_text(estimate_figures, lang),
        allocation=t("methodik.allocation_text", lang,
                     reserve=fmt.percent_number(settings.allocation_reserve_percent, 0, lang)),
        allocation_example=allocation.example_text(example, lang),
        allocation_table=present.markdown_table(allocation.display(example, lang)),
        population=t("methodik.population", lang, source=meta.get("population_source", "–"),
                     date=population_date),
        key_text=key_text,
        key_table=None if key is None else present.key_table(key, districts, lang),
        license_title=settings.license_title,
        accessibility_contact=settings.accessibility_contact or None)


@dataclass(frozen=True)
class VerteilungBasis:
    """What the Verteilung page's inputs need: the week to allocate, its districts (those of the
    key in force) and the persons announced for it."""

    week: date  # its Monday
    week_name: str
    names: dict[str, str]  # the districts of the key, by key; empty: no key in force
    announced: int | None  # None: nothing announced
    announced_text: str
    inputs: pd.DataFrame  # queries.allocation_inputs


def verteilung_basis(inputs: pd.DataFrame, announced: int | None, week, lang: str) -> VerteilungBasis:
    """The :class:`VerteilungBasis` of ``week`` (allocation.week_after the latest week)."""
    return VerteilungBasis(week=pd.Timestamp(week).date(), week_name=fmt.iso_week(week, lang),
                           names=dict(zip(inputs.ags, inputs.name)), announced=announced,
                           announced_text=fmt.number(announced, lang=lang) if announced is not None else "",
                           inputs=inputs)


@dataclass(frozen=True)
class VerteilungView:
    """The allocation proposal as the Verteilung page shows it."""

    summary: str
    unplaced: str | None  # the persons that cannot be placed, as text (None: all placed)
    table_markdown: str
    export: pd.DataFrame


def verteilung(basis: VerteilungBasis, persons: int, reserve_percent: float, excluded: dict[str, str],
               lang: str) -> VerteilungView:
    """The proposal for ``persons`` of ``basis.week`` with the reserve and the ``excluded``
    districts (key -> reason)."""
    result = allocation.proposal(basis.inputs, int(persons), pd.Timestamp(basis.week), reserve_percent,
                                 excluded, lang)
    return VerteilungView(
        summary=allocation.summary(result, lang),
        unplaced=fmt.number(result.unplaced, lang=lang) if result.unplaced else None,
        table_markdown=present.markdown_table(allocation.display(result, lang)),
        export=allocation.export_frame(result, lang))


@dataclass(frozen=True)
class ChangesView:
    """"Was hat sich seit … geändert" (Meldungen): the figures changed between two moments."""

    count: str  # changed figures, as text
    weeks: str  # district-weeks they belong to, as text
    table: pd.DataFrame  # present.changes_table
    frame: pd.DataFrame  # changes.between, for the downloads


def changes(frame: pd.DataFrame, lang: str) -> ChangesView:
    """The view of ``frame`` (:func:`reception.read.changes.between`)."""
    return ChangesView(count=fmt.number(len(frame), lang=lang),
                       weeks=fmt.number(len(frame[["ags", "week"]].drop_duplicates()), lang=lang),
                       table=present.changes_table(frame, lang), frame=frame)
