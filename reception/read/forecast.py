"""Forecast of counts per period (weekly arrivals per district, monthly applications, ...): pure
numpy/pandas, no database, no Streamlit.

Method (measured in ``make backtest``, figures in ``data/forecast_backtest.json``):

* **point**: simple exponential smoothing of ``log(1 + y)``; the smoothing weight ``alpha`` is
  fitted per series on a grid (0.05 … 1.00) by the sum of squared one-step errors (the largest
  weight within 5 % of the best fit, see :func:`fit_alpha`). The
  forecast is flat: ``expm1(level)`` for every step ahead. The log makes a rise from 10 to 20 the
  same size of surprise as one from 1,000 to 2,000, and keeps forecasts and bands at or above 0.
* **bands** (50 % and 80 %): empirical, from the method's own past errors. For every earlier
  origin ``t`` and every step ``h`` the error ``log1p(y[t+h]) - level[t]`` is known; the 10/25/75/90 %
  quantiles of those errors, added to the level and transformed back, are the bands of step ``h``.
  They widen with the horizon because the errors do, and they are skewed (misses on the high side
  are larger in a surge) because the errors are. With fewer than ``MIN_ERRORS`` errors for a step
  the band comes from the normal approximation of the one-step errors
  (``z · s · sqrt(1 + (h - 1) · alpha²)``); with no error at all (one reported period) there is no
  band (NaN).
* **gaps** (unreported periods, NaN): the level is carried over them; a series whose last periods
  are missing is forecast from its last report, so its first forecast period is step ``1 + gap``.
* **trend-break flag**: when at least 2 of the last 3 reported periods lay outside the one-step
  80 % band on the same side (``above`` / ``below``), the forecast is flagged ("Prognose derzeit
  unsicher") and the band on that side is widened by the mean of those exceedances (in log units,
  times ``sqrt(h)``): the level lags behind a break, and the band says so.
* **state** (:func:`forecast_total`): coherent bottom-up. The state's point forecast is the sum
  of its districts' point forecasts; its band comes from the errors of that sum in the past (per
  origin and step: log1p(sum of the reported districts' arrivals) - log1p(sum of their
  forecasts)), so it is the band of the very forecast shown, not of another model.
* **announced allocations** (:func:`apply_announced`): where the Land has announced a figure for a
  week, that figure replaces the forecast and its band (``source = "announced"``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

ALPHAS = np.round(np.linspace(0.05, 1.0, 20), 2)
QUANTILES = (0.10, 0.25, 0.75, 0.90)  # 80 % band: 10-90; 50 % band: 25-75
Z80, Z50 = 1.2816, 0.6745
MIN_ERRORS = 6
ALPHA_TOLERANCE = 0.05
MAX_GAP = 12  # trailing unreported periods beyond this are not extrapolated further
FLAG_WINDOW, FLAG_MIN = 3, 2
ABOVE, BELOW = "above", "below"
COLUMNS = ["step", "forecast", "lower50", "upper50", "lower", "upper", "flag", "alpha"]


# ---------------------------------------------------------------- smoothing on arrays
def _as_matrix(values: np.ndarray) -> np.ndarray:
    matrix = np.asarray(values, dtype="float64")
    return matrix.reshape(1, -1) if matrix.ndim == 1 else matrix


def levels(z: np.ndarray, alpha: np.ndarray | float) -> np.ndarray:
    """Level after each period of each row of ``z`` (series x periods, NaN = not reported)
    for smoothing weights ``alpha`` (one per row, or one for all). NaN before a row's first report."""
    z = _as_matrix(z)
    weight = np.broadcast_to(np.asarray(alpha, dtype="float64"), (z.shape[0],))
    out = np.full_like(z, np.nan)
    level = np.full(z.shape[0], np.nan)
    for t in range(z.shape[1]):
        level = _step(level, z[:, t], weight)
        out[:, t] = level
    return out


def _step(level: np.ndarray, observed: np.ndarray, weight: np.ndarray) -> np.ndarray:
    updated = level + weight * (observed - level)
    return np.where(np.isnan(level), observed, np.where(np.isnan(observed), level, updated))


def fit_alpha(z: np.ndarray, grid: np.ndarray = ALPHAS, tolerance: float = ALPHA_TOLERANCE) -> np.ndarray:
    """Per row of ``z``: the largest grid weight whose sum of squared one-step errors is within
    ``tolerance`` (5 %) of the smallest. Among fits that are as good, the most responsive one: in
    a crisis a forecast that follows the latest figures beats one tuned to the calm past (measured:
    on the monthly series it is what keeps the error at naive's, not 1 % above). A row without any
    one-step error gets 1.0."""
    z = _as_matrix(z)
    level = np.full((len(grid), z.shape[0]), np.nan)
    sse = np.zeros((len(grid), z.shape[0]))
    weight = grid[:, None]
    for t in range(z.shape[1]):
        error = z[:, t] - level
        sse += np.where(np.isnan(error), 0.0, error * error)
        level = _step(level, np.broadcast_to(z[:, t], level.shape), weight)
    good = sse <= sse.min(axis=0) * (1 + tolerance) + 1e-12
    return grid[len(grid) - 1 - np.argmax(good[::-1], axis=0)]


# ---------------------------------------------------------------- errors and bands
def past_errors(z: np.ndarray, level: np.ndarray, steps: int) -> np.ndarray:
    """errors[h-1, i, t] = z[i, t+h] - level[i, t] for h = 1..steps (NaN where unknown)."""
    n, periods = z.shape
    errors = np.full((steps, n, periods), np.nan)
    for h in range(1, min(steps, periods - 1) + 1):
        errors[h - 1, :, : periods - h] = z[:, h:] - level[:, :-h]
    return errors


def error_quantiles(errors: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """quantiles[h-1, i, k] of ``errors`` (steps x series x origins) for QUANTILES; the normal
    approximation where a step has fewer than MIN_ERRORS errors; NaN without any one-step error."""
    steps, n, _ = errors.shape
    counts = np.sum(~np.isnan(errors), axis=2)
    out = np.full((steps, n, len(QUANTILES)), np.nan)
    enough = counts >= MIN_ERRORS
    if enough.any():
        out = np.where(enough[:, :, None], _nanquantiles(errors, counts), out)
    one_step = errors[0]
    known = np.sum(~np.isnan(one_step), axis=1)
    with np.errstate(all="ignore"):
        sigma = np.sqrt(np.nansum(one_step ** 2, axis=1) / known)
    sigma = np.where(known > 0, sigma, np.nan)
    h = np.arange(1, steps + 1)[:, None]
    spread = sigma[None, :] * np.sqrt(1 + (h - 1) * alpha[None, :] ** 2)
    normal = np.stack([-Z80 * spread, -Z50 * spread, Z50 * spread, Z80 * spread], axis=-1)
    bands = np.where(enough[:, :, None], out, normal)
    # uncertainty does not shrink with the horizon: a later step's band is at least as wide
    bands[..., 0] = np.fmin.accumulate(bands[..., 0], axis=0)
    bands[..., 1] = np.fmin.accumulate(bands[..., 1], axis=0)
    bands[..., 2] = np.fmax.accumulate(bands[..., 2], axis=0)
    bands[..., 3] = np.fmax.accumulate(bands[..., 3], axis=0)
    return bands


def _nanquantiles(errors: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """QUANTILES of the last axis ignoring NaN (numpy's linear method, as np.nanquantile), for
    all rows at once: np.nanquantile loops in Python over 400 x 8 rows (about 1 s)."""
    ordered = np.sort(errors, axis=-1)  # NaN sort last
    out = np.empty(errors.shape[:-1] + (len(QUANTILES),))
    top = np.maximum(counts - 1, 0)
    for k, q in enumerate(QUANTILES):
        position = top * q
        below = np.floor(position).astype(int)
        above = np.minimum(below + 1, top)
        low = np.take_along_axis(ordered, below[..., None], axis=-1)[..., 0]
        high = np.take_along_axis(ordered, above[..., None], axis=-1)[..., 0]
        out[..., k] = low + (high - low) * (position - below)
    return out


def trend_break(z: np.ndarray, errors: np.ndarray, quantiles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per series: flag (ABOVE, BELOW or "") and the mean exceedance (log units) of the last
    FLAG_WINDOW reported periods against the one-step 80 % band."""
    one_step = errors[0]  # one_step[i, t] = error of the forecast made at t for t+1
    n = z.shape[0]
    flags = np.full(n, "", dtype=object)
    excess = np.zeros(n)
    low, high = quantiles[0, :, 0], quantiles[0, :, 3]
    for i in range(n):
        recent = one_step[i][~np.isnan(one_step[i])][-FLAG_WINDOW:]
        if np.isnan(low[i]) or len(recent) < FLAG_MIN:
            continue
        # outside the band and beyond zero: a trend the level keeps lagging is not a break
        over = recent[recent > max(high[i], 0.0)]
        under = recent[recent < min(low[i], 0.0)]
        if len(over) >= FLAG_MIN:
            flags[i], excess[i] = ABOVE, float(np.mean(over - max(high[i], 0.0)))
        elif len(under) >= FLAG_MIN:
            flags[i], excess[i] = BELOW, float(np.mean(min(low[i], 0.0) - under))
    return flags, excess


def trailing_gaps(z: np.ndarray) -> np.ndarray:
    """Per row: unreported periods after the last report (the whole length if none)."""
    reported = ~np.isnan(z)
    last = np.where(reported.any(axis=1), z.shape[1] - 1 - np.argmax(reported[:, ::-1], axis=1), -1)
    return np.minimum(z.shape[1] - 1 - last, MAX_GAP)


# ---------------------------------------------------------------- forecasts
def forecast_matrix(values: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """Forecast every row of ``values`` (series x periods, counts, NaN = not reported) for
    ``horizon`` periods after its last column. Arrays of shape series x horizon: forecast,
    lower50, upper50, lower, upper (80 %); per series: flag, alpha. Also, for the state sum,
    ``level`` (series x periods)."""
    y = _as_matrix(values)
    y = np.where(y < 0, np.nan, y)
    z = np.log1p(y)
    alpha = fit_alpha(z)
    level = levels(z, alpha)
    gaps = trailing_gaps(z)
    steps = horizon + int(gaps.max(initial=0))
    errors = past_errors(z, level, steps)
    quantiles = error_quantiles(errors, alpha)
    flags, excess = trend_break(z, errors, quantiles)
    return _assemble(level[:, -1], quantiles, gaps, horizon, flags, excess) | {
        "alpha": alpha, "level": level}


def _offsets(quantiles: np.ndarray, gaps: np.ndarray, horizon: int, flags: np.ndarray,
             excess: np.ndarray) -> np.ndarray:
    """Error quantiles (log units; series x horizon x 4) of steps gap+1 .. gap+horizon, widened on
    the flagged side."""
    n = quantiles.shape[1]
    index = gaps[:, None] + np.arange(horizon)[None, :]  # step h-1 of each series
    q = quantiles[index, np.arange(n)[:, None], :].copy()
    widen = excess[:, None] * np.sqrt(index + 1.0)
    above = np.where(flags == ABOVE, 1.0, 0.0)[:, None] * widen
    below = np.where(flags == BELOW, 1.0, 0.0)[:, None] * widen
    q[..., 3] += above
    q[..., 2] += 0.5 * above
    q[..., 0] -= below
    q[..., 1] -= 0.5 * below
    return q


def _bands(point_log: np.ndarray, q: np.ndarray, flags: np.ndarray) -> dict[str, np.ndarray]:
    """Point and bands from log-unit points (series x horizon) and offsets (series x horizon x 4)."""
    point = np.maximum(np.expm1(point_log), 0.0)
    bounds = np.maximum(np.expm1(point_log[..., None] + q), 0.0)
    # an empirical quantile may lie on the wrong side of the point (skewed errors): keep order
    return {"forecast": point,
            "lower": np.minimum(bounds[..., 0], point), "lower50": np.minimum(bounds[..., 1], point),
            "upper50": np.maximum(bounds[..., 2], point), "upper": np.maximum(bounds[..., 3], point),
            "flag": flags}


def _assemble(last_level: np.ndarray, quantiles: np.ndarray, gaps: np.ndarray, horizon: int,
              flags: np.ndarray, excess: np.ndarray) -> dict[str, np.ndarray]:
    point_log = np.broadcast_to(last_level[:, None], (len(last_level), horizon))
    return _bands(point_log, _offsets(quantiles, gaps, horizon, flags, excess), flags)


def forecast_values(values, horizon: int) -> pd.DataFrame:
    """One series (a sequence of counts, NaN = not reported): COLUMNS, ``horizon`` rows."""
    if horizon <= 0 or not np.isfinite(np.asarray(values, dtype="float64")).any():
        return pd.DataFrame(columns=COLUMNS)
    result = forecast_matrix(np.asarray(values, dtype="float64"), horizon)
    return pd.DataFrame({
        "step": np.arange(1, horizon + 1), **{k: result[k][0] for k in
                                               ("forecast", "lower50", "upper50", "lower", "upper")},
        "flag": result["flag"][0], "alpha": float(result["alpha"][0])})[COLUMNS]


def next_periods(last: pd.Timestamp, horizon: int, freq: str = "W") -> list[pd.Timestamp]:
    """The ``horizon`` period starts after ``last``: weeks (Mondays) or months (first days)."""
    if freq == "M":
        return [last + pd.DateOffset(months=k) for k in range(1, horizon + 1)]
    return [last + pd.Timedelta(weeks=k) for k in range(1, horizon + 1)]


def forecast_weekly(history: pd.DataFrame, horizon: int, column: str = "arrivals",
                    announced: Mapping | None = None) -> pd.DataFrame:
    """One district's weekly ``column`` (frame with ``week``; unreported weeks NaN or absent) for
    ``horizon`` weeks after its last week: week, step, forecast, lower50, upper50, lower, upper,
    flag, alpha, source. Empty without any reported week."""
    frame = regular_weeks(history, column)
    if frame.empty:
        return pd.DataFrame(columns=["week", *COLUMNS, "source"])
    out = forecast_values(frame[column].to_numpy(dtype="float64"), horizon)
    if out.empty:
        return pd.DataFrame(columns=["week", *COLUMNS, "source"])
    out.insert(0, "week", next_periods(frame.week.iloc[-1], horizon))
    out["source"] = "forecast"
    return apply_announced(out, announced)


def regular_weeks(history: pd.DataFrame, column: str) -> pd.DataFrame:
    """``history`` on an unbroken run of Mondays (missing weeks NaN), oldest first."""
    if history.empty:
        return pd.DataFrame(columns=["week", column])
    weeks = pd.to_datetime(history.week)
    values = pd.Series(history[column].astype("float64").to_numpy(), index=weeks).groupby(level=0).sum(
        min_count=1)
    full = pd.date_range(values.index.min(), values.index.max(), freq="7D")
    return pd.DataFrame({"week": full, column: values.reindex(full).to_numpy()})


def apply_announced(frame: pd.DataFrame, announced: Mapping | None) -> pd.DataFrame:
    """Weeks with an announced figure take it as forecast and band (``source = "announced"``)."""
    if not announced or frame.empty:
        return frame
    known = {pd.Timestamp(week): float(value) for week, value in announced.items()
             if value is not None and not pd.isna(value)}
    out = frame.copy()
    hit = out.week.map(lambda w: pd.Timestamp(w) in known).astype(bool)
    figures = out.week[hit].map(lambda w: known[pd.Timestamp(w)])
    for column in ("forecast", "lower50", "upper50", "lower", "upper"):
        out.loc[hit, column] = figures
    out.loc[hit, "source"] = "announced"
    return out


# ---------------------------------------------------------------- districts and the state
def _matrix(weekly: pd.DataFrame, column: str) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    """ags x every week of ``weekly`` (unreported weeks NaN)."""
    values = weekly.assign(week=pd.to_datetime(weekly.week),
                           **{column: weekly[column].astype("float64")}).pivot_table(
        index="ags", columns="week", values=column, aggfunc="max", dropna=False)  # NaN stays NaN
    full = pd.date_range(values.columns.min(), values.columns.max(), freq="7D")
    values = values.reindex(columns=full)
    reported = weekly.assign(week=pd.to_datetime(weekly.week), reported=weekly.get("reported", True))
    if "reported" in weekly:  # carried-forward weeks are not observations
        mask = reported.assign(reported=reported.reported.astype(bool)).pivot_table(
            index="ags", columns="week", values="reported", aggfunc="max")
        values = values.where(mask.reindex(index=values.index, columns=full).fillna(False).astype(bool))
    return values, full


def forecast_districts(weekly: pd.DataFrame, horizon: int, column: str = "arrivals",
                       announced: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every district of ``weekly`` (ags, week, ``column``, optionally reported) for ``horizon``
    weeks after the frame's last week: ags, week, step, forecast, lower50, upper50, lower, upper,
    flag, alpha, source. ``announced`` (ags, week, announced) replaces the forecast where it
    covers a week."""
    columns = ["ags", "week", *COLUMNS, "source"]
    if weekly.empty or horizon <= 0:
        return pd.DataFrame(columns=columns)
    values, weeks = _matrix(weekly, column)
    keep = values.notna().any(axis=1).to_numpy()
    values = values[keep]
    if values.empty:
        return pd.DataFrame(columns=columns)
    result = forecast_matrix(values.to_numpy(), horizon)
    frame = _long(values.index, next_periods(weeks[-1], horizon), result, horizon)
    return _announce_many(frame, announced)[columns]


def _long(index, periods, result: dict, horizon: int) -> pd.DataFrame:
    n = len(index)
    frame = pd.DataFrame({
        "ags": np.repeat(np.asarray(index), horizon), "week": np.tile(np.asarray(periods), n),
        "step": np.tile(np.arange(1, horizon + 1), n),
        **{k: result[k].reshape(-1) for k in ("forecast", "lower50", "upper50", "lower", "upper")},
        "flag": np.repeat(result["flag"], horizon), "alpha": np.repeat(result["alpha"], horizon)})
    frame["source"] = "forecast"
    return frame


def _announce_many(frame: pd.DataFrame, announced: pd.DataFrame | None) -> pd.DataFrame:
    if announced is None or announced.empty:
        return frame
    figures = announced.dropna(subset=["announced"]).assign(week=lambda f: pd.to_datetime(f.week))
    merged = frame.merge(figures[["ags", "week", "announced"]], on=["ags", "week"], how="left")
    hit = merged.announced.notna()
    for column in ("forecast", "lower50", "upper50", "lower", "upper"):
        merged.loc[hit, column] = merged.announced[hit]
    merged.loc[hit, "source"] = "announced"
    return merged.drop(columns="announced")


def forecast_total(weekly: pd.DataFrame, horizon: int, column: str = "arrivals",
                   announced: pd.DataFrame | None = None) -> pd.DataFrame:
    """The state (sum of the districts of ``weekly``), coherent with :func:`forecast_districts`:
    point = sum of the districts' points (announced figures included); band from the past errors
    of that sum. Columns: week, step, forecast, lower50, upper50, lower, upper, flag, alpha (NaN),
    source ("announced" where every district's figure is announced)."""
    columns = ["week", *COLUMNS, "source"]
    if weekly.empty or horizon <= 0:
        return pd.DataFrame(columns=columns)
    values, weeks = _matrix(weekly, column)
    values = values[values.notna().any(axis=1)]
    if values.empty:
        return pd.DataFrame(columns=columns)
    y = values.to_numpy(dtype="float64")
    result = forecast_matrix(y, horizon)
    districts = _announce_many(_long(values.index, next_periods(weeks[-1], horizon), result, horizon),
                               announced)
    point = districts.groupby("step").forecast.sum().to_numpy()
    z_total, errors = _total_errors(np.log1p(np.where(y < 0, np.nan, y)), result["level"], horizon)
    quantiles = error_quantiles(errors, np.array([0.5]))
    flags, excess = trend_break(z_total, errors, quantiles)
    offsets = _offsets(quantiles, np.zeros(1, dtype=int), horizon, flags, excess)
    band = _bands(np.log1p(point)[None, :], offsets, flags)
    out = pd.DataFrame({"week": next_periods(weeks[-1], horizon), "step": np.arange(1, horizon + 1),
                        **{k: band[k][0] for k in ("forecast", "lower50", "upper50", "lower", "upper")}})
    out["flag"], out["alpha"] = flags[0], np.nan
    everything = districts.groupby("step").source.agg(lambda s: (s == "announced").all()).to_numpy()
    out["source"] = np.where(everything, "announced", "forecast")
    return out[columns]


def _total_errors(z: np.ndarray, level: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """The sum's log series and its past errors (1 x periods; steps x 1 x periods): per origin t and
    step h, log1p(sum of y[i, t+h]) - log1p(sum of expm1(level[i, t])) over the districts with both."""
    y = np.expm1(z)
    predicted = np.expm1(level)
    periods = z.shape[1]
    errors = np.full((steps, 1, periods), np.nan)
    for h in range(1, min(steps, periods - 1) + 1):
        actual, guess = y[:, h:], predicted[:, :-h]
        both = ~np.isnan(actual) & ~np.isnan(guess)
        total_actual = np.where(both, actual, 0.0).sum(axis=0)
        total_guess = np.where(both, guess, 0.0).sum(axis=0)
        errors[h - 1, 0, : periods - h] = np.where(both.any(axis=0),
                                                   np.log1p(total_actual) - np.log1p(total_guess), np.nan)
    total = np.where(~np.isnan(y).all(axis=0), np.nansum(y, axis=0), np.nan)
    return np.log1p(total)[None, :], errors


# ---------------------------------------------------------------- any series (python -m etl forecast)
class SeriesError(ValueError):
    """A series file that cannot be forecast; ``key`` and ``params`` name the text (forecast.toml)."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params


def read_series(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``frame`` (columns ``series`` (optional), ``date``, ``value``; names without regard to case
    or spaces) as {series: date, value} on a regular grid (missing periods NaN), each with its
    frequency in ``.attrs["freq"]`` ("W" or "M"). Raises :class:`SeriesError`."""
    frame = frame.rename(columns={c: str(c).strip().lower().lstrip("\ufeff") for c in frame.columns})
    if not {"date", "value"} <= set(frame.columns):
        raise SeriesError("forecast.columns", found=", ".join(map(str, frame.columns)))
    if frame.empty:
        raise SeriesError("forecast.empty")
    names = frame["series"].astype(str) if "series" in frame.columns else pd.Series("", index=frame.index)
    dates = pd.to_datetime(frame["date"], errors="coerce", format="ISO8601")
    values = pd.to_numeric(frame["value"], errors="coerce")
    for label, bad in (("date", dates.isna()), ("value", values.isna() & frame["value"].notna()
                                                 | (values < 0))):
        if bad.any():
            line = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # header is line 1
            raise SeriesError(f"forecast.bad_{label}", line=line, value=frame[label].iloc[line - 2])
    out = {}
    for name, part in pd.DataFrame({"series": names, "date": dates, "value": values}).groupby(
            "series", sort=False):
        if part.date.duplicated().any():
            raise SeriesError("forecast.duplicate", series=name,
                              date=part.date[part.date.duplicated()].iloc[0].date().isoformat())
        out[name] = _regular(part.sort_values("date"), name)
    return out


def _regular(part: pd.DataFrame, name: str) -> pd.DataFrame:
    freq = detect_frequency(part.date)
    if freq is None:
        raise SeriesError("forecast.frequency", series=name)
    start, end = part.date.iloc[0], part.date.iloc[-1]
    grid = (pd.date_range(start, end, freq="7D") if freq == "W"
            else pd.DatetimeIndex([start + pd.DateOffset(months=k) for k in
                                   range((end.year - start.year) * 12 + end.month - start.month + 1)]))
    regular = pd.DataFrame({"date": grid, "value": part.set_index("date").value.reindex(grid).to_numpy()})
    if part.date.isin(grid).sum() < len(part):
        raise SeriesError("forecast.frequency", series=name)
    regular.attrs["freq"] = freq
    return regular


def detect_frequency(dates: pd.Series) -> str | None:
    """"W" when consecutive dates lie a multiple of 7 days apart, "M" when they fall on the
    same day of consecutive months (28-31 days), None otherwise; a single date counts as weekly."""
    if len(dates) < 2:
        return "W"
    days = dates.diff().dropna().dt.days
    if (days % 7 == 0).all() and (days > 0).all():
        return "W"
    if dates.dt.day.nunique() == 1 and (days >= 28).all():
        return "M"
    return None


def forecast_series(series: dict[str, pd.DataFrame], horizon: int) -> pd.DataFrame:
    """series, date, forecast, lower, upper (80 %): ``horizon`` rows per series, from its end."""
    parts = []
    for name, frame in series.items():
        result = forecast_values(frame.value.to_numpy(dtype="float64"), horizon)
        dates = next_periods(frame.date.iloc[-1], horizon, frame.attrs.get("freq", "W"))
        parts.append(pd.DataFrame({"series": name, "date": [d.date().isoformat() for d in dates],
                                   "forecast": result.forecast.to_numpy(),
                                   "lower": result.lower.to_numpy(), "upper": result.upper.to_numpy()}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["series", "date", "forecast", "lower", "upper"])
