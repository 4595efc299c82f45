"""Planung: scenarios of occupancy for a district or the state, and the needs calculation
(Bedarfsberechnung). Pure functions (no database, no Streamlit); the page ``pages/planung.py``
only collects the inputs and shows the answers.

The calculation, week by week from the last reported week (``Start``):

* arrivals: the forecast (:mod:`reception.read.forecast`, announced figures included) with its
  80 % band; or that forecast changed by ``percent`` (band too); or a ``fixed`` number per week
  (no band: the planner states it);
* moves out per week: the recent mean of departures (``Start.moves_out``) plus the ``extra``
  lever (Auszüge, e.g. persons entitled to a flat who find one);
* occupied[w] = max(0, occupied[w-1] + arrivals[w] - moves out[w]); the band runs the lower and
  upper arrivals through the same sum. It assumes a deviation persists from week to week (the
  forecast's errors are mostly a level that is off, not week-to-week noise), so it is on the
  wide side: a planner's side;
* places[w] = places now + every change (opening +, closing -) from its week on;
* rate[w] = occupied[w] / places[w]; the weeks the warn (90 %) and limit (100 %) lines are first
  reached: point, and the band (earliest from the upper, latest from the lower occupancy;
  ``None`` = not within the horizon);
* needs at a chosen week: places needed = occupied x (1 + reserve) / limit rate (the expected
  occupancy plus a reserve of 10 %, as municipal needs calculations keep), additional places =
  needed - places planned for that week (0 when enough), for the point and the upper band.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from reception import isoweek
from reception.i18n import LANGUAGES, t
from reception.read import metrics
from reception.read.estimate import StateEstimate

MODES = ("forecast", "percent", "fixed")
DEFAULT_RESERVE = 0.10
STATE = "land"  # the unit key of the state in the URL


@dataclass(frozen=True)
class Scenario:
    name: str = "Basis"
    mode: str = "forecast"  # "forecast" | "percent" | "fixed"
    value: float = 0.0  # percent change (percent) or arrivals per week (fixed)
    extra_moves: float = 0.0  # extra moves out per week (Auszüge)
    changes: tuple[tuple[str, int], ...] = field(default_factory=tuple)  # (ISO week "2025-W03", +/- places)


@dataclass(frozen=True)
class Start:
    """The unit's last reported week: its Monday, occupied persons, places, moves out per week."""

    week: date
    occupied: float
    capacity: float
    moves_out: float


def default_scenarios(last_week: date, lang: str = "de") -> tuple[Scenario, ...]:
    """Basis, +20 % Zugänge, mit Turnhalle (150 places from two weeks on), named in ``lang``."""
    opening = isoweek.name(pd.Timestamp(last_week) + pd.Timedelta(weeks=2))
    return (Scenario(t("planning.scenario_basis", lang)),
            Scenario(t("planning.scenario_more", lang), "percent", 20.0),
            Scenario(t("planning.scenario_hall", lang), changes=((opening, 150),)))


_DEFAULT_NAMES = ("planning.scenario_basis", "planning.scenario_more", "planning.scenario_hall")


def named_in(name: str, lang: str) -> str:
    """``name`` in ``lang`` where it is a name the page gave (a default scenario's, or
    "Szenario n") in any language, so switching the language renames them too; a name someone
    typed stays as typed."""
    for key in _DEFAULT_NAMES:
        if name in {t(key, other) for other in LANGUAGES}:
            return t(key, lang)
    for n in range(1, 4):
        if name in {t("planning.scenario_n", other, n=n) for other in LANGUAGES}:
            return t("planning.scenario_n", lang, n=n)
    return name


# ---------------------------------------------------------------- the calculation
def arrivals(prediction: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """week, arrivals, lower, upper under ``scenario`` from a forecast frame (week, forecast,
    lower, upper)."""
    out = pd.DataFrame({"week": pd.to_datetime(prediction.week).to_numpy()})
    base = {k: prediction[c].astype("float64").fillna(prediction.forecast).to_numpy()
            for k, c in (("arrivals", "forecast"), ("lower", "lower"), ("upper", "upper"))}
    if scenario.mode == "fixed":
        for key in base:
            out[key] = max(float(scenario.value), 0.0)
        return out
    factor = 1.0 + float(scenario.value) / 100.0 if scenario.mode == "percent" else 1.0
    for key, values in base.items():
        out[key] = np.maximum(values * factor, 0.0)
    return out


def capacity_path(weeks: pd.Series, capacity: float, changes) -> np.ndarray:
    """Places per week: ``capacity`` plus every change from its week on (never below 0)."""
    places = np.full(len(weeks), float(capacity))
    stamps = pd.to_datetime(weeks).to_numpy()
    for week, delta in changes:
        places += np.where(stamps >= np.datetime64(isoweek.parse(week)), float(delta), 0.0)
    return np.maximum(places, 0.0)


def project(start: Start, prediction: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Week by week: week, arrivals (+ lower, upper), moves_out, capacity, occupied (+ lower,
    upper), rate (+ lower, upper)."""
    frame = arrivals(prediction, scenario)
    moves = max(float(start.moves_out) + float(scenario.extra_moves), 0.0)
    frame["moves_out"] = moves
    frame["capacity"] = capacity_path(frame.week, start.capacity, scenario.changes)
    for key, column in (("occupied", "arrivals"), ("occupied_lower", "lower"), ("occupied_upper", "upper")):
        frame[key] = _accumulate(float(start.occupied), frame[column].to_numpy(), moves)
    places = frame.capacity.where(frame.capacity > 0)
    for suffix in ("", "_lower", "_upper"):
        frame[f"rate{suffix}"] = frame[f"occupied{suffix}"] / places
    return frame.rename(columns={"lower": "arrivals_lower", "upper": "arrivals_upper"})


def _accumulate(occupied: float, arrivals: np.ndarray, moves: float) -> np.ndarray:
    out = np.empty(len(arrivals))
    for i, arriving in enumerate(arrivals):
        occupied = max(occupied + arriving - moves, 0.0)
        out[i] = occupied
    return out


@dataclass(frozen=True)
class Crossing:
    """First week at or above a line: the point's, and the band's (earliest, latest)."""

    week: pd.Timestamp | None
    earliest: pd.Timestamp | None
    latest: pd.Timestamp | None
    now: bool = False  # already at or above the line in the start week


def crossing(path: pd.DataFrame, line: float, start_rate: float = float("nan")) -> Crossing:
    def first(column: str) -> pd.Timestamp | None:
        hit = path.week[path[column] >= line - 1e-12]
        return pd.Timestamp(hit.iloc[0]) if len(hit) else None

    return Crossing(first("rate"), first("rate_upper"), first("rate_lower"),
                    bool(not math.isnan(start_rate) and start_rate >= line))


@dataclass(frozen=True)
class Needs:
    week: pd.Timestamp
    occupied: float
    occupied_upper: float
    capacity: float
    needed: float
    needed_upper: float
    additional: float
    additional_upper: float


def needs(path: pd.DataFrame, week, reserve: float = DEFAULT_RESERVE, limit: float = 1.0) -> Needs | None:
    """Places needed at ``week`` to stay below ``limit`` with ``reserve`` kept free; None when the
    week is not in the path."""
    row = path[pd.to_datetime(path.week) == pd.Timestamp(week)]
    if row.empty:
        return None
    row = row.iloc[0]
    factor = (1.0 + reserve) / limit
    needed = math.ceil(row.occupied * factor - 1e-9)
    needed_upper = math.ceil(row.occupied_upper * factor - 1e-9)
    return Needs(pd.Timestamp(row.week), float(row.occupied), float(row.occupied_upper), float(row.capacity),
                 float(needed), float(needed_upper), float(max(needed - row.capacity, 0.0)),
                 float(max(needed_upper - row.capacity, 0.0)))


# ---------------------------------------------------------------- units: a district or the state
def starts(weekly: pd.DataFrame, window: int) -> pd.DataFrame:
    """Per district: ags, name, week, occupied, capacity (usable where known) of the last week
    of ``weekly``, and moves_out = mean departures of its last ``window`` reported weeks."""
    if weekly.empty:
        return pd.DataFrame(columns=["ags", "name", "week", "occupied", "capacity", "moves_out"])
    last = weekly[weekly.week == weekly.week.max()].copy()
    usable = "capacity_usable" in last and last.capacity_usable.notna().any()
    places = "capacity_usable" if usable else "capacity"
    frame = last.assign(capacity=last[places].astype("float64"), occupied=last.occupied.astype("float64"))
    frame = frame.join(metrics.moves_out(weekly, window), on="ags")
    frame["moves_out"] = frame.moves_out.fillna(0.0)
    return frame[["ags", "name", "week", "occupied", "capacity", "moves_out"]].reset_index(drop=True)


def unit_start(table: pd.DataFrame, unit: str) -> Start | None:
    """The :class:`Start` of one district (ags) or of the state (``STATE``: sums)."""
    rows = table if unit == STATE else table[table.ags == unit]
    rows = rows.dropna(subset=["occupied", "capacity"])
    if rows.empty:
        return None
    return Start(pd.Timestamp(rows.week.max()).date(), float(rows.occupied.sum()),
                 float(rows.capacity.sum()), float(rows.moves_out.sum()))


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    path: pd.DataFrame
    warn: Crossing
    limit: Crossing
    needs: Needs | None
    start_rate: float


def run_scenarios(start: Start, prediction: pd.DataFrame, scenarios, needs_week, reserve: float,
                  warn: float, limit: float) -> list[Outcome]:
    """Each scenario projected from ``start`` with the forecast ``prediction``."""
    rate = start.occupied / start.capacity if start.capacity > 0 else float("nan")
    out = []
    for scenario in scenarios:
        path = project(start, prediction, scenario)
        out.append(Outcome(scenario, path, crossing(path, warn, rate), crossing(path, limit, rate),
                           needs(path, needs_week, reserve, limit), rate))
    return out


def _many(table: pd.DataFrame, forecasts: pd.DataFrame, scenario: Scenario) -> dict | None:
    """Every district of ``table`` with a forecast, projected at once (no place changes):
    arrays districts x weeks of occupied (+ lower, upper) and the places (constant)."""
    rows = table.dropna(subset=["occupied", "capacity"])
    rows = rows[rows.ags.isin(forecasts.ags)].reset_index(drop=True)
    if rows.empty:
        return None
    weeks = pd.DatetimeIndex(sorted(pd.to_datetime(forecasts.week).unique()))
    wide = {c: forecasts.assign(**{c: forecasts[c].astype("float64")})
            .pivot_table(index="ags", columns="week", values=c, aggfunc="first", dropna=False)
            .reindex(index=rows.ags, columns=weeks) for c in ("forecast", "lower", "upper")}
    point = wide["forecast"].to_numpy(dtype="float64")
    band = {k: wide[k].to_numpy(dtype="float64") for k in ("lower", "upper")}
    band = {k: np.where(np.isnan(v), point, v) for k, v in band.items()}
    if scenario.mode == "fixed":
        point = np.full_like(point, max(float(scenario.value), 0.0))
        band = {k: point for k in band}
    elif scenario.mode == "percent":
        factor = 1.0 + float(scenario.value) / 100.0
        point, band = np.maximum(point * factor, 0), {k: np.maximum(v * factor, 0) for k, v in band.items()}
    moves = np.maximum(rows.moves_out.to_numpy(dtype="float64") + float(scenario.extra_moves), 0.0)
    start = rows.occupied.to_numpy(dtype="float64")
    paths = {key: _accumulate_many(start, values, moves)
             for key, values in (("occupied", point), ("occupied_lower", band["lower"]),
                                 ("occupied_upper", band["upper"]))}
    return {"rows": rows, "weeks": weeks, "capacity": rows.capacity.to_numpy(dtype="float64"), **paths}


def _accumulate_many(occupied: np.ndarray, arrivals: np.ndarray, moves: np.ndarray) -> np.ndarray:
    out = np.empty_like(arrivals)
    level = occupied.copy()
    for step in range(arrivals.shape[1]):
        level = np.maximum(level + np.nan_to_num(arrivals[:, step]) - moves, 0.0)
        out[:, step] = level
    return out


def needs_table(table: pd.DataFrame, forecasts: pd.DataFrame, scenario: Scenario, needs_week,
                reserve: float, limit: float) -> pd.DataFrame:
    """The needs calculation for every district under ``scenario``'s arrivals and moves out
    (its place changes belong to the unit they were planned for and are left out here):
    ags, name, occupied_now, capacity, occupied, occupied_upper, needed, needed_upper,
    additional, additional_upper, most needed first."""
    columns = ["ags", "name", "occupied_now", "capacity", "occupied", "occupied_upper", "needed",
               "needed_upper", "additional", "additional_upper"]
    many = _many(table, forecasts, scenario)
    if many is None or pd.Timestamp(needs_week) not in many["weeks"]:
        return pd.DataFrame(columns=columns)
    at = many["weeks"].get_loc(pd.Timestamp(needs_week))
    factor = (1.0 + reserve) / limit
    occupied, upper = many["occupied"][:, at], many["occupied_upper"][:, at]
    needed, needed_upper = np.ceil(occupied * factor - 1e-9), np.ceil(upper * factor - 1e-9)
    rows, capacity = many["rows"], many["capacity"]
    frame = pd.DataFrame({"ags": rows.ags, "name": rows.name, "occupied_now": rows.occupied,
                          "capacity": capacity, "occupied": occupied, "occupied_upper": upper,
                          "needed": needed, "needed_upper": needed_upper,
                          "additional": np.maximum(needed - capacity, 0.0),
                          "additional_upper": np.maximum(needed_upper - capacity, 0.0)})
    return frame.sort_values(["additional_upper", "name"], ascending=[False, True]).reset_index(drop=True)


# ---------------------------------------------------------------- scenarios in the URL
def encode(scenarios) -> str:
    """Scenarios as one URL parameter: ``name~mode~value~extra~week:delta,week:delta|...``."""
    parts = []
    for s in scenarios:
        changes = ",".join(f"{w}:{int(d):+d}" for w, d in s.changes)
        parts.append("~".join([_clean(s.name), s.mode, _num(s.value), _num(s.extra_moves), changes]))
    return "|".join(parts)


def decode(text: str | None, limit: int = 3, lang: str = "de") -> tuple[Scenario, ...]:
    """The scenarios of :func:`encode`; parts that do not parse are left out (a hand-edited
    link never breaks the page); a part without a name is "Szenario n" in ``lang``."""
    out = []
    for part in (text or "").split("|")[:limit]:
        fields = part.split("~")
        if len(fields) != 5 or fields[1] not in MODES:
            continue
        try:
            value, extra = float(fields[2]), float(fields[3])
            changes = tuple(_change(c) for c in fields[4].split(",") if c)
        except ValueError:
            continue
        if not all(map(math.isfinite, (value, extra))):
            continue
        name = named_in(_clean(fields[0]), lang) or t("planning.scenario_n", lang, n=len(out) + 1)
        out.append(Scenario(name, fields[1], value, extra, changes))
    return tuple(out)


def _change(text: str) -> tuple[str, int]:
    week, _, delta = text.partition(":")
    isoweek.parse(week)  # raises ValueError when not an ISO week
    return week, int(delta)


def _clean(name: str) -> str:
    return re.sub(r"[~|]", " ", str(name)).strip()[:40]


def _num(value: float) -> str:
    return f"{float(value):g}"


# ---------------------------------------------------------------- the early warning's outlook
def outlook(table: pd.DataFrame, forecasts: pd.DataFrame, limit: float) -> pd.DataFrame:
    """Per district, the base scenario's first week at the ``limit`` line: ags, limit_week,
    limit_earliest, limit_latest (NaT where not within the forecast), limit_now."""
    columns = ["ags", "limit_week", "limit_earliest", "limit_latest", "limit_now"]
    many = _many(table, forecasts, Scenario())
    if many is None:
        return pd.DataFrame(columns=columns)
    places = np.where(many["capacity"] > 0, many["capacity"], np.nan)[:, None]
    weeks = many["weeks"]

    def first(occupied: np.ndarray) -> list:
        hit = occupied / places >= limit - 1e-12
        return [weeks[i] if row.any() else pd.NaT for i, row in zip(hit.argmax(axis=1), hit)]

    rows = many["rows"]
    now = (rows.occupied / rows.capacity.where(rows.capacity > 0) >= limit).fillna(False).to_numpy()
    return pd.DataFrame({"ags": rows.ags, "limit_week": first(many["occupied"]),
                         "limit_earliest": first(many["occupied_upper"]),
                         "limit_latest": first(many["occupied_lower"]), "limit_now": now})[columns]


def warning_with_outlook(warning: pd.DataFrame, latest: pd.DataFrame, ahead: pd.DataFrame) -> pd.DataFrame:
    """The early-warning list (metrics.early_warning) with each district's outlook, plus the
    districts whose forecast reaches the limit within its horizon though their runway looked
    long enough (``reason`` = ``forecast``), by the week they are expected there."""
    extra = ahead[ahead.limit_week.notna() & ~ahead.limit_now & ~ahead.ags.isin(warning.ags)]
    added = latest[latest.ags.isin(extra.ags)].assign(reason="forecast")
    merged = pd.concat([warning, added], ignore_index=True) if len(added) else warning.copy()
    merged = merged.merge(ahead, on="ags", how="left")
    order = {"limit": 0, "runway": 1, "forecast": 2}
    merged["_o"] = merged.reason.map(order)
    return (merged.sort_values(["_o", "limit_week"], na_position="last").drop(columns="_o")
            .reset_index(drop=True))


@dataclass(frozen=True)
class Foresight:
    """What Lage and Planung need from the forecast of every district (one cached computation)."""

    districts: pd.DataFrame  # forecast.forecast_districts
    state: pd.DataFrame  # forecast.forecast_total
    starts: pd.DataFrame  # starts()
    outlook: pd.DataFrame  # outlook()
    # the state's arrivals of the last week with the estimate of the districts that have not
    # reported it (estimate.state_estimate; issue 25): Lage's cards, Planung's start, one source
    estimate: StateEstimate | None = None


def foresight(weekly: pd.DataFrame, horizon: int, window: int, limit: float,
              announced: pd.DataFrame | None = None) -> Foresight:
    """Forecasts of every district and the state, the units' starting points and each district's
    outlook at the ``limit`` line, from the full ``weekly`` frame, and the estimate of the last
    week's state total where districts have not reported it. ``announced`` (ags, week,
    announced: the ``announcements`` view) replaces the forecast for the weeks it covers."""
    from reception.read import estimate, forecast

    arrivals = weekly[["ags", "week", "arrivals", "reported"]]
    districts = forecast.forecast_districts(arrivals, horizon, announced=announced)
    table = starts(weekly, window)
    return Foresight(districts, forecast.forecast_total(arrivals, horizon, announced=announced),
                     table, outlook(table, districts, limit), estimate.state_estimate(weekly, announced))


def foresight_of(ahead: Foresight, ags: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One district's forecast (week, step, forecast, bands, flag, alpha, source) and outlook
    row(s) from ``ahead``: the Kreis page reads the same entry as Lage's early warning, so one
    district shows one limit week on both."""
    prediction = ahead.districts[ahead.districts.ags == ags].drop(columns="ags").reset_index(drop=True)
    return prediction, ahead.outlook[ahead.outlook.ags == ags].reset_index(drop=True)
