"""Reliability with real processes: the served app and eight concurrent ingests, a weekly run killed
in the middle of a large load, and the structured ingest log (two overlapping weekly runs: test_inbox).

Figures of the concurrency run are printed as one ``RELIABILITY ...`` line (``pytest -s`` or
``-rP`` shows it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import CHROMIUM, ROOT, run_etl, wait_for_app

LOCK_TEXT = ("could not set lock", "conflicting lock", "lock on file", "DatabaseBusy")
PAGE_ERRORS = ("Traceback", "Exception", "could not set lock", "DatabaseBusy")
HEADER = "ags;woche;zugaenge;abgaenge;kapazitaet;belegung\n"

# Loaded into the ingest processes through PYTHONPATH: measures how long each process waited
# for the writer lock (time inside reception.store.db.connect_with_retry) and how often DuckDB refused
# the lock, and reports it as one JSON line on stderr at exit. The code under test is unchanged.
LOCK_PROBE = '''
import atexit, json, sys, time
from reception.store import db as _db
import duckdb as _duckdb

_stats = {"event": "lock_wait", "opens": 0, "refusals": 0, "max_ms": 0.0, "total_ms": 0.0}
_connect = _db.connect_with_retry


def _timed(path, read_only=False, timeout=None):
    started = time.monotonic()
    try:
        return _connect(path, read_only, timeout)
    finally:
        waited = (time.monotonic() - started) * 1000
        _stats["opens"] += 1
        _stats["total_ms"] = round(_stats["total_ms"] + waited, 1)
        _stats["max_ms"] = round(max(_stats["max_ms"], waited), 1)


class _CountingDuckDB:
    def __getattr__(self, name):
        return getattr(_duckdb, name)

    def connect(self, *args, **kwargs):
        try:
            return _duckdb.connect(*args, **kwargs)
        except _duckdb.Error as error:
            if _db.is_lock_error(error):
                _stats["refusals"] += 1
            raise


_db.connect_with_retry = _timed
_db.duckdb = _CountingDuckDB()
atexit.register(lambda: print(json.dumps(_stats), file=sys.stderr))
'''


# --- helpers ---------------------------------------------------------------------------------

def etl_process(*args: str, env: dict, extra_path: Path | None = None) -> subprocess.Popen:
    """``python -m etl ARGS`` started in the background (stdout/stderr captured)."""
    path = f"{extra_path}{os.pathsep}{ROOT}" if extra_path else str(ROOT)
    return subprocess.Popen([sys.executable, "-m", "etl", *args], cwd=ROOT,
                            env={**os.environ, **env, "PYTHONPATH": path},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def district_keys() -> list[str]:
    lines = (ROOT / "data" / "districts_thueringen.csv").read_text(encoding="utf-8").splitlines()
    return [line.split(",")[0] for line in lines[1:] if line.strip()]


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def latest_week(db_path: Path) -> date:
    found = query(db_path, "SELECT max(week) FROM report_row")[0][0]
    return found or date.today() - timedelta(days=14)


def small_report(path: Path, keys: list[str], week: date, seed: int) -> Path:
    """A valid district-level report: one row per key for ``week`` (distinct bytes per seed)."""
    rows = "".join(f"{ags};{iso_week(week)};{seed + 3};{seed % 4};{900 + seed};{700 + 7 * seed}\n"
                   for ags in keys)
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def facility_report(path: Path, rows: int) -> int:
    """A large valid facility-level report (``rows`` rows, 300 facilities per district)."""
    keys = district_keys()
    start = date(2015, 1, 5)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("ags;woche;unterkunft;art;zugaenge;abgaenge;kapazitaet;belegung\n")
        written, week = 0, 0
        while written < rows:
            label = iso_week(start + timedelta(weeks=week))
            for ags in keys:
                for facility in range(300):
                    if written == rows:
                        break
                    out.write(f"{ags};{label};GU {facility};GU;{facility % 7};{facility % 3};"
                              f"{100 + facility};{50 + facility % 40}\n")
                    written += 1
            week += 1
    return rows


def ingest_log(stderr: str) -> list[dict]:
    records = []
    for line in stderr.splitlines():
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
    return records


@pytest.fixture
def served_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The demo database (copy) once reception.ingest.demo exists; until then a fresh one with a load."""
    if importlib.util.find_spec("reception.ingest.demo") is not None:
        return request.getfixturevalue("demo_db")
    db_path = request.getfixturevalue("fresh_db")
    keys = district_keys()
    for offset in range(4):
        small_report(tmp_path / f"seed{offset}.csv", keys, date.today() - timedelta(weeks=4 - offset),
                     offset)
    run_etl("ingest", *(str(p) for p in sorted(tmp_path.glob("seed*.csv"))))
    return db_path


# --- a. concurrency -------------------------------------------------------------------------

def settle(tab, timeout_ms: int = 30000) -> None:
    """Wait until the page script has run to its end after a (re)load. conftest's wait_for_app
    alone can return before the new session has started (no status widget yet), so an exception
    raised by the script would not be on the page yet."""
    wait_for_app(tab, timeout_ms)


class PageChecker:
    """Reloads the served app in two browser sessions (or, without Chromium, fetches it over
    HTTP and reads the snapshot in two threads) and records every failure."""

    def __init__(self, app, db_path: Path, pages: list) -> None:
        self.app, self.db_path, self.pages = app, db_path, pages
        self.reloads = 0
        self.failures: list[str] = []

    def check_browser(self) -> None:
        for tab in self.pages:
            try:
                tab.reload(wait_until="domcontentloaded", timeout=30000)
                settle(tab)
                text = tab.inner_text("body")
                errors = tab.locator('[data-testid="stException"]').count()
            except Exception as error:  # noqa: BLE001 - a failed reload is a finding, not a crash
                self.failures.append(f"reload: {type(error).__name__}: {str(error)[:200]}")
                continue
            self.reloads += 1
            shown = [marker for marker in PAGE_ERRORS if marker in text]
            if errors or shown:
                self.failures.append(f"page shows {shown or 'stException'}: {text[:300]!r}")

    def check_http(self) -> None:
        from reception.store import db

        try:
            with urllib.request.urlopen(self.app.url + "/", timeout=10) as answer:
                assert answer.status == 200
            with db.reader(Path(str(self.db_path) + ".snapshot")) as con:
                con.execute("SELECT count(*) FROM weekly").fetchall()
                con.execute("SELECT count(*) FROM loads").fetchall()
            self.reloads += 1
        except Exception as error:  # noqa: BLE001
            self.failures.append(f"http/read: {type(error).__name__}: {str(error)[:200]}")


@pytest.mark.slow
@pytest.mark.browser
def test_eight_concurrent_ingests_while_two_sessions_reload(served_db: Path, tmp_path: Path,
                                                            serve_app, request) -> None:
    app = serve_app(served_db)
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "sitecustomize.py").write_text(LOCK_PROBE, encoding="utf-8")
    keys = district_keys()
    week = latest_week(served_db)
    files = [small_report(tmp_path / f"meldung_{n}.csv", keys[n::8], week - timedelta(weeks=n % 3),
                          100 + n) for n in range(8)]
    loads_before = query(served_db, "SELECT count(*) FROM load_log")[0][0]

    pages = []
    if Path(CHROMIUM).exists():
        browser = request.getfixturevalue("browser")
        for _ in range(2):
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            request.addfinalizer(context.close)
            tab = context.new_page()
            tab.goto(app.url + "/", timeout=60000)
            settle(tab, 60000)
            pages.append(tab)
    checker = PageChecker(app, served_db, pages)

    env = {"RECEPTION_DB": str(served_db)}
    outcomes: dict[str, tuple[int, float, str, str]] = {}

    def run_wave(wave: list[Path]) -> None:
        started = time.monotonic()
        # the synthetic figures are no plausible successors of the history: confirmed
        running = [(path, etl_process("ingest", str(path), "--user", "test", "--confirm", env=env,
                                      extra_path=probe)) for path in wave]  # same moment
        for path, process in running:
            out, err = process.communicate(timeout=120)
            outcomes[path.name] = (process.returncode, time.monotonic() - started, out, err)

    backup_dir = tmp_path / "backup"
    backups: list[subprocess.CompletedProcess] = []

    def run_backup() -> None:  # a backup in the middle of it all, while the app serves
        process = etl_process("backup", str(backup_dir), env=env)
        out, err = process.communicate(timeout=120)
        backups.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))

    def run_all() -> None:
        for number, wave in enumerate((files[:4], files[4:6], files[6:])):
            threads = [threading.Thread(target=run_wave, args=([path],)) for path in wave]
            if number == 1:
                threads.append(threading.Thread(target=run_backup))
            # A wave's processes are started together; the next wave overlaps the previous one.
            for thread in threads:
                thread.start()
            time.sleep(0.3)
            loaders.extend(threads)

    loaders: list[threading.Thread] = []
    starter = threading.Thread(target=run_all)
    starter.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if pages:
            checker.check_browser()
        else:
            threads = [threading.Thread(target=checker.check_http) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        done = not starter.is_alive() and all(not t.is_alive() for t in loaders)
        if done and checker.reloads >= 8:
            break
    starter.join()
    for thread in loaders:
        thread.join(timeout=120)
    if pages:
        checker.check_browser()  # once more after the last load: the app shows the new state

    waits = [r for out in outcomes.values() for r in ingest_log(out[3]) if r["event"] == "lock_wait"]
    longest_wait = max((w["max_ms"] for w in waits), default=0.0)
    refusals = sum(w["refusals"] for w in waits)
    longest_ingest = max(out[1] for out in outcomes.values())
    failed = {name: out for name, out in outcomes.items() if out[0] != 0}
    summary = {
        "ingests": len(outcomes), "ingest_failures": len(failed), "reloads": checker.reloads,
        "sessions": len(pages) or "http", "page_failures": len(checker.failures),
        "longest_lock_wait_ms": longest_wait, "lock_refusals_retried": refusals,
        "longest_ingest_s": round(longest_ingest, 2),
    }
    print("\nRELIABILITY concurrency " + " ".join(f"{k}={v}" for k, v in summary.items()))

    assert not failed, {name: out[3][-800:] for name, out in failed.items()}
    assert len(outcomes) == 8 and len(waits) == 8
    assert not checker.failures, checker.failures[:5]
    loaded = query(served_db, "SELECT file_name FROM loads WHERE status = 'loaded' "
                   "AND file_name LIKE 'meldung_%'")
    assert sorted(name for (name,) in loaded) == sorted(p.name for p in files)
    assert query(served_db, "SELECT count(*) FROM load_log")[0][0] == loads_before + 8
    snapshot = Path(str(served_db) + ".snapshot")
    shown = {name for (name,) in query(snapshot, "SELECT file_name FROM loads")}
    assert {p.name for p in files} <= shown  # the app's snapshot has all eight loads
    assert [b.returncode for b in backups] == [0], [b.stderr[-800:] for b in backups]
    manifest = json.loads((backup_dir / "manifest.json").read_text(encoding="utf-8"))
    assert loads_before <= manifest["loads"] <= loads_before + 8
    assert query(backup_dir / "reception.duckdb", "SELECT count(*) FROM load_log")[0][0] \
        == manifest["loads"]  # consistent: what the manifest says is what the copy holds
    log = app.output()
    assert not [marker for marker in LOCK_TEXT + ("Traceback",) if marker in log], log[-3000:]


# --- b. crash safety ------------------------------------------------------------------------

def archived(inbox: Path) -> list[str]:
    folder = inbox / "archive"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _stop_inside_load(process: subprocess.Popen, db_path: Path, size_before: int,
                      timeout: float = 90) -> str:
    """Poll (bounded) until the run writes the large load's blocks into the database file and
    freeze it with SIGSTOP; 'inside' if it had not committed yet (no WAL written), 'late' if it
    had, 'missed' if the process finished first."""
    wal = Path(str(db_path) + ".wal")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            grown = db_path.stat().st_size > size_before
        except FileNotFoundError:
            grown = False
        if grown:
            os.kill(process.pid, signal.SIGSTOP)
            return "late" if wal.exists() else "inside"
    return "missed"


@pytest.mark.slow
def test_weekly_run_killed_mid_load_changes_nothing_and_next_run_loads_all(
        fresh_db: Path, tmp_path: Path) -> None:
    env = {"RECEPTION_DB": str(fresh_db), "RECEPTION_INBOX": str(tmp_path / "inbox")}
    small_report(tmp_path / "vorher.csv", district_keys(), date(2024, 11, 4), 1)
    run_etl("ingest", str(tmp_path / "vorher.csv"), env=env)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    big = tmp_path / "gross.csv"
    rows = facility_report(big, 300_000)

    outcomes = []
    for _attempt in range(4):
        (inbox / big.name).write_bytes(big.read_bytes())
        before = query(fresh_db, "SELECT load_id, status, rows FROM load_log ORDER BY load_id")
        rows_before = query(fresh_db, "SELECT count(*) FROM report_row")[0][0]
        snapshot_before = (Path(str(fresh_db) + ".snapshot")).stat().st_mtime_ns
        size_before = fresh_db.stat().st_size
        archived_before = archived(inbox)
        process = etl_process("weekly", env=env)
        where = _stop_inside_load(process, fresh_db, size_before)
        process.kill()  # SIGKILL (also ends a stopped process)
        process.communicate(timeout=30)
        outcomes.append(where)
        if where == "inside":
            assert process.returncode == -signal.SIGKILL
            assert query(fresh_db, "SELECT load_id, status, rows FROM load_log "
                         "ORDER BY load_id") == before
            assert query(fresh_db, "SELECT count(*) FROM report_row")[0][0] == rows_before
            assert (Path(str(fresh_db) + ".snapshot")).stat().st_mtime_ns == snapshot_before
            assert (inbox / big.name).is_file()
            assert archived(inbox) == archived_before
            break
        # Killed too late (after the commit) or the run finished: the load is whole or absent,
        # never partial; start over from the state before this attempt.
        counts = query(fresh_db, "SELECT count(*) FROM report_row")[0][0]
        assert counts in (rows_before, rows_before + rows)
        run_etl("weekly", env=env)  # loads it, or archives it as already loaded
        last = query(fresh_db, "SELECT max(load_id) FROM load_log WHERE file_name = 'gross.csv' "
                     "AND status = 'loaded'")[0][0]
        run_etl("rollback", str(last), env=env)
        # Different bytes for the next attempt, so that it is not a duplicate of the rolled back one.
        with open(big, "a", encoding="utf-8") as out:
            out.write("\n")
    assert outcomes[-1] == "inside", f"never caught the run inside the load: {outcomes}"

    result = run_etl("weekly", env=env)  # the next run loads the whole file
    assert "300000" in result.stdout.replace(".", "")
    loaded = query(fresh_db, "SELECT rows FROM load_log WHERE file_name = 'gross.csv' "
                   "AND status = 'loaded'")
    assert loaded == [(rows,)]
    last = query(fresh_db, "SELECT max(load_id) FROM load_log")[0][0]
    assert query(fresh_db, "SELECT count(*) FROM report_row WHERE load_id = ?", [last])[0][0] == rows
    assert not (inbox / big.name).exists()
    assert len(archived(inbox)) == len(archived_before) + 1
    print(f"\nRELIABILITY crash attempts={outcomes} rows={rows}")


# --- c. overlapping weekly runs: tests/test_inbox.py
# (test_two_weekly_runs_started_together_process_each_file_once)


# --- 3. the structured ingest log -----------------------------------------------------------

def test_ingest_writes_one_structured_line_per_file(fresh_db: Path, tmp_path: Path) -> None:
    good = small_report(tmp_path / "gut.csv", district_keys()[:3], date(2024, 11, 4), 5)
    bad = tmp_path / "schlecht.csv"
    bad.write_text(HEADER + "99999;2024-W45;1;1;1;-5\n", encoding="utf-8")
    result = run_etl("--log-json", "-", "ingest", str(good), str(bad), str(good), check=False)
    assert result.returncode == 1
    records = [r for r in ingest_log(result.stderr) if r.get("event") == "ingest"]
    assert [r["file"] for r in records] == ["gut.csv", "schlecht.csv", "gut.csv"]
    assert [r["status"] for r in records] == ["loaded", "rejected", "duplicate"]
    for record in records:
        assert {"file", "sha256", "rows", "status", "duration_ms", "load_id"} <= record.keys()
        assert len(record["sha256"]) == 64 and isinstance(record["duration_ms"], int)
    assert records[0]["rows"] == 3 and records[1]["rows"] == 0 and records[1]["errors"] >= 1
    assert records[0]["sha256"] == records[2]["sha256"] != records[1]["sha256"]
    in_table = query(fresh_db, "SELECT file_name, sha256, rows, status FROM loads ORDER BY load_id")
    assert in_table == [("gut.csv", records[0]["sha256"], 3, "loaded"),
                        ("schlecht.csv", records[1]["sha256"], 0, "rejected")]
