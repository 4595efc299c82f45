"""Page views cached whole (issue 22): :mod:`reception.read.views` built once per data version,
filter and language, and shared by every session, so a viewer's run only renders it.

The key is the snapshot's version and path (:func:`reception.web.cache.version`, as every cached
query): a new load, a past snapshot or another derived snapshot is another key, never a stale
view. Figures inside are :class:`FrozenFigure`: plotly's ``to_dict`` deep-copies a figure every
time ``st.plotly_chart`` sends it (5–6 ms per chart and run); a frozen one makes its dict once.
The cache is :func:`reception.web.cache.shared` (the arguments' tuple as the key), not
``st.cache_resource``, which hashed every argument, the settings field by field, on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from datetime import date, datetime
from typing import TypeVar

import plotly.graph_objects as go

from reception import config, isoweek
from reception.read import allocation, backtest, estimate_backtest, planning, queries, views
from reception.store import db
from reception.web.cache import (
    NoSnapshot,
    boundaries,
    changes_between,
    data,
    from_weekly,
    shared,
    version,
)

T = TypeVar("T")


class FrozenFigure(go.Figure):
    """A figure that is never modified after it is built: its dict is made once and shared."""

    def to_dict(self) -> dict:
        made = self.__dict__.get("_frozen_dict")
        if made is None:
            made = super().to_dict()
            object.__setattr__(self, "_frozen_dict", made)
        return made


def derived(figure: go.Figure, key: tuple, make: Callable[[], T]) -> T:
    """``make()``, made once per ``key`` where ``figure`` is a :class:`FrozenFigure` (what is
    derived from a figure that never changes never changes either) and kept on it; made anew
    for any other figure."""
    if not isinstance(figure, FrozenFigure):
        return make()
    made = figure.__dict__.setdefault("_derived", {})
    if key not in made:
        made[key] = make()
    return made[key]


def _frozen(chart: views.Chart) -> views.Chart:
    return replace(chart, figure=FrozenFigure(chart.figure))


def _frozen_view(view):
    """``view`` with each of its charts (alone, in a tuple or None) frozen."""
    changes = {}
    for field in fields(view):
        value = getattr(view, field.name)
        if isinstance(value, views.Chart):
            changes[field.name] = _frozen(value)
        elif isinstance(value, tuple) and value and all(isinstance(v, views.Chart) for v in value):
            changes[field.name] = tuple(_frozen(v) for v in value)
    return replace(view, **changes)


def _snapshot() -> tuple[str, str]:
    """The key of the snapshot the session reads (the app's, or a past one within a view of the
    past): its version and path."""
    current = version()
    if current is None:
        raise NoSnapshot(str(db.current_snapshot()))
    return current, str(db.current_snapshot())


@shared(max_entries=32)
def _lage(current: str, path: str, since: date | None, kinds: tuple[str, ...], last_week: date,
          lang: str, settings: config.Settings) -> views.LageView:
    weekly = data.weekly(since=since, kinds=kinds)
    announcements = data.announcements(since=last_week)
    # the forecast sees the whole history (of the chosen kinds), not only the chosen range
    ahead = from_weekly(planning.foresight, settings.forecast_weeks, settings.net_intake_window_weeks,
                        settings.limit_rate, kinds=kinds, announced=True)
    return _frozen_view(views.lage(weekly, announcements, ahead, settings, lang, last_week))


def lage(since: date | None, kinds: tuple[str, ...], last_week: date, lang: str) -> views.LageView:
    """The Lage view of the current snapshot for the chosen range and kinds, in ``lang``."""
    return _lage(*_snapshot(), since, tuple(kinds), last_week, lang, config.settings())


@shared(max_entries=16)
def _district_names(current: str, path: str, kinds: tuple[str, ...] | None = None) -> dict[str, str]:
    districts = data.districts()
    if kinds is not None:
        districts = districts[districts.kind.isin(kinds)]
    return dict(zip(districts.ags, districts.name))


def district_names(kinds: tuple[str, ...] | None = None) -> dict[str, str]:
    """The name of every district (of the ``kinds``: all by default) by its key, in the
    snapshot's order (the district choice)."""
    return _district_names(*_snapshot(), None if kinds is None else tuple(kinds))


@shared(max_entries=64)
def _kreis(current: str, path: str, ags: str, since: date | None, last_week: date, lang: str,
           settings: config.Settings) -> views.KreisView | None:
    weekly = data.weekly(since=since, ags=(ags,))
    if not views.district_has_figures(weekly, ags):
        return None
    year = isoweek.year_start(last_week)
    frames = views.KreisFrames(
        weekly=weekly, history=data.weekly(ags=(ags,)), announcements=data.announcements(ags=ags),
        places_by_type=data.places_by_type(ags), facilities=data.facilities(ags),
        arrivals=data.arrivals_between(year, last_week), key=data.distribution_key(last_week),
        land_code=data.reference_meta().get("land_code"))
    ahead = from_weekly(planning.foresight, settings.forecast_weeks, settings.net_intake_window_weeks,
                        settings.limit_rate, announced=True)
    return _frozen_view(views.kreis(frames, ags, _district_names(current, path)[ags], ahead, settings,
                                    lang, since, last_week))


def kreis(ags: str, since: date | None, last_week: date, lang: str) -> views.KreisView | None:
    """The Kreis view of district ``ags`` for the chosen range, in ``lang``; None when the district
    reported no week of the range."""
    return _kreis(*_snapshot(), ags, since, last_week, lang, config.settings())


def _foresight(horizon: int, settings: config.Settings) -> planning.Foresight:
    return from_weekly(planning.foresight, horizon, settings.net_intake_window_weeks, settings.limit_rate,
                       announced=True)


@shared(max_entries=64)
def _planung_basis(current: str, path: str, unit: str, horizon: int, lang: str,
                   settings: config.Settings) -> views.PlanungBasis:
    return views.planung_basis(_foresight(horizon, settings), unit, settings, lang)


def planung_basis(unit: str, horizon: int, lang: str) -> views.PlanungBasis:
    """Where Planung's scenarios of ``unit`` start and the weeks they can name, over ``horizon`` weeks."""
    return _planung_basis(*_snapshot(), unit, horizon, lang, config.settings())


@shared(max_entries=128)
def _planung(current: str, path: str, unit: str, horizon: int, scenarios: tuple, needs_week: str,
             reserve: float, lang: str, settings: config.Settings) -> views.PlanungView:
    basis = _planung_basis(current, path, unit, horizon, lang, settings)
    return _frozen_view(views.planung(_foresight(horizon, settings), basis, unit, scenarios, needs_week,
                                      reserve, settings, lang))


def planung(unit: str, horizon: int, scenarios: tuple, needs_week: str, reserve_percent: float,
            lang: str) -> views.PlanungView:
    """Planung's result: the ``scenarios`` of ``unit`` and the needs in ``needs_week`` with a
    reserve of ``reserve_percent`` %, cached per data version and inputs (a shared link is one
    build)."""
    return _planung(*_snapshot(), unit, horizon, tuple(scenarios), needs_week, reserve_percent / 100.0,
                    lang, config.settings())


@shared(max_entries=64)
def _vergleich(current: str, path: str, picked: tuple[str, ...], since: date | None, measure: str,
               per_1000: bool, lang: str, settings: config.Settings) -> views.VergleichView:
    weekly = data.weekly(since=since, ags=picked)
    return _frozen_view(views.vergleich(weekly, measure, per_1000, settings, lang))


def vergleich(picked: tuple[str, ...], since: date | None, measure: str, per_1000: bool,
              lang: str) -> views.VergleichView:
    """The Vergleich view of the ``picked`` districts by ``measure``, absolute or per 1,000."""
    return _vergleich(*_snapshot(), tuple(picked), since, measure, per_1000, lang, config.settings())


def _boundary_version() -> tuple[str, int] | None:
    """The boundary file the map would draw, with its version: a new file is a new map."""
    from reception.reference import geo

    path, _ = geo.boundary_file()
    try:
        return (str(path), path.stat().st_mtime_ns) if path is not None else None
    except OSError:
        return (str(path), -1)


@shared(max_entries=64)
def _karte(current: str, path: str, since: date | None, kinds: tuple[str, ...], measure: str,
           by_boundaries: bool, boundary_version: tuple | None, lang: str, land: str,
           settings: config.Settings) -> views.KarteView:
    weekly, districts = data.weekly(since=since, kinds=kinds), data.districts()
    drawn = boundaries(tuple(districts.ags)) if by_boundaries else None
    if drawn is None or not drawn.outlines:
        return _frozen_view(views.karte(weekly, districts, measure, settings, lang, land,
                                        broken=bool(drawn and drawn.problem)))
    return _frozen_view(views.karte(weekly, districts, measure, settings, lang, land, drawn.outlines,
                                    drawn.shipped, drawn.attribution))


def karte(since: date | None, kinds: tuple[str, ...], measure: str, by_boundaries: bool, lang: str,
          land: str) -> views.KarteView:
    """The Karte view: ``measure`` by the districts' boundaries (``by_boundaries``) or as tiles."""
    return _karte(*_snapshot(), since, tuple(kinds), measure, by_boundaries,
                  _boundary_version() if by_boundaries else None, lang, land, config.settings())


@shared(max_entries=32)
def _meldungen(current: str, path: str, minute, since: date | None, kinds: tuple[str, ...],
               last_week: date, lang: str, settings: config.Settings) -> views.MeldungenView:
    status = data.reporting_status(now=minute, kinds=kinds)
    weekly = data.weekly(since=since, kinds=kinds)
    return _frozen_view(views.meldungen(status, weekly, settings, lang, since, last_week,
                                        bool(data.snapshot_meta().get("has_demo"))))


def meldungen(since: date | None, kinds: tuple[str, ...], last_week: date, lang: str) -> views.MeldungenView:
    """The Meldungen view, cached per data version, filter and minute (a deadline passes on
    the minute without a new load)."""
    return _meldungen(*_snapshot(), queries.utc_minute(), since, tuple(kinds), last_week, lang,
                      config.settings())


@shared(max_entries=8)
def _loads(current: str, path: str, lang: str) -> views.LoadsView:
    return views.loads(data.loads(), data.confirmed_loads(), lang)


def loads(lang: str) -> views.LoadsView:
    """The load history and the confirmed loads (Meldungen), cached per data version: a load
    or a rollback publishes a new snapshot, so a new version."""
    return _loads(*_snapshot(), lang)


@shared(max_entries=8)
def _methodik(current: str | None, path: str, today: date, figures: tuple[int, int], lang: str,
              settings: config.Settings) -> views.MethodikView:
    meta = data.reference_meta() if current else {}
    key = data.distribution_key(today) if current else None
    districts = data.districts() if key is not None else None
    return views.methodik(settings, lang, backtest.stored_figures(), estimate_backtest.stored_figures(),
                          meta, key, districts)


def _figures_version() -> tuple[int, int]:
    """When the stored back-test figures were last written (0: missing): a ``make backtest``
    shows on the next run."""
    def mtime(path) -> int:
        try:
            return path.stat().st_mtime_ns
        except OSError:
            return 0

    return mtime(backtest.FIGURES), mtime(estimate_backtest.FIGURES)


def methodik(lang: str) -> views.MethodikView:
    """The computed parts of Methodik, cached per data version (or none), day (the key in force),
    stored back-test figures, language and settings."""
    return _methodik(version(), str(db.current_snapshot()), date.today(), _figures_version(), lang,
                     config.settings())


@shared(max_entries=16)
def _verteilung_basis(current: str, path: str, last_week: date, lang: str) -> views.VerteilungBasis:
    week = allocation.week_after(last_week)
    return views.verteilung_basis(data.allocation_inputs(week.date()), data.announced_in(week.date()),
                                  week, lang)


def verteilung_basis(last_week: date, lang: str) -> views.VerteilungBasis:
    """The week after ``last_week`` to allocate, its districts and the persons announced."""
    return _verteilung_basis(*_snapshot(), last_week, lang)


@shared(max_entries=64)
def _verteilung(current: str, path: str, last_week: date, persons: int, reserve_percent: float,
                excluded: tuple[tuple[str, str], ...], lang: str) -> views.VerteilungView:
    basis = _verteilung_basis(current, path, last_week, lang)
    return views.verteilung(basis, persons, reserve_percent, dict(excluded), lang)


def verteilung(last_week: date, persons: int, reserve_percent: float, excluded: dict[str, str],
               lang: str) -> views.VerteilungView:
    """The allocation proposal for ``persons`` in the week after ``last_week``, cached per data
    version and inputs."""
    return _verteilung(*_snapshot(), last_week, int(persons), float(reserve_percent),
                       tuple(sorted(excluded.items())), lang)


@shared(max_entries=16)
def _changes(since: datetime, until: datetime | None, source: str, source_version: str | None,
             lang: str) -> views.ChangesView:
    return views.changes(changes_between(since, until), lang)


def changes(since: datetime, until: datetime | None, lang: str) -> views.ChangesView:
    """The figures changed from ``since`` to ``until`` (naive UTC; None: now), presented once per
    pair of moments and app snapshot (the table of a week after a demo load has 50,000 rows:
    presenting it cost a second per run)."""
    version()  # with a PostgreSQL store: this machine's snapshot follows it first
    source = config.snapshot_path()
    return _changes(since, until, str(source), db.snapshot_version(source), lang)
