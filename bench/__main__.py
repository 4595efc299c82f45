"""``make bench``: ingest against DuckDB's bare read_csv (and, where the app exists, page
timings), medians of fresh processes, written to ``bench/results.json``.

    python -m bench                 # Thuringia (1M facility rows) and national (~10M rows)
    python -m bench --quick         # small sizes, for the smoke test
    python -m bench --skip-app      # ingest figures only (page, browser, memory: bench/app.py)
    python -m bench --skip-viewers  # without the viewers benchmark (bench/viewers.py, ~10 min)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import facility_reports, national_reference

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
THURINGIA = ROOT / "data" / "districts_thueringen.csv"

# The floor: DuckDB's bare read_csv of the same files into one table, in a fresh process.
FLOOR_SCRIPT = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, delim=';', header=true, encoding='latin-1')",
            [sys.argv[2:]])
con.close()
"""


def _timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _env(db: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "RECEPTION_DB": str(db)}


def measure_ingest(name: str, reference: Path, files: list[Path], runs: int, work: Path) -> dict:
    """Median seconds of `etl ingest FILES` (fresh DB each run) and of the read_csv floor."""
    ingest, floor = [], []
    for run in range(runs):
        db = work / f"{name}-{run}.duckdb"
        env = _env(db)
        subprocess.run([sys.executable, "-m", "etl", "init", "--districts", str(reference)],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        ingest.append(_timed([sys.executable, "-m", "etl", "ingest", *map(str, files),
                              "--user", "bench", "--confirm"], env))
        floor_db = work / f"{name}-floor-{run}.duckdb"
        floor.append(_timed([sys.executable, "-c", FLOOR_SCRIPT, str(floor_db),
                             *map(str, files)], env))
        for path in (db, floor_db, Path(str(db) + ".snapshot")):
            path.unlink(missing_ok=True)
    rows = sum(sum(1 for _ in open(f, "rb")) - 1 for f in files)
    med_ingest, med_floor = statistics.median(ingest), statistics.median(floor)
    return {"case": name, "rows": rows, "files": len(files), "runs": runs,
            "ingest_s": round(med_ingest, 3), "floor_read_csv_s": round(med_floor, 3),
            "ratio": round(med_ingest / med_floor, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-national", action="store_true", help="no national ingest figures")
    parser.add_argument("--skip-postgres", action="store_true",
                        help="no PostgreSQL store figures (bench/postgres.py)")
    parser.add_argument("--skip-app", action="store_true", help="no page, browser and memory figures")
    parser.add_argument("--skip-browser", action="store_true", help="page script times only")
    parser.add_argument("--skip-viewers", action="store_true",
                        help="no viewers figures (10/25/100 sessions, bench/viewers.py)")
    parser.add_argument("--viewers-duration", type=float, default=60.0,
                        help="seconds per viewers level and set-up")
    parser.add_argument("--skip-asof", action="store_true",
                        help="no figures of the views of the past (issue 25)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    results = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
               "ingest": []}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        import pandas as pd

        thuringia = pd.read_csv(THURINGIA, dtype={"ags": str}).ags.tolist()
        # Thuringia: 22 districts x 520 weeks x 88 facilities ~ 1,000,000 rows in one file
        weeks, facilities = (20, 3) if args.quick else (520, 88)
        files = facility_reports(work / "th", thuringia, weeks, facilities)
        merged = work / "th_all.csv"
        _concatenate(files, merged)
        results["ingest"].append(measure_ingest("thuringia_1M", THURINGIA, [merged], args.runs, work))
        reference, files = None, []
        if not (args.skip_national and args.skip_app):
            reference = national_reference(work / "national_districts.csv",
                                           districts=40 if args.quick else 400)
            agses = pd.read_csv(reference, dtype={"ags": str}).ags.tolist()
            weeks, facilities = (20, 2) if args.quick else (520, 50)
            files = facility_reports(work / "nat", agses, weeks, facilities)
        if not args.skip_national:
            results["ingest"].append(measure_ingest("national_10M", reference, files, args.runs, work))
        if not args.skip_postgres:
            results["postgres"] = _postgres(args, reference, files, merged, work)
        if not args.skip_app:
            # Page scripts, browser and memory against one national database (issue 6).
            from bench.app import measure_app

            results["app"] = measure_app(reference, files, args.runs, work,
                                         browser=not args.skip_browser)
        if not args.skip_viewers:
            results["viewers"] = _viewers(args, work)
        if not (args.skip_asof or args.quick):  # (quick: the smoke test's 5 minutes are spent)
            from bench import asof

            past_db = work / "asof" / "reception.duckdb"
            past_db.parent.mkdir()
            moment = asof.build(past_db, national=False)
            results["asof"] = {"case": "thuringia", **asof.measure(past_db, moment, args.runs)}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"{'case':<16}{'rows':>12}{'ingest s':>10}{'floor s':>10}{'ratio':>8}")
    for row in results["ingest"]:
        print(f"{row['case']:<16}{row['rows']:>12}{row['ingest_s']:>10}{row['floor_read_csv_s']:>10}"
              f"{row['ratio']:>8}")
    if results.get("postgres"):
        from bench.postgres import print_table as print_postgres

        print_postgres(results["postgres"])
    if "app" in results:
        from bench.app import print_table

        print_table(results["app"])
    if "viewers" in results:
        from bench.viewers import print_table as print_viewers

        print_viewers(results["viewers"])
    if "asof" in results:
        from bench.asof import print_table as print_asof

        print_asof(results["asof"])
    return 0


def _viewers(args: argparse.Namespace, work: Path) -> dict:
    """The viewers benchmark (issue 22) on Thuringia's demo data; quick: 2 viewers for 4 s."""
    from bench import viewers

    folder = work / "viewers"
    folder.mkdir()
    db = viewers.demo_database(folder)
    if args.quick:
        return viewers.measure(db, folder, (2,), 4.0, ("floor", "app"), readers=20)
    return viewers.measure(db, folder, viewers.LEVELS, args.viewers_duration)


def _postgres(args: argparse.Namespace, reference: Path | None, files: list[Path], merged: Path,
              work: Path) -> list[dict]:
    """The PostgreSQL store's figures (issue 17) on a throwaway cluster; [] where PostgreSQL is
    not installed."""
    from bench import postgres
    from harness import pgcluster

    if pgcluster.unavailable():
        print(f"PostgreSQL figures skipped: {pgcluster.unavailable()}", file=sys.stderr)
        return []
    cluster = pgcluster.TempCluster()
    try:
        rows = [postgres.measure("thuringia_1M", THURINGIA, [merged], args.runs, work, cluster)]
        if not args.skip_national:
            rows.append(postgres.measure("national_10M", reference, files, args.runs, work,
                                         cluster))
        return rows
    finally:
        cluster.stop()


def _concatenate(files: list[Path], target: Path) -> None:
    with open(target, "wb") as out:
        for index, path in enumerate(files):
            with open(path, "rb") as source:
                if index:
                    source.readline()  # header once
                out.write(source.read())


if __name__ == "__main__":
    sys.exit(main())
