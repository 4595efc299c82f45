"""Shared fixtures: fresh and demo databases, a served app, headless Chromium.

Browser tests use Debian's ``/usr/bin/chromium`` through the ``playwright`` package (no browser
download) and skip with a reason where it is missing; CI installs it (``.ci/run``).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.served import CHROMIUM, SCRIPT_DONE, ServedStreamlit
from tests.pg_support import pg_cluster, pg_store, store_db  # noqa: F401 (fixtures)
from tests.remind_support import mail_settings, smtp  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--no-first-run", "--disable-component-update"]
SCREENSHOTS = ROOT / "tests" / "screenshots"
# pages re-raise unexpected errors under test (in-process AppTest and served apps alike)
os.environ["RECEPTION_RAISE_ERRORS"] = "1"


def run_etl(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """``python -m etl ARGS`` as a fresh process, as cron or a data officer would run it."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    result = subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=full_env,
                            capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"etl {args} exited {result.returncode}:\n{result.stderr}")
    return result


def copy_store(template: Path, target: Path) -> Path:
    """``template`` and its read snapshot copied to ``target`` (a closed DuckDB file copies as is)."""
    shutil.copy(template, target)
    shutil.copy(str(template) + ".snapshot", str(target) + ".snapshot")
    return target


@dataclass(frozen=True)
class InitTemplate:
    """What ``etl init`` made once: the database and the reporting deadline it wrote."""

    path: Path
    deadline: tuple[int, int]


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """``NAME/reception.duckdb``, made by ``build(path)`` once per test run. Under pytest-xdist the
    workers share it: the first builds it under a lock, the others wait and then use it (copies
    only); the folder above each worker's own is the run's, never an earlier run's."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.mktemp(name) / "reception.duckdb"
        build(path)
        return path
    folder = tmp_path_factory.getbasetemp().parent / name
    folder.mkdir(exist_ok=True)
    path = folder / "reception.duckdb"
    with open(folder.with_name(f"{name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (folder / "built").exists():
            build(path)
            (folder / "built").touch()
    return path


@pytest.fixture(scope="session")
def fresh_db_template(tmp_path_factory: pytest.TempPathFactory) -> InitTemplate:
    """``etl init`` once per test run, with the shipped settings: about half a CPU second that a
    few hundred tests would otherwise each spend on the same database."""
    from etl.cli import main
    from reception import config

    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("RECEPTION_SETTINGS", raising=False)  # whatever the requesting test set
        config.settings.cache_clear()

        def init(db_path: Path) -> None:
            patch.setenv("RECEPTION_DB", str(db_path))
            assert main(["init"]) == 0

        try:
            return InitTemplate(built_once(tmp_path_factory, "fresh", init), config.settings().deadline)
        finally:
            config.settings.cache_clear()  # the requesting test's own settings from here on


@pytest.fixture
def fresh_db(fresh_db_template: InitTemplate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An initialised database (reference and key, no figures) in a temporary folder: a copy of
    the session's ``etl init``, or init run anew where this test's settings name another
    reporting deadline (init writes it into the store)."""
    from reception import config

    db_path = tmp_path / "reception.duckdb"
    monkeypatch.setenv("RECEPTION_DB", str(db_path))
    monkeypatch.setenv("RECEPTION_INBOX", str(tmp_path / "inbox"))
    if config.settings().deadline == fresh_db_template.deadline:
        return copy_store(fresh_db_template.path, db_path)
    from etl.cli import main

    assert main(["init"]) == 0
    return db_path


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database built once per test run; copy it (``demo_db``) before writing to it."""
    return built_once(tmp_path_factory, "demo",
                      lambda db_path: run_etl("init", "--demo", env={"RECEPTION_DB": str(db_path)}))


@pytest.fixture
def demo_db(demo_db_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo database (and its snapshot), set as RECEPTION_DB."""
    target = copy_store(demo_db_template, tmp_path / "reception.duckdb")
    monkeypatch.setenv("RECEPTION_DB", str(target))
    monkeypatch.setenv("RECEPTION_INBOX", str(tmp_path / "inbox"))
    return target


class ServedApp(ServedStreamlit):
    """``streamlit run dashboard.py`` on a free loopback port, against one database."""

    def __init__(self, db_path: Path, extra_env: dict | None = None) -> None:
        log = db_path.parent / f"streamlit-{id(self)}.log"
        # tests must see every error in full (production hides details, see config.toml)
        super().__init__(ROOT / "dashboard.py", {"RECEPTION_DB": str(db_path), **(extra_env or {})},
                         log, ("--client.showErrorDetails", "full"))


@pytest.fixture
def serve_app() -> Iterator:
    """Factory: ``serve_app(db_path, extra_env)`` -> a healthy :class:`ServedApp`."""
    started: list[ServedApp] = []

    def start(db_path: Path, extra_env: dict | None = None) -> ServedApp:
        app = ServedApp(db_path, extra_env)
        started.append(app)
        app.wait_until_healthy()
        return app

    yield start
    for app in started:
        app.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Headless Debian Chromium driven by playwright; skips where either is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (CI installs Debian's chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh browser page (own context), 1400x1000, German locale."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    tab = context.new_page()
    yield tab
    context.close()




def wait_for_app(tab, timeout_ms: int = 60000) -> None:
    """Wait until Streamlit is connected and has run the page script to its end (after a load or
    reload; checking only for the spinner can return before the new run has started)."""
    tab.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    tab.wait_for_function(SCRIPT_DONE, timeout=timeout_ms)


LEGEND_TEXT = ".js-plotly-plot .legend .legendtext"


def drawn_legends(tab, expected: set[str], timeout_ms: int = 60000) -> set[str]:
    """The legend labels of every plotly chart on the page, once all of `expected` are drawn or
    the timeout has passed (the caller asserts). Counting `.main-svg` nodes does not tell when a
    chart is drawn: each chart has two or three, and charts render one after the other."""
    script = """([selector, expected]) => {
        const seen = new Set([...document.querySelectorAll(selector)].map(n => n.textContent));
        return expected.every(label => seen.has(label));
    }"""
    try:
        tab.wait_for_function(script, arg=[LEGEND_TEXT, sorted(expected)], timeout=timeout_ms)
    except Exception:  # playwright's TimeoutError: the assertion that follows names what is missing
        pass
    return {node.text_content() for node in tab.query_selector_all(LEGEND_TEXT)}


@pytest.fixture
def tall(browser) -> Iterator:
    """A fresh page 1400 px wide and 4200 px tall, German locale: Streamlit scrolls inside its own
    container, so a whole-page screenshot shows only what the viewport holds."""
    context = browser.new_context(viewport={"width": 1400, "height": 4200}, locale="de-DE")
    tab = context.new_page()
    yield tab
    context.close()


def screenshot(tab, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path
