"""Backtest of :mod:`reception.read.estimate`: how often the 80 % band of the state total held the
true total when districts had not reported.

``make backtest-estimate`` (``python -m reception.read.estimate_backtest --demo-db DB``) hides
each district's report of each week in turn, estimates it as the app would (the district's
forecast from its reports before that week, or the announced figure) and checks the band of the
state total (the other districts' reports + the estimate) against the true total; with two
districts hidden at once (every pair) it checks the combination rule. It prints the figures and
writes ``data/estimate_backtest.json`` (the Methodik page quotes it).

The data:

* **demo**: the demo database (``python -m etl init --demo``; make builds a fresh one in a
  temporary folder), 22 districts, weekly, from the 26th week on; the estimate from the forecast
  alone, and a second run with the announced figures where the demo has them (it announces
  almost every week, so that run is the announcement band's test);
* **real** (BAMF and Eurostat, ``data/series/``): national monthly counts, not district ones. They
  are turned into a district-like test the way the Land itself splits its arrivals: each month's
  national figure times Thuringia's share of the Königsteiner Schlüssel
  (:data:`THURINGIA_SHARE`, 2,65 %), rounded, is allocated to the 22 districts by a multinomial
  draw with the shares of the Thuringian distribution key (``data/distribution_key_thueringen.csv``);
  :data:`SEEDS` draws per series (fixed seeds: the figures are reproducible). The districts then
  share the real curve (the 2015/16 surge and the fall after it) with the noise of who happens
  to be allocated where; months stand for weeks (the method does not care about the period),
  from the 12th month on.

Calibration rule (what :data:`reception.read.estimate.BAND_SCALE` is): the factor on the grid
:data:`SCALES` for which the mean of the three hide-one coverages (demo, BAMF, Eurostat; forecast
only) lies nearest to 80 %. The pairs and the announcement run are not used to choose it.
"""

from __future__ import annotations

import json
from datetime import date
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from reception.config import DATA_DIR
from reception.read import backtest, estimate, forecast
from reception.read.backtest import SERIES, WEEKLY_TRAIN

FIGURES = DATA_DIR / "estimate_backtest.json"
KEY = DATA_DIR / "distribution_key_thueringen.csv"
THURINGIA_SHARE = 0.0265  # Königsteiner Schlüssel, Thuringia: 2.6-2.7 % over 2015-2025
SEEDS = (1, 2, 3, 4, 5)
MONTHLY_TRAIN = 12
SCALES = np.round(np.arange(0.5, 2.0001, 0.05), 2)
TARGET = 0.80


# ---------------------------------------------------------------- the cases
def cases(values: np.ndarray, min_train: int, announced: np.ndarray | None = None) -> pd.DataFrame:
    """One row per (period, district) whose report exists, from ``min_train`` periods on: the
    district's actual figure, the estimate made without it (point, and the band's distances from
    the point in log1p units, ``low``/``high``), its ``source`` and the true state ``total``.
    ``values``: districts x periods (NaN = not reported); ``announced`` the same shape."""
    rows = []
    for week in range(min_train, values.shape[1]):
        result = forecast.forecast_matrix(values[:, :week], 1)
        point = result["forecast"][:, 0]
        z = np.log1p(point)
        low, high = np.log1p(result["lower"][:, 0]) - z, np.log1p(result["upper"][:, 0]) - z
        source = np.full(len(point), estimate.FORECAST, dtype=object)
        if announced is not None:
            point, low, high, source = _with_announced(values, announced, week, point, low, high, source)
        actual = values[:, week]
        total = np.nansum(actual)
        for d in np.flatnonzero(~np.isnan(actual) & ~np.isnan(point)):
            rows.append((week, d, actual[d], total, point[d], low[d], high[d], source[d]))
    return pd.DataFrame(rows, columns=["period", "district", "actual", "total", "point", "low", "high",
                                       "source"])


def _with_announced(values, announced, week, point, low, high, source):
    """Where the period has an announced figure: it, with the band of the misses before it."""
    figures = announced[:, week]
    past = ~np.isnan(values[:, :week]) & ~np.isnan(announced[:, :week])
    offsets = None
    if past.sum() >= estimate.MIN_ANNOUNCED:
        diff = np.log1p(values[:, :week][past]) - np.log1p(announced[:, :week][past])
        q = np.quantile(diff, estimate.ANNOUNCED_QUANTILES)
        offsets = (min(q[0], 0.0), max(q[1], 0.0))
    hit = ~np.isnan(figures)
    point, low, high, source = point.copy(), low.copy(), high.copy(), source.copy()
    point[hit] = figures[hit]
    low[hit] = offsets[0] if offsets else 0.0
    high[hit] = offsets[1] if offsets else 0.0
    source[hit] = estimate.ANNOUNCED
    return point, low, high, source


def bounds(frame: pd.DataFrame, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper of each case's estimate with the forecast band scaled by ``scale``
    (announced bands are not scaled)."""
    factor = np.where(frame.source == estimate.FORECAST, scale, 1.0)
    z = np.log1p(frame.point.to_numpy(dtype="float64"))
    return (np.maximum(np.expm1(z + factor * frame.low.to_numpy()), 0.0),
            np.expm1(z + factor * frame.high.to_numpy()))


def hide_one(frame: pd.DataFrame, scale: float) -> dict:
    """Coverage of the state total's 80 % band with one district hidden (the total's band is the
    district's, shifted by the others' reports), width relative to the total, and the share above."""
    if frame.empty:
        return {"n": 0}
    lower, upper = bounds(frame, scale)
    actual = frame.actual.to_numpy()
    inside = (actual >= lower - 1e-9) & (actual <= upper + 1e-9)
    total = frame.total.to_numpy()
    return {"n": int(len(frame)), "coverage80": round(float(inside.mean()), 3),
            "above": round(float((actual > upper + 1e-9).mean()), 3),
            "below": round(float((actual < lower - 1e-9).mean()), 3),
            "width_rel_total": round(float(np.mean((upper - lower) / np.where(total > 0, total, np.nan))), 3),
            "abs_error_rel_total": round(float(np.nanmean(np.abs(frame.point - actual)
                                                          / np.where(total > 0, total, np.nan))), 4)}


def hide_two(frame: pd.DataFrame, scale: float) -> dict:
    """Every pair of districts of a period hidden at once: coverage of the combined band
    (:func:`estimate.combine`), and of the sum of the two bounds for comparison."""
    if frame.empty:
        return {"n": 0}
    lower, upper = bounds(frame, scale)
    frame = frame.assign(lower=lower, upper=upper)
    inside = inside_sum = count = 0
    for _, part in frame.groupby("period"):
        if len(part) < 2:
            continue
        a, p, lo, hi = (part[c].to_numpy(dtype="float64") for c in ("actual", "point", "lower", "upper"))
        i, j = np.array(list(combinations(range(len(part)), 2))).T
        truth, centre = a[i] + a[j], p[i] + p[j]
        low = centre - np.sqrt((p[i] - lo[i]) ** 2 + (p[j] - lo[j]) ** 2)
        high = centre + np.sqrt((hi[i] - p[i]) ** 2 + (hi[j] - p[j]) ** 2)
        inside += int(np.sum((truth >= low - 1e-9) & (truth <= high + 1e-9)))
        inside_sum += int(np.sum((truth >= lo[i] + lo[j] - 1e-9) & (truth <= hi[i] + hi[j] + 1e-9)))
        count += len(i)
    return {"n": count, "coverage80": round(inside / count, 3) if count else None,
            "coverage80_sum_of_bounds": round(inside_sum / count, 3) if count else None}


# ---------------------------------------------------------------- the data
def district_like(path: Path, seed: int) -> np.ndarray:
    """A national monthly series as 22 Thuringian districts (districts x months): see the module
    docstring."""
    national = pd.read_csv(path).value.to_numpy(dtype="float64")
    shares = pd.read_csv(KEY, dtype={"ags": str}).drop_duplicates("ags", keep="last")
    p = shares.share_percent.to_numpy(dtype="float64")
    p = p / p.sum()
    rng = np.random.default_rng(seed)
    state = np.round(national * THURINGIA_SHARE).astype(int)
    return np.stack([rng.multinomial(n, p) for n in state], axis=1).astype("float64")


def real_cases() -> dict[str, pd.DataFrame]:
    """The hide-one cases of both real series, all seeds together."""
    out = {}
    for name, path in SERIES.items():
        parts = [cases(district_like(path, seed), MONTHLY_TRAIN).assign(seed=seed) for seed in SEEDS]
        out[name] = pd.concat(parts, ignore_index=True)
    return out


def demo_cases(db: Path) -> dict[str, pd.DataFrame]:
    """The demo database's hide-one cases: forecast only, and with its announced figures."""
    from reception import config
    from reception.read import queries

    weekly = queries.weekly(path=config.snapshot_path(db))
    values, weeks = forecast._matrix(weekly, "arrivals")
    announced = (weekly.assign(week=pd.to_datetime(weekly.week), announced=weekly.announced.astype("float64"))
                 .pivot_table(index="ags", columns="week", values="announced", aggfunc="max", dropna=False)
                 .reindex(index=values.index, columns=weeks))
    matrix = values.to_numpy(dtype="float64")
    return {"demo": cases(matrix, WEEKLY_TRAIN),
            "demo_announced": cases(matrix, WEEKLY_TRAIN, announced.to_numpy(dtype="float64"))}


# ---------------------------------------------------------------- calibration and report
def calibrate(frames: dict[str, pd.DataFrame], names: tuple[str, ...]) -> tuple[float, list[dict]]:
    """The scale of :data:`SCALES` whose mean hide-one coverage over ``names`` is nearest 80 %
    (ties: the smaller scale), and the curve (scale, mean coverage)."""
    curve = []
    for scale in SCALES:
        coverages = [hide_one(frames[n], float(scale))["coverage80"] for n in names]
        curve.append({"scale": float(scale), "coverage80": round(float(np.mean(coverages)), 4)})
    best = min(curve, key=lambda c: (abs(c["coverage80"] - TARGET), c["scale"]))
    return best["scale"], curve


def evaluate(frames: dict[str, pd.DataFrame], scale: float) -> dict[str, dict]:
    return {name: {"hide_one": hide_one(frame, scale), "hide_two": hide_two(frame, scale),
                   "hide_one_unscaled": hide_one(frame, 1.0)}
            for name, frame in frames.items()}


def report(results: dict[str, dict], scale: float) -> str:
    lines = [f"band scale {scale:.2f} (in use: {estimate.BAND_SCALE:.2f})",
             "data              cases   cov80  (scale 1)  above  below  width/total   pairs  cov80  "
             "sum-of-bounds"]
    for name, r in results.items():
        one, two, raw = r["hide_one"], r["hide_two"], r["hide_one_unscaled"]
        lines.append(f"{name:16s} {one['n']:6d}  {one['coverage80']:6.1%}  {raw['coverage80']:8.1%}  "
                     f"{one['above']:5.1%}  {one['below']:5.1%}  {one['width_rel_total']:10.1%}  "
                     f"{two['n']:7d}  {two['coverage80']:5.1%}  {two['coverage80_sum_of_bounds']:5.1%}")
    return "\n".join(lines)


CALIBRATION_SETS = ("demo", "bamf", "eurostat")


def run(db: Path | None) -> dict:
    frames = real_cases()
    if db is not None:
        frames = demo_cases(db) | frames
    names = tuple(n for n in CALIBRATION_SETS if n in frames)
    scale, curve = calibrate(frames, names)
    results = evaluate(frames, estimate.BAND_SCALE)
    in_use = float(np.mean([results[n]["hide_one"]["coverage80"] for n in names]))
    return {"generated": date.today().isoformat(), "band_scale": estimate.BAND_SCALE,
            "calibrated_scale": scale, "calibration_sets": list(names), "coverage80": round(in_use, 3),
            "thuringia_share": THURINGIA_SHARE, "seeds": list(SEEDS), "curve": curve, "data": results}


def stored_figures(path: Path = FIGURES) -> dict:
    """The figures ``make backtest-estimate`` wrote (empty when missing or unreadable)."""
    return backtest.stored_figures(path)


def main(argv: list[str] | None = None) -> int:
    args = backtest.demo_db_parser("reception.read.estimate_backtest", __doc__, FIGURES).parse_args(argv)
    figures = run(args.demo_db)
    print(report(figures["data"], figures["calibrated_scale"]))
    if args.demo_db:
        FIGURES.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"-> {FIGURES.relative_to(DATA_DIR.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
