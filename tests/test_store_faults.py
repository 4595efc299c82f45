"""Issue 21: the shared store under faults, tried as an operator would (a throwaway PostgreSQL,
writers on several "hosts" -- each its own ``RECEPTION_SNAPSHOT_DIR`` --, app instances behind
nginx).

The moments are made certain, not timed: the test holds a table lock that the writer's (or the
reader's) ``COPY`` waits for, sees that ``COPY`` waiting in ``pg_stat_activity``, and then kills
the writer or restarts PostgreSQL right there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest

from harness import nginxsite
from reception.store import postgres
from tests.conftest import ROOT
from tests.test_scale import Instance

pytestmark = [pytest.mark.slow]

HEADER = "ags;woche;unterkunft;zugaenge;abgaenge;kapazitaet;belegung\n"


def report(path: Path, weeks: int, facilities: int, seed: int, first: date = date(2019, 1, 7)
           ) -> Path:
    """A valid report with rows per district, week and facility (many rows: a COPY to wait on)."""
    keys = ["16051", "16052", "16053", "16054", "16055", "16061", "16062", "16063"]
    lines = [HEADER]
    for offset in range(weeks):
        year, week, _ = (first + timedelta(weeks=offset)).isocalendar()
        for ags in keys:
            lines.extend(f"{ags};KW {week}/{year};GU {n};{seed + n % 7};1;{200 + seed};{150 + n}\n"
                         for n in range(facilities))
    path.write_text("".join(lines), encoding="utf-8")
    return path


def etl(host: Path, *args: str, wait: bool = True):
    """``python -m etl ARGS`` on the "host" whose local copy lives in ``host``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "etl", *args], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RECEPTION_SNAPSHOT_DIR": str(host)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not wait:
        return process
    out, err = process.communicate(timeout=600)
    return process.returncode, out, err


def waiting_copy(pattern: str, deadline_s: float = 300) -> int:
    """The backend pid of a COPY matching ``pattern`` that waits for a lock (waits for it)."""
    deadline = time.monotonic() + deadline_s
    with postgres.connect(autocommit=True) as pg:
        while time.monotonic() < deadline:
            found = pg.execute("SELECT pid FROM pg_stat_activity WHERE query LIKE %s "
                               "AND wait_event_type = 'Lock'", [pattern]).fetchall()
            if found:
                return found[0][0]
            time.sleep(0.05)
    raise AssertionError(f"no COPY like {pattern!r} came to wait")


class TableLock:
    """Holds ``LOCK TABLE report_row IN mode`` in an open transaction until released."""

    def __init__(self, mode: str) -> None:
        self.pg = postgres.connect()
        self.pg.execute(f"LOCK TABLE report_row IN {mode} MODE")  # noqa: S608 (fixed words)

    def release(self) -> None:
        try:
            self.pg.rollback()
        except Exception:  # noqa: BLE001 - a restart may have ended the session already
            pass
        self.pg.close()


def store_export(tmp_path: Path, name: str) -> dict[str, bytes]:
    """What a new host exports: the store's figures as the open data shows them."""
    return exported(tmp_path / name, tmp_path / f"{name}_out")


def exported(host: Path, folder: Path) -> dict[str, bytes]:
    code, out, err = etl(host, "export", str(folder))
    assert code == 0, (out, err)
    return {name: (folder / name).read_bytes() for name in ("districts.csv", "weekly.csv")}


def test_a_writer_killed_in_its_copy_leaves_every_copy_equal_to_the_store(pg_store, tmp_path):
    host_a, host_b = tmp_path / "host_a", tmp_path / "host_b"
    code, out, err = etl(host_a, "init", "--demo")
    assert code == 0, err
    killed_file = report(tmp_path / "meldung_a.csv", weeks=6, facilities=40, seed=1)
    other_file = report(tmp_path / "meldung_b.csv", weeks=6, facilities=40, seed=2,
                        first=date(2019, 6, 3))  # other weeks: neither replaces the other

    lock = TableLock("SHARE")  # the writer's COPY into report_row waits for it
    try:
        writer = etl(host_a, "--log-json", str(tmp_path / "a.jsonl"), "ingest", str(killed_file),
                     wait=False)
        waiting_copy("COPY%report_row%FROM STDIN%")
        writer.kill()  # SIGKILL, in the middle of its COPY
        writer.communicate(timeout=60)
    finally:
        lock.release()
    assert postgres.connect().execute(
        "SELECT count(*) FROM load_log WHERE file_name = 'meldung_a.csv'").fetchone()[0] == 0
    # nothing confirmed for the killed run
    assert '"status": "loaded"' not in (tmp_path / "a.jsonl").read_text(encoding="utf-8")

    code, out, err = etl(host_b, "ingest", str(other_file))  # the store gives it the id A drew
    assert code == 0, err
    code, out, err = etl(host_a, "ingest", str(killed_file))  # the killed host runs it again
    assert code == 0, err
    assert "geladen als Load" in out and "0 Werte ersetzt" in out, out

    with postgres.connect() as pg:
        files = pg.execute("SELECT file_name FROM load_log WHERE source <> 'demo' "
                           "ORDER BY load_id").fetchall()
    assert [name for (name,) in files] == ["meldung_b.csv", "meldung_a.csv"]
    truth = store_export(tmp_path, "host_new")
    assert exported(host_a, tmp_path / "a_out") == truth
    assert exported(host_b, tmp_path / "b_out") == truth


def test_postgres_restarted_during_a_write_the_writer_retries_and_says_the_truth(
        pg_store, pg_cluster, tmp_path):
    host = tmp_path / "host"
    code, out, err = etl(host, "init", "--demo")
    assert code == 0, err
    file = report(tmp_path / "meldung.csv", weeks=4, facilities=30, seed=3)
    lock = TableLock("SHARE")
    try:
        writer = etl(host, "ingest", str(file), wait=False)
        waiting_copy("COPY%report_row%FROM STDIN%")
        pg_cluster.restart()  # ends the writer's session (and the lock's)
    finally:
        lock.release()
    out, err = writer.communicate(timeout=300)
    assert "Traceback" not in err and "psycopg" not in err, err
    assert writer.returncode == 0, (out, err)
    assert "meldung.csv: geladen als Load" in out, out
    with postgres.connect() as pg:
        assert pg.execute("SELECT count(*) FROM load_log WHERE file_name = 'meldung.csv' "
                          "AND status = 'loaded'").fetchone()[0] == 1
    code, out, err = etl(host, "ingest", str(report(tmp_path / "next.csv", 1, 2, seed=4,
                                                    first=date(2020, 1, 6))))
    assert code == 0 and "geladen als Load" in out, (out, err)


def test_a_writer_gives_up_after_the_retry_time_with_one_sentence(pg_store, tmp_path):
    host = tmp_path / "host"
    code, out, err = etl(host, "init")
    assert code == 0, err
    settings = tmp_path / "settings.toml"
    settings.write_text((ROOT / "data" / "settings.toml").read_text(encoding="utf-8").replace(
        "store_retry_seconds = 30", "store_retry_seconds = 2"), encoding="utf-8")
    file = report(tmp_path / "meldung.csv", weeks=1, facilities=1, seed=5)
    process = subprocess.run(
        [sys.executable, "-m", "etl", "ingest", str(file)], cwd=ROOT, capture_output=True,
        text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RECEPTION_SNAPSHOT_DIR": str(host),
             "RECEPTION_SETTINGS": str(settings),
             "RECEPTION_DB": "postgresql://postgres@127.0.0.1:1/nowhere"})
    assert process.returncode == 1
    lines = [line for line in process.stderr.splitlines() if line.strip()]
    assert lines == ["meldung.csv: nicht geladen, denn der gemeinsame Datenbestand "
                     "postgresql://postgres@127.0.0.1:1/nowhere ist seit 2 s nicht erreichbar; "
                     "bitte später erneut versuchen."], process.stderr


def get(url: str) -> tuple[int, bytes]:
    import ssl

    unverified = ssl.create_default_context()  # nginx's throwaway certificate
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=120, context=unverified) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_new_instance_answers_the_api_at_once(pg_store, tmp_path, request):
    code, out, err = etl(tmp_path / "writer", "init", "--demo")
    assert code == 0, err
    app = Instance(tmp_path / "app", {"RECEPTION_DB": pg_store})
    request.addfinalizer(app.stop)
    app.wait_until_healthy(120)
    status, body = get(app.url + "/api/v1/weekly.csv?ags=16051")  # no page was ever opened
    assert status == 200, body[:300]
    assert body.count(b"\n") > 50
    fresh = tmp_path / "fresh"  # and etl export on a host that never synced
    assert exported(fresh, tmp_path / "fresh_out") == store_export(tmp_path, "other")


def test_postgres_restarted_during_a_sync_readers_keep_serving(pg_store, pg_cluster, tmp_path,
                                                               request):
    reason = nginxsite.unavailable()
    if reason:
        pytest.skip(reason)
    code, out, err = etl(tmp_path / "writer", "init", "--demo")
    assert code == 0, err
    apps = [Instance(tmp_path / f"app{i}", {"RECEPTION_DB": pg_store}) for i in range(2)]
    for app in apps:
        request.addfinalizer(app.stop)
    for app in apps:
        app.wait_until_healthy(120)
    nginx = nginxsite.ServedNginx(tmp_path / "nginx", (apps[0].port, apps[1].port))
    request.addfinalizer(nginx.stop)
    nginx.wait_until_up()
    before = [get(app.url + "/api/v1/weekly.csv") for app in apps]  # each has its snapshot
    assert [status for status, _ in before] == [200, 200]

    code, out, err = etl(tmp_path / "writer", "ingest",
                         str(report(tmp_path / "meldung.csv", weeks=3, facilities=20, seed=6)))
    assert code == 0, err
    answers: list[int] = []
    lock = TableLock("ACCESS EXCLUSIVE")  # the instances' sync (COPY ... TO STDOUT) waits
    try:
        asking = [threading.Thread(target=lambda u=app.url: answers.append(
            get(u + "/api/v1/weekly.csv")[0])) for app in apps]
        for thread in asking:
            thread.start()
        waiting_copy("COPY%report_row%TO STDOUT%")
        pg_cluster.restart()
    finally:
        lock.release()
    for thread in asking:
        thread.join(timeout=300)
    for _ in range(3):  # after the restart, through nginx and directly
        answers.append(get(nginx.url + "/api/v1/weekly.csv")[0])
        answers += [get(app.url + "/api/v1/districts.csv")[0] for app in apps]
    assert answers and set(answers) == {200}, answers
    logs = "".join(app.output() for app in apps)
    assert "Traceback" not in logs, logs[-3000:]
    # the next write succeeds and both instances follow it
    code, out, err = etl(tmp_path / "writer", "ingest",
                         str(report(tmp_path / "next.csv", 1, 1, seed=7, first=date(2020, 1, 6))))
    assert code == 0 and "geladen als Load" in out, (out, err)
    for app in apps:
        status, body = get(app.url + "/api/v1/weekly.csv?ags=16051&from=2020-01-06&to=2020-01-06")
        assert status == 200 and b"2020-01-06" in body, body[:300]


def test_pages_keep_their_figures_and_say_since_when_they_could_not_refresh(
        pg_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from etl.cli import main

    assert main(["init", "--demo"]) == 0
    assert postgres.refresh(max_age=0) is False  # init published this host's snapshot
    monkeypatch.setenv("RECEPTION_DB", "postgresql://postgres@127.0.0.1:1/gone")  # store away
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("Die Zahlen konnten seit ") for w in warnings), warnings
    assert any(m.value.startswith("**Stand: KW") for m in at.markdown)  # the figures it had
    monkeypatch.setenv("RECEPTION_DB", pg_store)  # back: the line goes
    postgres.refresh(max_age=0)
    assert postgres.stale_since() is None
