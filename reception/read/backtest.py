"""Rolling-origin backtest of :mod:`reception.read.forecast` against naive and the old method
(mean of the last 8 reported periods held flat, ± 1.2816 · s · sqrt(1 + 1/n)).

``make backtest`` (``python -m reception.read.backtest --demo-db DB``) runs it on the two real
monthly series in ``data/series/`` and on the demo data (``DB``: a fresh ``python -m etl init
--demo`` database that make builds in a temporary folder; the state total and the 22 districts,
weekly), prints the figures and writes them to ``data/forecast_backtest.json`` (the Methodik page
quotes it). Without ``--demo-db``: the real series only, printed, nothing written.
Set-up: monthly series from 12 months on, steps 1-2 (months); weekly
demo from 26 weeks on, steps 1-8 (weeks); the surge window is the targets from July 2015 to
September 2016.

At every origin ``o`` (from ``min_train`` periods on) each method sees only ``y[:o + 1]`` and
forecasts steps 1..H; the outcome ``y[o + h]`` is compared with the point (absolute error) and the
bands (inside or not). Periods without a report (NaN) are neither origins' outcomes nor counted.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from reception.config import DATA_DIR
from reception.read import forecast

OLD_WINDOW, OLD_Z = 8, 1.2816
# The two real monthly series (data/series/, sources in README) and the surge window of 2015/16.
SERIES = {
    "bamf": DATA_DIR / "series" / "asylum_first_applications_de_monthly_bamf.csv",
    "eurostat": DATA_DIR / "series" / "asylum_applicants_de_monthly_eurostat.csv",
}
SURGE = ("2015-07-01", "2016-09-01")
MONTHLY_STEPS, MONTHLY_TRAIN = 2, 12  # the issue measured steps of one and two months


def real_series() -> dict[str, dict]:
    """The backtest of both real series: summaries with the surge window."""
    out = {}
    for name, path in SERIES.items():
        frame = pd.read_csv(path, parse_dates=["date"])
        rows = run(frame.value.to_numpy(dtype="float64")[None, :], pd.DatetimeIndex(frame.date),
                   MONTHLY_STEPS, MONTHLY_TRAIN)
        out[name] = summarise(rows, SURGE) | {"file": path.name, "periods": len(frame)}
    return out


def old_method(y: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``y`` (series x periods): (point, lower, upper), each series x horizon."""
    n = y.shape[0]
    point, lower, upper = (np.full((n, horizon), np.nan) for _ in range(3))
    for i in range(n):
        known = y[i][~np.isnan(y[i])][-OLD_WINDOW:]
        if len(known) < 3:
            continue
        level = known.mean()
        spread = OLD_Z * known.std(ddof=1) * np.sqrt(1 + 1 / len(known))
        point[i], lower[i], upper[i] = level, max(level - spread, 0.0), level + spread
    return point, lower, upper


def naive(y: np.ndarray, horizon: int) -> np.ndarray:
    """The last reported value, held flat."""
    out = np.full((y.shape[0], horizon), np.nan)
    for i in range(y.shape[0]):
        known = y[i][~np.isnan(y[i])]
        if len(known):
            out[i] = known[-1]
    return out


def run(values: np.ndarray, periods: pd.DatetimeIndex, horizon: int, min_train: int,
        total: bool = False) -> pd.DataFrame:
    """One row per (series, origin, step) with the outcome and each method's forecast.
    ``values``: series x periods. ``total``: backtest the sum of the rows (the state, coherent
    bottom-up) instead of each row."""
    rows = []
    for origin in range(min_train - 1, values.shape[1] - 1):
        seen = values[:, : origin + 1]
        steps = min(horizon, values.shape[1] - 1 - origin)
        if total:
            new = _total_forecast(seen, horizon)
            series_seen = np.nansum(seen, axis=0, keepdims=True)
            series_seen[:, np.isnan(seen).all(axis=0)] = np.nan
            outcome = _total_outcome(values)
        else:
            new = forecast.forecast_matrix(seen, horizon)
            series_seen, outcome = seen, values
        old_point, old_lower, old_upper = old_method(series_seen, horizon)
        last = naive(series_seen, horizon)
        for i in range(series_seen.shape[0]):
            for h in range(1, steps + 1):
                actual = outcome[i, origin + h]
                if np.isnan(actual):
                    continue
                rows.append((i, periods[origin + h], h, actual, new["forecast"][i, h - 1],
                             new["lower50"][i, h - 1], new["upper50"][i, h - 1],
                             new["lower"][i, h - 1], new["upper"][i, h - 1], new["flag"][i],
                             last[i, h - 1], old_point[i, h - 1], old_lower[i, h - 1],
                             old_upper[i, h - 1]))
    return pd.DataFrame(rows, columns=["series", "target", "step", "actual", "forecast", "lower50",
                                       "upper50", "lower", "upper", "flag", "naive", "old",
                                       "old_lower", "old_upper"])


def _total_outcome(values: np.ndarray) -> np.ndarray:
    total = np.nansum(values, axis=0, keepdims=True)
    total[:, np.isnan(values).all(axis=0)] = np.nan
    return total


def _total_forecast(seen: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    weeks = pd.date_range("2000-01-03", periods=seen.shape[1], freq="7D")
    frame = pd.DataFrame({"ags": np.repeat(np.arange(seen.shape[0]).astype(str), seen.shape[1]),
                          "week": np.tile(weeks, seen.shape[0]), "arrivals": seen.reshape(-1)})
    frame = frame.dropna(subset=["arrivals"])
    out = forecast.forecast_total(frame, horizon)
    return {k: out[k].to_numpy()[None, :] for k in ("forecast", "lower50", "upper50", "lower", "upper")} | {
        "flag": np.array([out.flag.iloc[0] if len(out) else ""])}


def summarise(rows: pd.DataFrame, surge: tuple[str, str] | None = None) -> dict:
    """MAE relative to naive (new and old), coverage of the 50 % and 80 % bands, old band's
    coverage, mean band width (80 %, also relative to the mean outcome), per step and overall,
    and the same in the surge window (targets between the two dates) when given."""
    out = {"all": _figures(rows), "by_step": {int(h): _figures(g) for h, g in rows.groupby("step")}}
    if surge is not None:
        inside = rows[(rows.target >= pd.Timestamp(surge[0])) & (rows.target <= pd.Timestamp(surge[1]))]
        out["surge"] = _figures(inside) | {"from": surge[0], "to": surge[1]}
    return out


def _figures(rows: pd.DataFrame) -> dict:
    rows = rows.dropna(subset=["forecast", "naive"])
    if rows.empty:
        return {"n": 0}
    actual = rows.actual
    mae_naive = float((rows.naive - actual).abs().mean())
    mae_new = float((rows.forecast - actual).abs().mean())
    mae_old = float((rows.old - actual).abs().mean())
    banded = rows.dropna(subset=["lower", "upper"])
    width = float((banded.upper - banded.lower).mean()) if len(banded) else float("nan")
    return {
        "n": int(len(rows)),
        "mae": round(mae_new, 2), "mae_naive": round(mae_naive, 2), "mae_old": round(mae_old, 2),
        "mae_rel_naive": _ratio(mae_new, mae_naive), "mae_old_rel_naive": _ratio(mae_old, mae_naive),
        "coverage50": _share((banded.actual >= banded.lower50) & (banded.actual <= banded.upper50)),
        "coverage80": _share((banded.actual >= banded.lower) & (banded.actual <= banded.upper)),
        "coverage80_old": _share((rows.actual >= rows.old_lower) & (rows.actual <= rows.old_upper)),
        "above80": _share(banded.actual > banded.upper),
        "width80": round(width, 1),
        "width80_rel": _ratio(width, float(banded.actual.mean())) if len(banded) else None,
        "flagged": _share(rows.flag != ""),
    }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def _share(mask: pd.Series) -> float | None:
    return round(float(mask.mean()), 3) if len(mask) else None


FIGURES = DATA_DIR / "forecast_backtest.json"
ROOT = DATA_DIR.parent
WEEKLY_STEPS, WEEKLY_TRAIN = 8, 26


def stored_figures(path: Path = FIGURES) -> dict:
    """The figures ``make backtest`` wrote (empty when the file is missing or unreadable)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def demo(db: Path) -> dict[str, dict]:
    """The demo database ``db`` (made by ``python -m etl init --demo``; ``make backtest`` makes a
    fresh one): the state total and every district."""
    from reception import config
    from reception.read import queries

    weekly = queries.weekly(path=config.snapshot_path(db))
    values, weeks = forecast._matrix(weekly, "arrivals")
    matrix = values.to_numpy(dtype="float64")
    return {
        "demo_state": summarise(run(matrix, weeks, WEEKLY_STEPS, WEEKLY_TRAIN, total=True)),
        "demo_districts": summarise(run(matrix, weeks, WEEKLY_STEPS, WEEKLY_TRAIN)),
    }


def _pct(value: float | None) -> str:
    return "   –  " if value is None else f"{value * 100:5.1f}%"


def report(results: dict[str, dict]) -> str:
    lines = ["series           step     n  MAE/naive  old/naive  cov50  cov80  old80  above80  width80"]
    for name, figures in results.items():
        parts = [("all", figures["all"])] + [(str(h), f) for h, f in figures["by_step"].items()]
        if "surge" in figures:
            parts.append(("surge", figures["surge"]))
        for label, f in parts:
            if not f.get("n"):
                continue
            lines.append(f"{name:16s} {label:>5s} {f['n']:5d}  {f['mae_rel_naive']:9.3f}  "
                         f"{f['mae_old_rel_naive']:9.3f} {_pct(f['coverage50'])} {_pct(f['coverage80'])} "
                         f"{_pct(f['coverage80_old'])}  {_pct(f['above80'])}  {f['width80']:9.1f}")
    return "\n".join(lines)


def demo_db_parser(module: str, description: str | None, target: Path) -> argparse.ArgumentParser:
    """The command line of a backtest module: ``--demo-db DB`` (a demo database: backtest it too
    and write ``target``; without it: the real series, printed only)."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=description,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--demo-db", type=Path, metavar="DB",
                        help="a demo database (python -m etl init --demo): backtest it too and "
                        f"write {target.relative_to(ROOT)}; without it: the real series, printed only")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = demo_db_parser("reception.read.backtest", __doc__, FIGURES).parse_args(argv)
    results = real_series()
    if args.demo_db:
        results |= demo(args.demo_db)
    print(report(results))
    if args.demo_db:
        payload = {"generated": date.today().isoformat(), "surge": list(SURGE),
                   "method": "SES on log1p, empirical bands", "series": results,
                   "coverage80_real": float(np.mean([results[n]["all"]["coverage80"] for n in SERIES]))}
        FIGURES.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"-> {FIGURES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
