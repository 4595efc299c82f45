"""The scale test of issue 17: nginx (the deployment's site) on a loopback port in front of two
app instances on one PostgreSQL store.

Two browser sessions reload the dashboard through nginx while eight ``etl ingest`` processes from
two "hosts" (own snapshot folders) and one browser upload through each instance write; in the
middle one instance is killed. Pass: no failed load, no failed page load, every load in ``loads``
once, and both instances (the killed one restarted, as systemd would) show the last load at their
next interaction. The figures are printed as one ``SCALE ...`` line (``pytest -s``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from etl.cli import main
from harness import nginxsite
from harness.served import ServedStreamlit
from reception import accounts
from reception.store import postgres
from tests.conftest import ROOT, wait_for_app
from tests.test_browser_upload import PASSWORD, open_page, upload

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HEADER = "ags;woche;zugaenge;abgaenge;kapazitaet;belegung\n"
PAGE_ERRORS = ("Traceback", "DatabaseBusy", "Connection error", "Verbindungsfehler")


def store_rows(sql: str) -> list[tuple]:
    with postgres.connect() as pg:
        return [tuple(row) for row in pg.execute(sql).fetchall()]


def kw(day) -> str:
    year, week, _ = day.isocalendar()
    return f"KW {week}/{year}"


class Instance(ServedStreamlit):
    def __init__(self, folder: Path, env: dict) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(ROOT / "dashboard.py", {**env, "RECEPTION_SNAPSHOT_DIR": str(folder)},
                         folder / "streamlit.log", ("--client.showErrorDetails", "full"))
        self.folder = folder

    def last_load_shown(self) -> int | None:
        import duckdb

        con = duckdb.connect(str(self.folder / "postgres-mirror.duckdb.snapshot"), read_only=True)
        try:
            return con.execute("SELECT last_load_id FROM snapshot_meta").fetchone()[0]
        finally:
            con.close()


class Sessions:
    """Browser sessions reloading the dashboard; every failure is recorded, none raised."""

    def __init__(self, tabs: list) -> None:
        self.tabs, self.reloads, self.failures = tabs, 0, []

    def reload_all(self) -> None:
        for tab in self.tabs:
            try:
                tab.reload(wait_until="domcontentloaded", timeout=60000)
                wait_for_app(tab, 60000)
                text = tab.inner_text("body")
                broken = tab.locator('[data-testid="stException"]').count()
            except Exception as error:  # noqa: BLE001 - a failed reload is a finding
                self.failures.append(f"reload: {type(error).__name__}: {str(error)[:200]}")
                continue
            self.reloads += 1
            shown = [marker for marker in PAGE_ERRORS if marker in text]
            if broken or shown:
                self.failures.append(f"page shows {shown or 'stException'}: {text[:300]!r}")


def signed_in(context, url: str):
    tab = context.new_page()
    tab.set_default_timeout(60000)
    tab.set_viewport_size({"width": 1400, "height": 2600})
    tab.goto(url)
    wait_for_app(tab, 60000)
    open_page(tab, "Anmelden")
    tab.get_by_label("Name").fill("mueller")
    tab.get_by_label("Passwort").fill(PASSWORD)
    tab.get_by_role("button", name="Anmelden").click()
    tab.get_by_text("Angemeldet als mueller").wait_for()
    return tab


def upload_and_load(tab, name: str, data: bytes) -> int:
    import re

    open_page(tab, "Hochladen")
    upload(tab, name, data)
    try:
        tab.get_by_role("button", name="Laden", exact=True).click()
    except Exception:
        from tests.conftest import screenshot

        screenshot(tab, f"scale_{name}")
        raise
    message = tab.get_by_text(re.compile(r"geladen als Load \d+"))
    message.wait_for()
    return int(re.search(r"Load (\d+)", message.inner_text()).group(1))


def test_two_instances_behind_nginx_on_one_store_lose_nothing(pg_store, tmp_path, browser,
                                                              request):
    reason = nginxsite.unavailable()
    if reason:
        pytest.skip(reason)
    assert main(["init", "--demo"]) == 0
    last_week = store_rows("SELECT max(week) FROM report_row")[0][0]
    keys = [k for (k,) in store_rows("SELECT ags FROM district_ref ORDER BY ags")]
    accounts_file = tmp_path / "accounts.json"
    accounts.add_user("mueller", PASSWORD, "officer", path=accounts_file)
    env = {"RECEPTION_DB": pg_store, "RECEPTION_ACCOUNTS": str(accounts_file)}
    apps = [Instance(tmp_path / f"app{i}", env) for i in range(2)]
    for app in apps:
        request.addfinalizer(app.stop)
    for app in apps:
        app.wait_until_healthy(120)
    nginx = nginxsite.ServedNginx(tmp_path / "nginx", (apps[0].port, apps[1].port))
    request.addfinalizer(nginx.stop)
    nginx.wait_until_up()

    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE",
                                    ignore_https_errors=True) for _ in range(2)]
    for context in contexts:
        request.addfinalizer(context.close)
    # two viewers through nginx, one on each instance (new browsers until the cookie says so)
    viewers: dict[int, tuple] = {}
    for _ in range(12):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE",
                                      ignore_https_errors=True)
        request.addfinalizer(context.close)
        tab = context.new_page()
        tab.goto(nginx.url + "/", timeout=90000)
        wait_for_app(tab, 90000)
        route = next(c["value"] for c in context.cookies() if c["name"] == "am_route")
        served = set(nginx.upstreams_of(route))
        assert len(served) == 1, served  # sticky: one instance per browser
        port = int(served.pop().rsplit(":", 1)[1])
        viewers.setdefault(port, (tab, route))
        if len(viewers) == 2:
            break
    assert sorted(viewers) == sorted(app.port for app in apps)
    sessions = Sessions([tab for tab, _ in viewers.values()])
    officers = [signed_in(contexts[i], apps[i].url) for i in range(2)]

    files = []
    for n in range(8):  # eight reports, two hosts; districts of two files meet (n, n + 4)
        week = last_week + timedelta(weeks=1 + n % 2)
        rows = "".join(f"{ags};{kw(week)};{n + 3};1;{900 + n};{700 + n}\n" for ags in keys[n % 4::4])
        path = tmp_path / f"meldung_{n}.csv"
        path.write_text(HEADER + rows, encoding="utf-8")
        files.append(path)

    def ingest(path: Path, host: str) -> subprocess.Popen:
        return subprocess.Popen(
            # --confirm: the made-up figures' jumps are plausibility findings, not the point
            [sys.executable, "-m", "etl", "ingest", str(path), "--user", host, "--confirm"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT),
                 "RECEPTION_SNAPSHOT_DIR": str(tmp_path / f"host_{host}")},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    started = time.monotonic()
    running = [ingest(path, "a" if n % 2 else "b") for n, path in enumerate(files[:4])]
    sessions.reload_all()
    upload_week = last_week + timedelta(weeks=3)
    uploaded = [upload_and_load(officers[0], "upload_app0.csv", (
        "Kreisschlüssel;Woche;Zugänge;Kapazität;Belegung\n"
        f"16051;{kw(upload_week)};31;812;799\n").encode())]
    running += [ingest(path, "a" if n % 2 else "b") for n, path in enumerate(files[4:])]
    sessions.reload_all()
    uploaded.append(upload_and_load(officers[1], "upload_app1.csv", (
        "Kreisschlüssel;Woche;Zugänge;Kapazität;Belegung\n"
        f"16053;{kw(upload_week)};14;420;433\n").encode()))
    apps[0].process.kill()  # in the middle: instance 0 is gone, nginx sends everyone to 1
    apps[0].process.wait(timeout=30)
    for _ in range(3):
        sessions.reload_all()
    outcomes = [(process.wait(timeout=300), *process.communicate()) for process in running]
    written = time.monotonic() - started
    failed = [(n, code, out[-1500:], err[-3000:]) for n, (code, out, err) in enumerate(outcomes) if code]
    assert not failed, failed  # each failed writer with its own output, not pytest's truncation

    loads = store_rows("SELECT file_name, status FROM load_log WHERE source <> 'demo' "
                       "ORDER BY load_id")
    names = sorted(name for name, _ in loads)
    assert names == sorted([p.name for p in files] + ["upload_app0.csv", "upload_app1.csv"])
    assert all(status == "loaded" for _, status in loads)
    assert sessions.failures == [], sessions.failures
    # the viewer of the killed instance was served by the other one afterwards
    moved = nginx.upstreams_of(viewers[apps[0].port][1])
    assert moved[0] == f"127.0.0.1:{apps[0].port}"
    assert moved[-1] == f"127.0.0.1:{apps[1].port}"
    last = store_rows("SELECT max(load_id) FROM load_log")[0][0]

    # both instances show the last load at their next interaction; instance 0 restarted (as
    # systemd's Restart=on-failure does) over the snapshot folder it had
    apps[0] = Instance(apps[0].folder, env)
    request.addfinalizer(apps[0].stop)
    apps[0].wait_until_healthy(120)
    shown = []
    for app, context in zip(apps, contexts, strict=True):
        tab = context.new_page()
        tab.goto(app.url + "/", timeout=90000)
        # the page of this one visit shows the latest week (that of the uploads)
        tab.get_by_text(kw(upload_week)).first.wait_for(timeout=90000)
        wait_for_app(tab, 90000)
        shown.append(app.last_load_shown())
    assert shown == [last, last]
    # the open-data API through nginx answers from the same store (the upload's week is there)
    import ssl
    import urllib.request

    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(nginx.url + "/api/v1/weekly.csv?ags=16051", timeout=60,
                                context=unverified) as answer:
        assert answer.status == 200
        assert upload_week.isoformat() in answer.read().decode("utf-8")
    log = "".join(app.output() for app in apps)
    assert "Traceback" not in log
    print("SCALE " + json.dumps({"loads": len(loads), "uploads": uploaded,
                                 "page_reloads": sessions.reloads, "failed_reloads": 0,
                                 "write_phase_s": round(written, 1)}))
