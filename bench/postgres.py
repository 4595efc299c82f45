"""PostgreSQL figures for ``make bench`` (issue 17), on a throwaway cluster (harness.pgcluster).

* ingest: ``etl ingest FILES`` into a fresh PostgreSQL store (median of fresh processes), against
  the floor: a bare ``COPY`` of the very rows it writes (``report_row``'s columns, as CSV) into an
  unindexed table, in a fresh process;
* readers: the per-interaction version check when nothing changed; the sync and new snapshot on
  another machine after a small load; a new machine's first full copy;
* reading PostgreSQL directly: the weekly district sums computed there, against the same page
  query on the local snapshot.

    python -m bench.postgres [--rows-file FILE ...]   # standalone (Thuringia ~1M rows by default)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FLOOR_SCRIPT = """
import sys, psycopg
with psycopg.connect(sys.argv[1]) as pg:
    pg.execute("CREATE TABLE floor (load_id integer, ags text, week date, facility text, "
               "facility_type text, arrivals integer, departures integer, capacity integer, "
               "occupied integer, line integer, arrivals_asylum integer, "
               "arrivals_ukraine integer, arrivals_other integer, capacity_unusable integer, "
               "occupied_entitled integer, announced integer)")
    with pg.cursor().copy("COPY floor FROM STDIN (FORMAT csv, NULL '\\\\N')") as copy, \\
            open(sys.argv[2], "rb") as source:
        while chunk := source.read(1 << 20):
            copy.write(chunk)
"""

# what a page asks, in PostgreSQL itself: district-week totals of the loads in force (without the
# facility/district choice and the carried-forward weeks that the read model adds on top)
DIRECT_WEEKLY = ("SELECT r.week, sum(r.capacity), sum(r.occupied) FROM report_row r JOIN load_log l "
                 "USING (load_id) WHERE l.status = 'loaded' AND r.ags = %s GROUP BY r.week "
                 "ORDER BY r.week")


def _env(url: str, local: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "RECEPTION_DB": url,
            "RECEPTION_SNAPSHOT_DIR": str(local)}


def _timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def measure(name: str, reference: Path, files: list[Path], runs: int, work: Path,
            cluster=None) -> dict:
    """Ingest and reader figures for ``files`` (one case) on ``cluster`` (or a new one)."""
    from harness.pgcluster import TempCluster

    own = cluster is None
    cluster = cluster or TempCluster()
    try:
        return _measure(name, reference, files, runs, work, cluster)
    finally:
        if own:
            cluster.stop()


def _measure(name: str, reference: Path, files: list[Path], runs: int, work: Path,
             cluster) -> dict:
    ingest, floor = [], []
    for run in range(runs):
        url = cluster.create_database()
        env = _env(url, work / f"{name}-pg-{run}")
        subprocess.run([sys.executable, "-m", "etl", "init", "--districts", str(reference)],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        ingest.append(_timed([sys.executable, "-m", "etl", "ingest", *map(str, files), "--user",
                              "bench", "--confirm"], env))
        if run == 0:
            rows_csv = work / f"{name}-rows.csv"
            _export_rows(url, rows_csv)
        floor.append(_timed([sys.executable, "-c", FLOOR_SCRIPT, cluster.create_database(),
                             str(rows_csv)], env))
    result = {"case": name, "rows": _count(url), "files": len(files), "runs": runs,
              "ingest_s": round(statistics.median(ingest), 3),
              "floor_copy_s": round(statistics.median(floor), 3)}
    result["ratio"] = round(result["ingest_s"] / result["floor_copy_s"], 2)
    result.update(_readers(url, reference, work / f"{name}-readers", env))
    rows_csv.unlink(missing_ok=True)
    return result


def _export_rows(url: str, target: Path) -> None:
    import psycopg

    with psycopg.connect(url) as pg, open(target, "wb") as out, pg.cursor().copy(
            "COPY report_row TO STDOUT (FORMAT csv, NULL '\\N')") as copy:
        for chunk in copy:
            out.write(chunk)


def _count(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as pg:
        return pg.execute("SELECT count(*) FROM report_row").fetchone()[0]


# As a second machine, in a fresh process (bench never imports the application): the first full
# copy, version checks when nothing changed, the sync after a small load written elsewhere, and
# a district's weekly series from the snapshot against the same sums computed in PostgreSQL.
READER_SCRIPT = """
import json, os, statistics, subprocess, sys, time
import duckdb, psycopg
from reception import config
from reception.store import postgres

url, small, writer_dir, direct_sql = sys.argv[1:5]
# the floor of a first copy: a bare COPY ... TO STDOUT of every table the copy takes, read whole
started = time.perf_counter()
with psycopg.connect(url) as pg:
    tables = [t for (t,) in pg.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' AND table_name NOT IN ('store_meta')").fetchall()]
    for table in tables:
        with pg.cursor().copy(f'COPY "{table}" TO STDOUT (FORMAT csv)') as copy:
            for _ in copy:
                pass
copy_out = time.perf_counter() - started
started = time.perf_counter()
postgres.refresh(max_age=0)
first_copy = time.perf_counter() - started
checks = []
for _ in range(200):
    started = time.perf_counter()
    postgres.refresh(max_age=0)
    checks.append(time.perf_counter() - started)
subprocess.run([sys.executable, "-m", "etl", "ingest", small, "--confirm"], check=True, capture_output=True,
               env={**os.environ, "RECEPTION_SNAPSHOT_DIR": writer_dir})
started = time.perf_counter()
assert postgres.refresh(max_age=0)
small_sync = time.perf_counter() - started
con = duckdb.connect(str(config.snapshot_path()), read_only=True)
ags = con.execute("SELECT min(ags) FROM districts").fetchall()[0][0]
snapshot, direct = [], []
with psycopg.connect(url) as pg:
    for _ in range(7):
        started = time.perf_counter()
        con.execute("SELECT week, capacity, occupied FROM weekly WHERE ags = ? ORDER BY week",
                    [ags]).fetchall()
        snapshot.append(time.perf_counter() - started)
        started = time.perf_counter()
        pg.execute(direct_sql, [ags]).fetchall()
        direct.append(time.perf_counter() - started)
print(json.dumps({"reader_first_copy_s": round(first_copy, 3),
                  "floor_copy_out_s": round(copy_out, 3),
                  "first_copy_ratio": round(first_copy / copy_out, 2),
                  "version_check_ms_median": round(statistics.median(checks) * 1000, 3),
                  "version_check_ms_p95": round(sorted(checks)[189] * 1000, 3),
                  "sync_after_small_load_s": round(small_sync, 3),
                  "district_weekly_snapshot_ms": round(statistics.median(snapshot) * 1000, 2),
                  "district_weekly_postgres_ms": round(statistics.median(direct) * 1000, 2)}))
"""


def _readers(url: str, reference: Path, work: Path, env: dict) -> dict:
    import json

    work.mkdir(parents=True, exist_ok=True)
    small = work / "small.csv"
    agses = [line.split(",")[0] for line in reference.read_text(encoding="utf-8").splitlines()[1:]]
    small.write_text("ags;woche;zugaenge;kapazitaet;belegung\n" + "".join(
        f"{ags};KW 2/2030;5;100;90\n" for ags in agses), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", READER_SCRIPT, url, str(small), str(work / "writer"),
         DIRECT_WEEKLY], cwd=ROOT, env={**env, "RECEPTION_SNAPSHOT_DIR": str(work / "reader")},
        check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_table(rows: list[dict]) -> None:
    print(f"{'postgres case':<16}{'rows':>12}{'ingest s':>10}{'COPY s':>9}{'ratio':>7}"
          f"{'check ms':>10}{'sync s':>8}{'copy s':>8}{'OUT s':>7}{'ratio':>7}{'snap ms':>9}"
          f"{'pg ms':>8}")
    for r in rows:
        print(f"{r['case']:<16}{r['rows']:>12}{r['ingest_s']:>10}{r['floor_copy_s']:>9}"
              f"{r['ratio']:>7}{r['version_check_ms_median']:>10}{r['sync_after_small_load_s']:>8}"
              f"{r['reader_first_copy_s']:>8}{r['floor_copy_out_s']:>7}"
              f"{r['first_copy_ratio']:>7}{r['district_weekly_snapshot_ms']:>9}"
              f"{r['district_weekly_postgres_ms']:>8}")


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import tempfile

    import pandas as pd

    from bench.__main__ import THURINGIA, _concatenate
    from bench.generate import facility_reports

    parser = argparse.ArgumentParser(prog="python -m bench.postgres")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-pg-") as tmp:
        work = Path(tmp)
        agses = pd.read_csv(THURINGIA, dtype={"ags": str}).ags.tolist()
        weeks, facilities = (20, 3) if args.quick else (520, 88)
        merged = work / "th_all.csv"
        _concatenate(facility_reports(work / "th", agses, weeks, facilities), merged)
        rows = [measure("thuringia_1M", THURINGIA, [merged], args.runs, work)]
    print(json.dumps(rows, indent=2))
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
