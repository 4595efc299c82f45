"""Totals despite gaps: the state's arrivals of a week with an estimate for the districts that
have not reported it yet (issue 25, 3). Pure pandas/numpy, no database, no Streamlit; Lage, the
Lagebericht and Planung show :func:`state_estimate` and never compute it themselves. The
contract view ``weekly`` stays as reported: the estimate is made on reading, never stored.

For the week W (default: the latest week of the frame) and every district that reported some
earlier week but not W:

* **announced**: where the Land announced an allocation for that district and W, the estimate is
  the announced figure. Its band comes from how far reported arrivals have lain from announced
  figures before W: the 10 % and 90 % quantiles of log1p(arrivals) - log1p(announced) over every
  district-week with both (at least :data:`MIN_ANNOUNCED` of them; fewer: no band, the figure
  as it was announced);
* **forecast** otherwise: the district's forecast for W (:mod:`reception.read.forecast`, from
  its reports before W; after a longer gap the forecast of step 1 + gap) with its 80 % band, the
  band's distance from the point (in log1p units) multiplied by :data:`BAND_SCALE`;
* a district that never reported (before W) is not estimated and not counted as missing: it is
  named in ``never`` and the page says the total leaves it out.

The state total = the reported districts' arrivals + the estimates. Its band: the reported part
is known; the estimated districts' misses are taken as independent, so each side of the band
lies the root of the sum of the squared distances (point to bound) away from the point
(:func:`combine`). With one district missing that is that district's band. Where some estimate has
no band (a district with a single report: no past error to draw one from), the total has none
either (NaN), rather than a band that pretends to be sure.

**Calibration** (``make backtest-estimate``, :mod:`reception.read.estimate_backtest`, figures in
``data/estimate_backtest.json``, quoted on Methodik): each district's report of each week is
hidden in turn, on the demo data and on district-like series made from the two real monthly
series, and the 80 % band of the state total is checked against the true total.
:data:`BAND_SCALE` is the factor on a grid of 0.05 that brings the coverage of all those cases
together nearest to 80 %; the pairs of hidden districts (the combination rule) are checked
with it but not used to choose it.

**Occupancy** ("Auslastung Land", :func:`occupancy_split`): the ``weekly`` view carries places and
occupancy of a district that has not reported forward from its last report. The state's rate
counts them; the split says how many districts are fresh (reported W) and how many carried
forward, from which week, and gives the rate of the fresh ones alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reception.read import forecast

BAND_SCALE = 1.10  # calibrated by make backtest-estimate (rule above); see estimate_backtest.json
MIN_ANNOUNCED = 20  # district-weeks with both figures before an announcement band is drawn
ANNOUNCED_QUANTILES = (0.10, 0.90)
FORECAST, ANNOUNCED, NONE = "forecast", "announced", "none"
MISSING_COLUMNS = ["ags", "name", "last_reported", "estimate", "lower", "upper", "source"]
USED = ["ags", "name", "week", "reported", "arrivals", "capacity", "occupied", "announced"]


@dataclass(frozen=True)
class Occupancy:
    """The week's places and occupancy: all districts (``occupied``, ``capacity``, ``rate``: as the
    state figures count them) and the fresh ones only (reported the week)."""

    occupied: float
    capacity: float
    rate: float
    fresh: int
    fresh_occupied: float
    fresh_capacity: float
    fresh_rate: float
    carried: int  # districts whose figures are carried forward from an earlier report
    carried_from: pd.Timestamp | None  # the oldest week carried forward


@dataclass(frozen=True)
class StateEstimate:
    """The state's arrivals of ``week``: reported, estimated for the missing districts
    (``missing``: one row each, columns :data:`MISSING_COLUMNS`), their sum and its 80 % band."""

    week: pd.Timestamp
    districts: int
    reported: int
    arrivals_reported: float
    arrivals: float
    lower: float
    upper: float
    missing: pd.DataFrame = field(repr=False)
    occupancy: Occupancy | None = None
    never: tuple[str, ...] = ()  # names of the districts without any report up to the week

    @property
    def needed(self) -> bool:
        """True when some district has not reported the week (the total is an estimate)."""
        return len(self.missing) > 0

    @property
    def estimated(self) -> float:
        """The estimated part of the total."""
        return float(self.missing.estimate.sum(min_count=1)) if self.needed else 0.0


# ---------------------------------------------------------------- bands
def scale_band(point: np.ndarray, lower: np.ndarray, upper: np.ndarray,
               scale: float = BAND_SCALE) -> tuple[np.ndarray, np.ndarray]:
    """The band's distance from the point in log1p units multiplied by ``scale``."""
    p = np.log1p(np.asarray(point, dtype="float64"))
    low = np.expm1(p + scale * (np.log1p(np.asarray(lower, dtype="float64")) - p))
    high = np.expm1(p + scale * (np.log1p(np.asarray(upper, dtype="float64")) - p))
    return np.maximum(low, 0.0), high


def combine(point: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[float, float, float]:
    """Sum of independent estimates: (point, lower, upper); each side lies the root of the sum of
    the squared distances from the point. NaN points (no estimate) are left out; a NaN bound
    makes that side of the total NaN (no band)."""
    point, lower, upper = (np.asarray(a, dtype="float64") for a in (point, lower, upper))
    known = ~np.isnan(point)
    if not known.any():
        return 0.0, 0.0, 0.0
    p, lo, hi = point[known], lower[known], upper[known]
    total = float(p.sum())
    return (total, max(total - float(np.sqrt(np.sum((p - lo) ** 2))), 0.0),
            total + float(np.sqrt(np.sum((hi - p) ** 2))))


def announced_offsets(weekly: pd.DataFrame, before: pd.Timestamp) -> tuple[float, float] | None:
    """The 10 % and 90 % quantiles of log1p(arrivals) - log1p(announced) over the reported
    district-weeks before ``before`` that have both; None with fewer than :data:`MIN_ANNOUNCED`."""
    if "announced" not in weekly:
        return None
    frame = weekly[(pd.to_datetime(weekly.week) < before) & weekly.reported.astype(bool)]
    both = frame.dropna(subset=["arrivals", "announced"])
    if len(both) < MIN_ANNOUNCED:
        return None
    diff = np.log1p(both.arrivals.astype("float64")) - np.log1p(both.announced.astype("float64"))
    low, high = np.quantile(diff.to_numpy(), ANNOUNCED_QUANTILES)
    return float(min(low, 0.0)), float(max(high, 0.0))


def announced_band(announced: np.ndarray,
                   offsets: tuple[float, float] | None) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper of announced figures given the past misses ``offsets`` (None: none)."""
    figures = np.asarray(announced, dtype="float64")
    if offsets is None:
        return figures, figures
    z = np.log1p(figures)
    return np.maximum(np.expm1(z + offsets[0]), 0.0), np.expm1(z + offsets[1])


# ---------------------------------------------------------------- the estimate
def missing_estimates(weekly: pd.DataFrame, week: pd.Timestamp,
                      announced: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per district of ``weekly`` that did not report ``week`` but some week before it:
    :data:`MISSING_COLUMNS` (``source`` ``none`` where no forecast could be made)."""
    frame = weekly.assign(week=pd.to_datetime(weekly.week))
    now = frame[frame.week == week]
    missing = now[~now.reported.astype(bool)][["ags", "name"]].copy() if "name" in now else \
        now[~now.reported.astype(bool)][["ags"]].assign(name=lambda f: f.ags)
    if missing.empty:
        return pd.DataFrame(columns=MISSING_COLUMNS)
    history = frame[frame.week < week]
    last = history[history.reported.astype(bool)].groupby("ags").week.max()
    missing["last_reported"] = pd.to_datetime(last.reindex(missing.ags).to_numpy())
    missing = missing[missing.last_reported.notna()].assign(estimate=np.nan, lower=np.nan, upper=np.nan,
                                                            source=NONE)
    if missing.empty:  # only districts that never reported: nothing to estimate
        return pd.DataFrame(columns=MISSING_COLUMNS)
    # each district's forecast is its own (forecast_matrix works row by row): the missing ones only
    own = history[history.ags.isin(missing.ags)]
    predicted = forecast.forecast_districts(own[["ags", "week", "arrivals", "reported"]], 1)
    predicted = predicted[pd.to_datetime(predicted.week) == week].set_index("ags")
    hit = missing.ags.isin(predicted.index)
    rows = predicted.loc[missing.ags[hit]]
    low, high = scale_band(rows.forecast.to_numpy(), rows.lower.to_numpy(), rows.upper.to_numpy())
    missing.loc[hit, ["estimate", "lower", "upper"]] = np.column_stack(
        [rows.forecast.to_numpy(dtype="float64"), low, high])
    missing.loc[hit, "source"] = FORECAST
    figures = _announced_for(announced, week, missing.ags)
    if len(figures):
        chosen = missing.ags.isin(figures.index)
        values = figures.loc[missing.ags[chosen]].to_numpy(dtype="float64")
        low, high = announced_band(values, announced_offsets(frame, week))
        missing.loc[chosen, ["estimate", "lower", "upper"]] = np.column_stack([values, low, high])
        missing.loc[chosen, "source"] = ANNOUNCED
    return missing[MISSING_COLUMNS].sort_values("name").reset_index(drop=True)


def _announced_for(announced: pd.DataFrame | None, week: pd.Timestamp, ags: pd.Series) -> pd.Series:
    if announced is None or announced.empty:
        return pd.Series(dtype="float64")
    rows = announced[(pd.to_datetime(announced.week) == week) & announced.ags.isin(ags)]
    rows = rows.dropna(subset=["announced"])
    return rows.groupby("ags").announced.last().astype("float64")


def occupancy_split(weekly: pd.DataFrame, week: pd.Timestamp) -> Occupancy:
    """Places and occupancy of ``week``: all districts with figures, and the fresh ones alone."""
    frame = weekly[pd.to_datetime(weekly.week) == week]
    frame = frame[frame.capacity.notna() & frame.occupied.notna()]
    fresh = frame[frame.reported.astype(bool)]
    carried = frame[~frame.reported.astype(bool)]
    last = weekly[weekly.reported.astype(bool) & weekly.ags.isin(carried.ags)
                  & (pd.to_datetime(weekly.week) < week)].groupby("ags").week.max()
    occupied, capacity = float(frame.occupied.sum()), float(frame.capacity.sum())
    fresh_occupied, fresh_capacity = float(fresh.occupied.sum()), float(fresh.capacity.sum())
    return Occupancy(occupied, capacity, occupied / capacity if capacity > 0 else float("nan"),
                     len(fresh), fresh_occupied, fresh_capacity,
                     fresh_occupied / fresh_capacity if fresh_capacity > 0 else float("nan"),
                     len(carried), pd.Timestamp(last.min()) if len(last) else None)


def state_estimate(weekly: pd.DataFrame, announced: pd.DataFrame | None = None,
                   week=None) -> StateEstimate | None:
    """The state's arrivals of ``week`` (default: the frame's latest week) from ``weekly`` (the
    whole history of the districts counted: the ``weekly`` view's columns, ``name`` optional)
    with the estimate of the districts that did not report it; ``announced``: the
    ``announcements`` view. None for an empty frame."""
    if weekly.empty:
        return None
    # the columns it reads only: a national frame (100,000 rows, 20 columns) is copied below
    frame = weekly[[c for c in USED if c in weekly]]
    frame = frame.assign(week=pd.to_datetime(frame.week))
    week = pd.Timestamp(week) if week is not None else frame.week.max()
    frame = frame[frame.week <= week]
    now = frame[frame.week == week]
    reported = now[now.reported.astype(bool)]
    missing = missing_estimates(frame, week, announced)
    ever = frame[frame.reported.astype(bool)].ags.unique()
    absent = now[~now.ags.isin(ever)]
    never = tuple(sorted(absent.name if "name" in absent else absent.ags))
    known = float(reported.arrivals.astype("float64").sum())
    total, lower, upper = combine(missing.estimate.to_numpy(dtype="float64"),
                                  missing.lower.to_numpy(dtype="float64"),
                                  missing.upper.to_numpy(dtype="float64"))
    return StateEstimate(week, int(now.ags.nunique()), len(reported), known, known + total,
                         known + lower, known + upper, missing, occupancy_split(frame, week), never)
