"""The figures of the dashboard, in plain pandas (no database, no Streamlit): unit-tested.

Definitions (also on the Methodik page, texts ``methodik.*`` in ``locales/methodik.toml``):

* occupancy rate = occupied / capacity (undefined where capacity is 0 or unknown);
* free places = capacity - occupied (negative when overcrowded);
* usable rate = occupied / usable places (capacity - unusable places; all places where unusable
  ones are not reported), traffic light at the same thresholds; free usable places = usable
  places - occupied;
* entitled share = occupied_entitled / occupied (NaN where not reported);
* Ukraine share = arrivals_ukraine / arrivals, over the weeks where the Ukraine part was
  reported (NaN where not reported, and NaN, not 0 %, where those weeks had no arrivals);
* status (the traffic light) of the occupancy of usable places (:func:`status_rate`):
  ``limit`` at rate >= ``limit_rate`` (1.00), ``warn`` at >= ``warn_rate`` (0.90), else ``ok``;
  ``unknown`` without capacity (thresholds in ``data/settings.toml``);
* net intake = mean of (arrivals - departures) over the last ``net_intake_window_weeks`` (4)
  weeks the district reported; runway = weeks until the free usable places are used up, a week
  with an announced allocation taking in announced - mean departures, the others the net intake
  (:func:`runway_announced`; 0 when no place is free; none when the places do not run out);
* quota fulfilment since 1 January: Ist = the district's arrivals, Soll = all districts' arrivals x
  the district's share under the distribution key, Erfüllungsquote = Ist / Soll x 100 %;
* the forecast of weekly arrivals is not here: :mod:`reception.read.forecast` (the model) and
  :func:`reception.read.planning.foresight` (the one entry every page reads, announced
  allocations counted);
* Kreis page (issue 14): places by kind of accommodation (free-text types grouped by
  :func:`facility_group`), unusable share = unusable / capacity, the Auszugsstau = residents
  entitled to move out (and their share of occupied), announcements after the last week, and the
  reimbursement per month = usable places x the configured rate of the district's kind, where the
  week's Monday lies within the rates' validity (:func:`reimbursement`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from reception.config import Settings
from reception.read import measures
from reception.read.measures import LIMIT, OK, STATUSES, UNKNOWN, WARN  # noqa: F401 (metrics.OK, ...)


def occupancy_rate(occupied, capacity):
    """occupied / capacity; NaN where capacity is not positive or unknown (scalars or Series)."""
    if isinstance(capacity, pd.Series) or isinstance(occupied, pd.Series):
        cap = pd.Series(capacity, dtype="float64")
        occ = pd.Series(occupied, dtype="float64")
        return (occ / cap.where(cap > 0)).astype("float64")
    if capacity is None or pd.isna(capacity) or capacity <= 0 or occupied is None or pd.isna(occupied):
        return float("nan")
    return float(occupied) / float(capacity)


def with_ratios(weekly: pd.DataFrame) -> pd.DataFrame:
    """``weekly`` with the ratios of :mod:`reception.read.measures` per district-week: ``usable_rate``
    (occupied / usable places; usable = capacity - unusable, all places where unusable ones
    are not reported, as the ``weekly`` view), ``entitled_share`` (occupied_entitled / occupied)
    and ``ukraine_share`` (arrivals_ukraine / arrivals, only where the Ukraine part was
    reported and arrivals > 0). A first-version frame (no parts columns) gets NaN shares."""
    frame = weekly.copy()
    for column in ("arrivals_ukraine", "occupied_entitled", "capacity_unusable"):
        if column not in frame:
            frame[column] = np.nan
    if "capacity_usable" not in frame:
        frame["capacity_usable"] = (frame.capacity.astype("float64")
                                    - frame.capacity_unusable.astype("float64").fillna(0.0))
    if "free_usable" not in frame:
        frame["free_usable"] = free_places(frame.capacity_usable.astype("float64"),
                                           frame.occupied.astype("float64"))
    for measure in measures.RATIOS:
        part, whole = measures.CATALOGUE[measure].parts
        frame[measure] = occupancy_rate(frame[part], frame[whole]).to_numpy()
    return frame


def free_places(capacity, occupied):
    """capacity - occupied (negative when overcrowded)."""
    return capacity - occupied


def classify(rate: float, settings: Settings) -> str:
    """Traffic light of one occupancy rate."""
    if rate is None or pd.isna(rate):
        return UNKNOWN
    if rate >= settings.limit_rate:
        return LIMIT
    if rate >= settings.warn_rate:
        return WARN
    return OK


def range_start(last_week: date, weeks: int | None) -> date | None:
    """The first Monday of a range of ``weeks`` weeks ending with ``last_week`` (None: all)."""
    if not weeks or last_week is None:
        return None
    return last_week - timedelta(weeks=weeks - 1)


def state_weekly(weekly: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """State totals per week: arrivals, departures (reported districts), capacity, occupied
    (carried forward), occupancy rate, free places, reporting districts, districts >= thresholds
    (of the traffic light's rate, :func:`status_rate`); with the second-version columns also the
    usable places (:func:`_state_usable`) and the arrivals by group (:func:`_state_groups`)."""
    if weekly.empty:
        return pd.DataFrame(columns=["week", "arrivals", "departures", "capacity", "occupied",
                                     "occupancy_rate", "free_places", "reporting", "districts",
                                     "at_warn", "at_limit"])
    rate = status_rate(weekly)  # the traffic light's rate: usable places where reported
    frame = weekly.assign(
        _warn=rate >= settings.warn_rate,
        _limit=rate >= settings.limit_rate,
        _has=weekly.capacity.notna())
    state = frame.groupby("week", as_index=False).agg(
        arrivals=("arrivals", lambda s: s.sum(min_count=1)),
        departures=("departures", lambda s: s.sum(min_count=1)),
        capacity=("capacity", lambda s: s.sum(min_count=1)),
        occupied=("occupied", lambda s: s.sum(min_count=1)),
        reporting=("reported", "sum"),
        districts=("_has", "sum"),
        at_warn=("_warn", "sum"),
        at_limit=("_limit", "sum"),
    )
    state["occupancy_rate"] = occupancy_rate(state.occupied, state.capacity)
    state["free_places"] = free_places(state.capacity, state.occupied)
    if {"capacity_usable", "occupied_entitled"} <= set(weekly.columns):
        state = state.merge(_state_usable(weekly), on="week", how="left")
    if set(ARRIVAL_GROUPS) <= set(weekly.columns):
        state = state.merge(_state_groups(weekly), on="week", how="left")
    return state.sort_values("week").reset_index(drop=True)


def _state_usable(weekly: pd.DataFrame) -> pd.DataFrame:
    """State totals of the second-version figures per week: usable places, their free places
    and rate, residents entitled to move out and their share of the occupied places (where
    the districts reported them; a district without the split counts all its places usable)."""
    frame = weekly[["week", "capacity_usable", "occupied_entitled", "occupied"]].astype(
        {"capacity_usable": "float64", "occupied_entitled": "float64", "occupied": "float64"})
    frame["_occupied_split"] = frame.occupied.where(frame.occupied_entitled.notna())
    state = frame.rename(columns={"occupied": "_occupied"}).groupby("week", as_index=False).sum(
        min_count=1)
    state["usable_rate"] = occupancy_rate(state._occupied, state.capacity_usable)
    state["free_usable"] = free_places(state.capacity_usable, state._occupied)
    # the share among the districts that report the split, not diluted by those that do not
    state["entitled_share"] = occupancy_rate(state.occupied_entitled, state._occupied_split)
    return state.drop(columns=["_occupied", "_occupied_split"])


ARRIVAL_GROUPS = ("arrivals_asylum", "arrivals_ukraine", "arrivals_other")


def arrival_groups(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (one row per district-week) with ``arrivals_unsplit``: the arrivals no group was
    reported for (all of them where the report did not split them; what the parts leave of the
    total where it split them only in part; never negative)."""
    parts = frame[list(ARRIVAL_GROUPS)].astype("float64")
    rest = frame.arrivals.astype("float64") - parts.sum(axis=1, min_count=1).fillna(0.0)
    return frame.assign(arrivals_unsplit=rest.clip(lower=0.0))


def _state_groups(weekly: pd.DataFrame) -> pd.DataFrame:
    """State arrivals per week and group (NaN where no district split them)."""
    columns = [*ARRIVAL_GROUPS, "arrivals_unsplit"]
    frame = arrival_groups(weekly)[["week", *columns]]
    return frame.groupby("week", as_index=False)[columns].sum(min_count=1)


def announced_ahead(announcements: pd.DataFrame, last_week, weeks: int = 4,
                    ags=None) -> float:
    """Announced allocations of the ``weeks`` weeks after ``last_week`` (NaN: none announced),
    of the districts ``ags`` (default all)."""
    if ags is not None:
        announcements = announcements[announcements.ags.isin(list(ags))]
    if announcements.empty:
        return float("nan")
    last = pd.Timestamp(last_week)
    ahead = announcements[(announcements.week > last)
                          & (announcements.week <= last + pd.Timedelta(weeks=weeks))]
    return float(ahead.announced.sum()) if len(ahead) else float("nan")


@dataclass(frozen=True)
class Headline:
    """One headline figure: now, the week before, and the mean of the 4 weeks before now."""

    value: float
    previous: float
    mean4: float

    @property
    def delta(self) -> float:
        return self.value - self.previous

    @property
    def delta_mean4(self) -> float:
        return self.value - self.mean4


HEADLINES = ("arrivals", "capacity", "occupied", "occupancy_rate", "free_places", "at_warn", "at_limit")


def headlines(state: pd.DataFrame) -> dict[str, Headline]:
    """:class:`Headline` per figure in :data:`HEADLINES` from :func:`state_weekly`."""
    out = {}
    for column in HEADLINES:
        values = state[column].astype("float64").reset_index(drop=True) if len(state) else pd.Series()
        now = values.iloc[-1] if len(values) else np.nan
        previous = values.iloc[-2] if len(values) > 1 else np.nan
        before = values.iloc[-5:-1]
        mean4 = before.mean() if len(before) else np.nan
        out[column] = Headline(float(now), float(previous), float(mean4))
    return out


def net_intake(weekly: pd.DataFrame, window: int) -> pd.Series:
    """Per ags: mean of arrivals - departures over its last ``window`` reported weeks."""
    reported = weekly[weekly.reported & weekly.arrivals.notna()].sort_values(["ags", "week"])
    net = reported.arrivals.astype("float64") - reported.departures.astype("float64").fillna(0.0)
    recent = net.groupby(reported.ags).apply(lambda s: s.iloc[-window:].mean())
    return recent.astype("float64").rename("net_intake")


def moves_out(weekly: pd.DataFrame, window: int) -> pd.Series:
    """Per ags: mean departures over its last ``window`` reported weeks with departures (the
    runway's and the Planung page's moves out; a district without any is missing: callers
    take 0)."""
    reported = weekly[weekly.reported.astype(bool) & weekly.departures.notna()].sort_values(["ags", "week"])
    recent = reported.groupby("ags").tail(window)
    return recent.departures.astype("float64").groupby(recent.ags).mean().rename("moves_out")


def runway_announced(free: np.ndarray, net: np.ndarray, moves: np.ndarray,
                     announced: np.ndarray) -> np.ndarray:
    """Weeks until no usable place is free, per district (row), counting announced allocations.

    ``announced`` (districts x weeks ahead, NaN where nothing was announced for the week): a week
    with an announcement takes in announced - ``moves`` (the mean departures), the others the
    recent ``net`` intake; after the last announced week the net intake goes on. Fractional weeks
    (linear within the week the places run out); 0 where no place is free now; NaN where the
    places do not run out (announcements absorbed and the net intake not positive)."""
    free, net, moves = (np.asarray(a, dtype="float64") for a in (free, net, moves))
    announced = np.asarray(announced, dtype="float64")
    if announced.size == 0:  # nothing announced: one week of the trend, then the trend
        announced = np.full((len(free), 1), np.nan)
    intake = np.where(np.isnan(announced), np.nan_to_num(net)[:, None], announced - moves[:, None])
    before = np.hstack([np.zeros((len(free), 1)), np.cumsum(intake, axis=1)])  # taken before week k
    reached = before[:, 1:] >= free[:, None]
    has = reached.any(axis=1)
    week = reached.argmax(axis=1)
    rows = np.arange(len(free))
    with np.errstate(divide="ignore", invalid="ignore"):
        within = week + (free - before[rows, week]) / intake[rows, week]
        after = intake.shape[1] + (free - before[:, -1]) / net
    out = np.where(has, within, np.where(net > 0, after, np.nan))
    return np.where(np.isnan(free), np.nan, np.where(free <= 0, 0.0, out))


def status_rate(frame: pd.DataFrame) -> pd.Series:
    """The rate the traffic light reads: occupied / usable places (``usable_rate``) where the
    frame has them, else occupied / all places. Where every place is unusable but someone is
    housed the district is over its limit (infinite rate); with nobody housed the rate is
    unknown."""
    if "usable_rate" not in frame.columns:
        return frame.occupancy_rate.astype("float64")
    rate = frame.usable_rate.astype("float64")
    none_usable = (frame.capacity_usable <= 0) & (frame.capacity > 0) & (frame.occupied > 0)
    return rate.mask(none_usable.fillna(False).astype(bool), np.inf)


LATEST_COLUMNS = ["ags", "name", "kind", "population", "week", "arrivals", "departures",
                  "capacity", "occupied", "occupancy_rate", "free_places", "capacity_usable",
                  "usable_rate", "free_usable", "reported", "last_reported", "status",
                  "net_intake", "moves_out", "runway_weeks", "runway_basis"]


def latest_by_district(weekly: pd.DataFrame, settings: Settings,
                       announcements: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each district in the last week: figures, status, net intake and runway; highest rate first.

    Status and runway read the usable places (:func:`status_rate`, ``free_usable``). The runway
    counts the ``announcements`` (ags, week, announced) after the last week
    (:func:`runway_announced`): ``runway_basis`` is ``announced`` where an announcement falls
    within it, else ``trend``."""
    if weekly.empty:
        return pd.DataFrame(columns=LATEST_COLUMNS)
    last = weekly.week.max()
    latest = weekly[weekly.week == last].copy()
    for column, source in (("capacity_usable", "capacity"), ("usable_rate", "occupancy_rate"),
                           ("free_usable", "free_places")):  # a first-version frame: all usable
        if column not in latest.columns:
            latest[column] = latest[source]
    last_reported = weekly[weekly.reported].groupby("ags").week.max().rename("last_reported")
    window = settings.net_intake_window_weeks
    latest = latest.join(last_reported, on="ags").join(net_intake(weekly, window), on="ags")
    latest = latest.join(moves_out(weekly, window), on="ags")
    latest["status"] = [classify(r, settings) for r in status_rate(latest)]
    latest = _with_runway(latest, _ahead_matrix(announcements, latest.ags, last))
    order = status_rate(latest).fillna(-1.0)
    latest = latest.assign(_order=order).sort_values(["_order", "name"], ascending=[False, True])
    return latest[LATEST_COLUMNS].reset_index(drop=True)


def _ahead_matrix(announcements: pd.DataFrame | None, ags: pd.Series, last) -> np.ndarray:
    """Districts (in the order of ``ags``) x weeks after ``last``: announced allocations, NaN
    where none (no columns without announcements)."""
    if announcements is None or announcements.empty:
        return np.empty((len(ags), 0))
    last = pd.Timestamp(last)
    ahead = announcements[(announcements.week > last) & announcements.ags.isin(list(ags))]
    if ahead.empty:
        return np.empty((len(ags), 0))
    step = ((ahead.week - last).dt.days // 7).astype(int)
    matrix = np.full((len(ags), int(step.max())), np.nan)
    row = pd.Series(range(len(ags)), index=list(ags))
    matrix[row.loc[ahead.ags].to_numpy(), step.to_numpy() - 1] = ahead.announced.astype("float64")
    return matrix


def _with_runway(latest: pd.DataFrame, ahead: np.ndarray) -> pd.DataFrame:
    net = latest.net_intake.astype("float64").to_numpy()
    moves = latest.moves_out.astype("float64").fillna(0.0).to_numpy()
    runway_weeks = runway_announced(latest.free_usable.astype("float64").to_numpy(), net, moves, ahead)
    # an announcement "counts" when it falls in a week before the places run out
    weeks_in = np.ceil(np.nan_to_num(runway_weeks, nan=np.inf))
    counted = (~np.isnan(ahead)) & (np.arange(1, ahead.shape[1] + 1)[None, :] <= weeks_in[:, None])
    latest["runway_weeks"] = runway_weeks
    latest["runway_basis"] = np.where(counted.any(axis=1), "announced", "trend")
    return latest


def early_warning(latest: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Districts at the limit now (``reason`` = ``limit``) and those whose runway is at most
    ``runway_horizon_weeks`` (``reason`` = ``runway``), limit first (highest rate), then
    shortest runway."""
    at_limit = latest.status == LIMIT
    soon = ~at_limit & (latest.runway_weeks <= settings.runway_horizon_weeks)
    warn = latest[at_limit | soon].copy()
    warn["reason"] = np.where(warn.status == LIMIT, LIMIT, "runway")
    warn["_o"] = np.where(warn.reason == LIMIT, -status_rate(warn).fillna(0), warn.runway_weeks)
    return warn.sort_values(["reason", "_o"]).drop(columns="_o").reset_index(drop=True)


def state_places(state: pd.DataFrame, minimum: int) -> dict[str, float]:
    """The state's places in the last week against the state-wide minimum."""
    capacity = float(state.capacity.iloc[-1]) if len(state) else float("nan")
    return {"capacity": capacity, "minimum": float(minimum), "gap": capacity - minimum,
            "share": capacity / minimum if minimum else float("nan")}


def per_1000(frame: pd.DataFrame, columns: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """Adds ``<column>_per_1000`` = value / population x 1000 for each of ``columns``."""
    out = frame.copy()
    population = out.population.astype("float64").where(out.population > 0)
    for column in columns:
        out[f"{column}_per_1000"] = out[column].astype("float64") / population * 1000
    return out


def quota(arrivals: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    """Quota fulfilment per district from ``arrivals`` (ags, name, population, arrivals since
    1 January) and ``key`` (ags, share_percent): soll, ist, fulfilment_percent, difference,
    population_share_percent. Districts without a key share get NaN targets."""
    frame = arrivals.merge(key[["ags", "share_percent"]], on="ags", how="left")
    total = float(frame.arrivals.sum())
    frame["ist"] = frame.arrivals.astype("float64")
    frame["soll"] = total * frame.share_percent / 100.0
    frame["fulfilment_percent"] = frame.ist / frame.soll.where(frame.soll > 0) * 100.0
    frame["difference"] = frame.ist - frame.soll
    population = frame.population.astype("float64")
    frame["population_share_percent"] = population / population.sum() * 100.0
    return frame[["ags", "name", "share_percent", "population_share_percent", "soll", "ist",
                  "fulfilment_percent", "difference"]].reset_index(drop=True)


def district_series(weekly: pd.DataFrame, ags: str) -> pd.DataFrame:
    """One district's weeks, oldest first."""
    return weekly[weekly.ags == ags].sort_values("week").reset_index(drop=True)


def latest_facilities(facilities: pd.DataFrame) -> pd.DataFrame:
    """The facility rows of the newest week a district reported per facility."""
    if facilities.empty:
        return facilities
    return facilities[facilities.week == facilities.week.max()].reset_index(drop=True)


def comparison(weekly: pd.DataFrame, measure: str, per_capita: bool) -> pd.DataFrame:
    """Long frame (week, ags, name, value) of ``measure`` per district, per 1,000 inhabitants if
    asked (not for the ratios of :data:`reception.read.measures.RATIOS`, shares already). For a ratio
    the frame also carries its part and whole (e.g. arrivals_ukraine and arrivals), so that the
    download explains each value and a NaN can be told apart: part missing = not reported,
    whole 0 = nothing to divide (see :func:`with_ratios`)."""
    frame = weekly.copy()
    extra: list[str] = []
    if per_capita and measure in measures.ABSOLUTE:
        frame = per_1000(frame, [measure])
        frame["value"] = frame[f"{measure}_per_1000"]
    elif measures.is_ratio(measure):
        frame = with_ratios(frame)
        frame["value"] = frame[measure].astype("float64")
        extra = [c for c in measures.CATALOGUE[measure].parts if c not in ("week", "ags", "name")]
    else:
        frame["value"] = frame[measure].astype("float64")
    return (frame[["week", "ags", "name", "value", *extra]].sort_values(["name", "week"])
            .reset_index(drop=True))


def ukraine_share_over(weekly: pd.DataFrame) -> pd.Series:
    """Per ags: sum of arrivals_ukraine / sum of arrivals over the weeks of ``weekly`` where the
    Ukraine part was reported (weeks without the split count in neither sum); NaN where no week
    had the split or those weeks had no arrivals."""
    if "arrivals_ukraine" not in weekly:
        return pd.Series(np.nan, index=pd.Index(weekly.ags.unique(), name="ags"), dtype="float64")
    split = weekly.arrivals_ukraine.notna() & weekly.arrivals.notna()
    part = weekly.arrivals_ukraine.astype("float64").where(split)
    whole = weekly.arrivals.astype("float64").where(split)
    sums = pd.DataFrame({"part": part, "whole": whole, "ags": weekly.ags}).groupby("ags").sum(
        min_count=1)
    return occupancy_rate(sums.part, sums.whole)


def latest_comparison(weekly: pd.DataFrame) -> pd.DataFrame:
    """Last week per district, absolute and per 1,000 inhabitants, for a side-by-side table; with
    the ratios of that week (occupancy_rate, usable_rate, entitled_share) and the Ukraine share
    of the arrivals over the last 4 weeks (``ukraine_share_4w``, weeks with the split only)."""
    if weekly.empty:
        return pd.DataFrame()
    last = with_ratios(weekly[weekly.week == weekly.week.max()])
    four = weekly[weekly.week > weekly.week.max() - pd.Timedelta(weeks=4)]
    arrivals4 = four.groupby("ags").arrivals.sum(min_count=1).rename("arrivals_4w")
    frame = last.join(arrivals4, on="ags").join(ukraine_share_over(four).rename("ukraine_share_4w"),
                                                on="ags")
    frame = per_1000(frame, ["arrivals_4w", "capacity", "occupied", "free_places"])
    return frame[["ags", "name", "population", "arrivals_4w", "arrivals_4w_per_1000", "capacity",
                  "capacity_per_1000", "occupied", "occupied_per_1000", "free_places",
                  "free_places_per_1000", "occupancy_rate", "capacity_usable", "free_usable",
                  "usable_rate", "entitled_share", "ukraine_share_4w"]].sort_values(
        "name").reset_index(drop=True)


MAP_EXTRA = ["arrivals_4w", "arrivals_4w_per_1000", "capacity_usable", "free_usable", "usable_rate",
             "entitled_share", "ukraine_share_4w"]


def map_frame(latest: pd.DataFrame, districts: pd.DataFrame, weekly: pd.DataFrame,
              settings: Settings | None = None) -> pd.DataFrame:
    """Per district: grid position, reference point and the map's measures (latest figures,
    4-week arrivals per 1,000 inhabitants, runway; usable rate, entitled share, 4-week Ukraine
    share as :func:`latest_comparison`). With ``settings``, ``usable_status`` is the traffic
    light of the usable rate (:func:`status_rate`) at the same thresholds as the occupancy
    rate's; ``status`` is the latest's (since issue 14 the same light)."""
    comparison_frame = latest_comparison(weekly)
    extra = (comparison_frame[["ags", *MAP_EXTRA]] if len(comparison_frame)
             else pd.DataFrame(columns=["ags", *MAP_EXTRA]))
    frame = districts[["ags", "name", "kind", "population", "lat", "lon", "grid_row",
                       "grid_col"]].merge(
        latest[["ags", "capacity", "occupied", "occupancy_rate", "free_places", "status",
                "runway_weeks"]], on="ags", how="left").merge(extra, on="ags", how="left")
    frame["status"] = frame.status.fillna(UNKNOWN)
    for column in MAP_EXTRA:
        frame[column] = frame[column].astype("float64")
    if settings is not None:  # the traffic light's own rule (status_rate): all places
        # unusable with people housed is over the limit
        frame["usable_status"] = [classify(r, settings) for r in status_rate(frame)]
        # the occupancy of all places is coloured by its own value at the same thresholds, so
        # that its colour never contradicts the figure written on it (97,6 % is not "■")
        frame["occupancy_status"] = [classify(r, settings) for r in frame.occupancy_rate]
    return frame


def reporting_matrix(weekly: pd.DataFrame) -> pd.DataFrame:
    """District name x week: 1 where the district reported, 0 where not."""
    if weekly.empty:
        return pd.DataFrame()
    return (weekly.assign(flag=weekly.reported.astype(int))
            .pivot_table(index="name", columns="week", values="flag", aggfunc="max")
            .sort_index(ascending=False))


def missing_latest(weekly: pd.DataFrame) -> pd.DataFrame:
    """Districts without a report for the last week, with their last reported week (or none)."""
    if weekly.empty:
        return pd.DataFrame(columns=["ags", "name", "last_reported"])
    last = weekly.week.max()
    last_reported = weekly[weekly.reported].groupby("ags").week.max().rename("last_reported")
    missing = weekly[(weekly.week == last) & ~weekly.reported.astype(bool)]
    return (missing[["ags", "name"]].join(last_reported, on="ags")
            .sort_values("name").reset_index(drop=True))


# ---------------------------------------------------------------- the Kreis page (issue 14)
# Kinds of accommodation, in the order the charts stack them. Reports name the type in free text
# (``facility_type``); :func:`facility_group` maps it case-insensitively:
# * ``gu``: "GU", "GU Nord", "Gemeinschaftsunterkunft", "Sammelunterkunft";
# * ``flat``: anything with "Wohnung" ("Wohnung", "Wohnungen", "Wohnungsverbund"), "Whg",
#   "dezentral";
# * ``emergency``: anything beginning with "Not" ("Notunterkunft", "Notquartier",
#   "Notunterbringung") and the usual emergency places: "Halle" (Turnhalle, Messehalle,
#   Leichtbauhalle), "Zelt", "Hotel", "Pension", "Hostel", "Jugendherberge";
# * ``unknown``: no type given (the view's "ohne Angabe", or an empty cell);
# * ``other``: every other text (e.g. "Containeranlage"); the summary names those texts.
# A type that matches two groups goes to the first of GU, flat, emergency: the report's own word
# for the kind of housing ("GU Turnhalle") outweighs the building.
FACILITY_GROUPS = ("gu", "flat", "emergency", "other", "unknown")
_GU = re.compile(r"^gu\b|gemeinschaftsunterk|sammelunterk")
_FLAT = re.compile(r"wohnung|\bwhg\b|dezentral")
_EMERGENCY = re.compile(r"^not|halle|zelt|hotel|pension|hostel|jugendherberge")


def facility_group(facility_type: object) -> str:
    """The group of one free-text ``facility_type`` (see :data:`FACILITY_GROUPS`)."""
    if facility_type is None or (isinstance(facility_type, float) and np.isnan(facility_type)):
        return "unknown"
    text = " ".join(str(facility_type).lower().split())
    if not text or text == "ohne angabe":
        return "unknown"
    for group, pattern in (("gu", _GU), ("flat", _FLAT), ("emergency", _EMERGENCY)):
        if pattern.search(text):
            return group
    return "other"


def places_by_type(places: pd.DataFrame, since=None) -> pd.DataFrame:
    """Places per kind of accommodation and week from :func:`queries.places_by_type` (week,
    facility_type, capacity, ...): one row per reported week from ``since`` on, one column per
    group of :data:`FACILITY_GROUPS` (0 where a group had no place that week). Empty (columns
    week and the groups) where the district sent no facility rows."""
    if since is not None:
        places = places[places.week >= pd.Timestamp(since)]
    if places.empty:
        return pd.DataFrame(columns=["week", *FACILITY_GROUPS])
    # the free text varies little: map each distinct value once, not each row
    kinds = {value: facility_group(value) for value in places.facility_type.unique()}
    frame = places.assign(group=places.facility_type.map(kinds),
                          capacity=places.capacity.astype("float64"))
    wide = frame.pivot_table(index="week", columns="group", values="capacity", aggfunc="sum",
                             fill_value=0.0)
    wide = wide.reindex(columns=list(FACILITY_GROUPS), fill_value=0.0)
    return wide.reset_index().rename_axis(columns=None)


def other_types(places: pd.DataFrame) -> list[str]:
    """The free-text types that :func:`facility_group` counts as ``other``, sorted."""
    values = places.facility_type.dropna().unique() if len(places) else []
    return sorted(str(v) for v in values if facility_group(v) == "other")


def usable_places(series: pd.DataFrame) -> pd.DataFrame:
    """One district's weeks: capacity, usable and unusable places (NaN where not reported),
    occupied, the unusable share of the places and occupied / usable places."""
    frame = series[["week", "capacity", "capacity_usable", "capacity_unusable", "occupied"]].astype(
        {"capacity": "float64", "capacity_usable": "float64", "capacity_unusable": "float64",
         "occupied": "float64"})
    frame["unusable_share"] = occupancy_rate(frame.capacity_unusable, frame.capacity)
    frame["usable_rate"] = occupancy_rate(frame.occupied, frame.capacity_usable)
    return frame.reset_index(drop=True)


def entitled(series: pd.DataFrame) -> pd.DataFrame:
    """One district's weeks: residents entitled to move out (the places their moving out would
    free: the "Auszugsstau") and their share of the occupied places; NaN where not reported."""
    frame = series[["week", "occupied", "occupied_entitled"]].astype(
        {"occupied": "float64", "occupied_entitled": "float64"})
    frame["entitled_share"] = occupancy_rate(frame.occupied_entitled, frame.occupied)
    return frame.reset_index(drop=True)


def district_now(series: pd.DataFrame) -> dict[str, float]:
    """The last week of one district's series: capacity, usable, unusable (NaN: not reported),
    unusable_share, free_usable, occupied, entitled (NaN: not reported), entitled_share."""
    if series.empty:
        return {key: float("nan") for key in ("capacity", "usable", "unusable", "unusable_share",
                                              "free_usable", "occupied", "entitled",
                                              "entitled_share")}
    last = series.iloc[-1]

    def value(column: str) -> float:
        v = last.get(column)
        return float("nan") if v is None or pd.isna(v) else float(v)

    capacity, unusable, occupied = value("capacity"), value("capacity_unusable"), value("occupied")
    entitled_now = value("occupied_entitled")
    return {"capacity": capacity, "usable": value("capacity_usable"), "unusable": unusable,
            "unusable_share": occupancy_rate(unusable, capacity), "free_usable": value("free_usable"),
            "occupied": occupied, "entitled": entitled_now,
            "entitled_share": occupancy_rate(entitled_now, occupied)}


def announcements_after(announcements: pd.DataFrame, last_week) -> pd.DataFrame:
    """The announced allocations (week, announced) of the weeks after ``last_week``, oldest first."""
    ahead = announcements[announcements.week > pd.Timestamp(last_week)]
    return ahead[["week", "announced"]].sort_values("week").reset_index(drop=True)


@dataclass(frozen=True)
class Reimbursement:
    """The Land's reimbursement per month for one district's usable places at the configured
    flat rate. ``status``: ``ok`` (``amount`` = ``places`` x ``rate``), ``outside`` (the week
    lies outside the rates' validity), ``land`` (the rates are another Land's), ``kind`` (no rate
    for this kind of district) or ``no_places`` (usable places unknown); ``amount`` is NaN unless
    ``ok``."""

    places: float
    rate: float
    amount: float
    kind: str
    week: date
    status: str


def reimbursement(places: float, kind: str, week, settings: Settings,
                  land_code: str | None = None) -> Reimbursement:
    """Usable places x the monthly rate for ``kind`` (``Landkreis`` / ``kreisfreie Stadt``) in
    force in ``week`` (its Monday between ``reimbursement_valid_from`` and ``_valid_to``), for a
    database of the Land ``land_code`` (None: not checked)."""
    monday = pd.Timestamp(week).date()
    rates = {"Landkreis": settings.reimbursement_landkreis,
             "kreisfreie Stadt": settings.reimbursement_kreisfreie_stadt}
    rate = float(rates.get(kind, float("nan")))
    if land_code is not None and str(land_code) != str(settings.reimbursement_land):
        status = "land"
    elif not settings.reimbursement_valid_from <= monday <= settings.reimbursement_valid_to:
        status = "outside"
    elif np.isnan(rate):
        status = "kind"
    elif places is None or pd.isna(places):
        status = "no_places"
    else:
        status = "ok"
    amount = float(places) * rate if status == "ok" else float("nan")
    return Reimbursement(float("nan") if places is None or pd.isna(places) else float(places),
                         rate, amount, kind, monday, status)


def district_parts(series: pd.DataFrame) -> tuple[dict[str, float], pd.DataFrame, pd.DataFrame]:
    """:func:`district_now`, :func:`usable_places` and :func:`entitled` of one district's series
    at once: the page caches them under one hash of the series instead of three."""
    return district_now(series), usable_places(series), entitled(series)


def places_overview(places: pd.DataFrame, since=None) -> tuple[pd.DataFrame, list[str]]:
    """:func:`places_by_type` from ``since`` on and the texts counted as other (:func:`other_types`)."""
    return places_by_type(places, since), other_types(places)
