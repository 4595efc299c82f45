"""The figures as they stood at T (issue 25): what a view of the past costs against today's.

Against a demo database (Thuringia, or the 400 districts of ``bench.generate`` with ``--national``)
with three corrections loaded after the demo, for a T between the demo load and the corrections:

* through the command line (``etl allocate --persons 100``, a fresh process each run): today, at
  T the first time (the folder of pasts emptied before each run: migrate an empty database, copy
  the history as it stood, publish) and at T again (the snapshot of T exists); ``build_s`` is the
  first time less today, the ratios against today;
* per page, the warm script time (AppTest, cache filled) today and at T, and their ratio: a
  past is as fast as today once made (the ratio near 1).

    python -m bench.asof [--national] [--runs N]
    python -m bench.asof pagetime DB PAGE WARM_RUNS [STAND]   # child: prints one JSON line
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("lage", "kreis", "planung", "meldungen")
REPORT = ("Kreisschlüssel;Woche;Zugänge;Abgänge;Kapazität;Belegung\n"
          "{ags};{week};{arrivals};2;{capacity};400\n")


def _env(db: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "RECEPTION_DB": str(db)}


def _etl(db: Path, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=_env(db), check=True,
                          capture_output=True, text=True).stdout


def build(db: Path, national: bool) -> str:
    """The demo database with three corrections after it; T (ISO, UTC) between them."""
    if national:
        from bench.app import build_demo_database
        from bench.generate import national_reference

        build_demo_database(db, national_reference(db.parent / "national.csv"))
    else:
        _etl(db, "init", "--demo")
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        ags, week, demo_at = con.execute(
            "SELECT ags, strftime(max(week), '%G-W%V'), (SELECT max(loaded_at) FROM load_log) "
            "FROM report_row GROUP BY ags ORDER BY ags LIMIT 1").fetchall()[0]
    finally:
        con.close()
    time.sleep(0.01)
    for number, (arrivals, capacity) in enumerate(((10, 500), (30, 600), (5, 600))):
        path = db.parent / f"korrektur{number}.csv"
        path.write_text(REPORT.format(ags=ags, week=week, arrivals=arrivals, capacity=capacity),
                        encoding="utf-8")
        _etl(db, "ingest", str(path), "--confirm", "--user", "bench")
    return demo_at.isoformat() + "Z"


def _allocate_s(db: Path, moment: str | None) -> float:
    extra = ["--as-of", moment] if moment else []
    started = time.perf_counter()
    _etl(db, "allocate", "--persons", "100", *extra)
    return time.perf_counter() - started


def _pagetime(db: str, page: str, warm_runs: int, stand: str | None = None) -> dict:
    os.environ["RECEPTION_DB"] = db
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    if stand:
        at.query_params["stand"] = stand
    at.run()
    if page != "lage":
        at.switch_page(f"pages/{page}.py").run()
    if at.exception:
        raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
    warm = []
    for _ in range(warm_runs):
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)
    return {"warm_s": warm}


def _child(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.asof", *args], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(db: Path, moment: str, runs: int) -> dict:
    pasts = db.with_name(db.name + ".snapshot.asof")
    today, first, again = [], [], []
    for _ in range(runs):
        today.append(_allocate_s(db, None))
        shutil.rmtree(pasts, ignore_errors=True)
        first.append(_allocate_s(db, moment))
        again.append(_allocate_s(db, moment))
    cli = {"today_s": round(statistics.median(today), 2),
           "first_s": round(statistics.median(first), 2),
           "again_s": round(statistics.median(again), 2)}
    cli["build_s"] = round(cli["first_s"] - cli["today_s"], 2)
    cli["again_ratio"] = round(cli["again_s"] / cli["today_s"], 2)
    pages = {}
    for page in PAGES:
        today, then = [], []
        for _ in range(runs):
            today += _child("pagetime", str(db), page, "3")["warm_s"]
            then += _child("pagetime", str(db), page, "3", moment)["warm_s"]
        pages[page] = {"today_warm_ms": round(statistics.median(today) * 1000, 1),
                       "as_of_warm_ms": round(statistics.median(then) * 1000, 1)}
        pages[page]["ratio"] = round(pages[page]["as_of_warm_ms"] / pages[page]["today_warm_ms"], 2)
    return {"cli": cli, "pages": pages}


def print_table(result: dict) -> None:
    cli = result["cli"]
    print(f"\nas of T ({result['case']}): etl allocate today {cli['today_s']} s, at T first "
          f"{cli['first_s']} s (build {cli['build_s']} s), again {cli['again_s']} s "
          f"(ratio {cli['again_ratio']})")
    print(f"{'page':<12}{'today ms':>10}{'as of ms':>10}{'ratio':>8}")
    for page, row in result["pages"].items():
        print(f"{page:<12}{row['today_warm_ms']:>10}{row['as_of_warm_ms']:>10}{row['ratio']:>8}")


def main(argv: list[str]) -> int:
    if argv and argv[0] == "pagetime":
        print(json.dumps(_pagetime(argv[1], argv[2], int(argv[3]), *argv[4:])))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.asof")
    parser.add_argument("--national", action="store_true", help="400 districts of demo figures")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-asof-") as tmp:
        db = Path(tmp) / "reception.duckdb"
        moment = build(db, args.national)
        result = {"case": "national" if args.national else "thuringia",
                  **measure(db, moment, args.runs)}
    print(json.dumps(result))
    print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
