"""``make backtest``: the rolling-origin backtest of the forecast (:mod:`reception.read.backtest`)
on the two real monthly series in ``data/series/`` and on the demo data (a fresh
``python -m etl init --demo`` database: the state total and the 22 districts, weekly). Prints the
figures and writes them to ``data/forecast_backtest.json`` (the Methodik page quotes it).

    python -m bench.backtest            # everything, writes the JSON
    python -m bench.backtest --real     # the real series only (seconds), prints, writes nothing

Set-up: monthly series from 12 months on, steps 1-2 (months); weekly demo from 26 weeks on,
steps 1-8 (weeks). The surge window is the targets from July 2015 to September 2016.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np

from reception.read import backtest, forecast

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "data" / "forecast_backtest.json"
SERIES, SURGE = backtest.SERIES, backtest.SURGE
WEEKLY_STEPS, WEEKLY_TRAIN = 8, 26
real_series = backtest.real_series


def demo() -> dict[str, dict]:
    from reception.read import queries

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "reception.duckdb"
        env = os.environ | {"RECEPTION_DB": str(db)}
        subprocess.run([sys.executable, "-m", "etl", "init", "--demo"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        weekly = queries.weekly(path=db.with_name(db.name + ".snapshot"))
    values, weeks = forecast._matrix(weekly, "arrivals")
    matrix = values.to_numpy(dtype="float64")
    return {
        "demo_state": backtest.summarise(backtest.run(matrix, weeks, WEEKLY_STEPS, WEEKLY_TRAIN, total=True)),
        "demo_districts": backtest.summarise(backtest.run(matrix, weeks, WEEKLY_STEPS, WEEKLY_TRAIN)),
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backtest", description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--real", action="store_true", help="real series only, no JSON written")
    args = parser.parse_args(argv)
    results = real_series()
    if not args.real:
        results |= demo()
    print(report(results))
    if not args.real:
        payload = {"generated": date.today().isoformat(), "surge": list(SURGE),
                   "method": "SES on log1p, empirical bands", "series": results,
                   "coverage80_real": float(np.mean([results[n]["all"]["coverage80"] for n in SERIES]))}
        RESULTS.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"-> {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
