"""The app-side figures of ``make bench`` (issue 6), against one national database:

* page script time per page, cold (first run in a fresh process) and warm (later runs in the
  same process, cache filled), through ``streamlit.testing.v1.AppTest``;
* the same for Karte (real boundaries) and Vergleich with each measure of issue 14 chosen
  (usable rate, entitled share, Ukraine share), against a national database of demo figures
  (``etl init --demo`` on the 400 districts: the facility reports above carry no parts);
* time until the landing page's first plotly chart is drawn in headless Chromium, against a
  floor: a one-page Streamlit app with one plotly chart, served the same way in the same run;
* bytes sent to the browser for the landing page (websocket frames and HTTP response bodies);
* resident memory of the app server after visiting every page;
* seconds to write the weekly briefing (``python -m etl briefing``, a fresh process each run:
  imports, queries, Chromium drawing the charts, Typst).

    python -m bench.app pagetime DB PAGE WARM_RUNS [KEY=VALUE]   # child: prints one JSON line
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness.served import CHROMIUM, SCRIPT_DONE, ServedStreamlit

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["lage", "kreis", "karte", "vergleich", "meldungen", "methodik", "planung"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg'
TARGETS = {"warm_ms": 150, "cold_ms": 2000, "first_chart_ratio": 1.3, "landing_bytes": 2_000_000,
           "rss_mb": 500, "briefing_s": 10}

FLOOR_APP = """
import plotly.graph_objects as go
import streamlit as st

st.title("Floor")
weeks = list(range(26))
st.plotly_chart(go.Figure(go.Bar(x=weeks, y=[w * 3 % 17 for w in weeks])))
"""


# ---------------------------------------------------------------------------------------------
# page script times (AppTest)

def _pagetime(db: str, page: str, warm_runs: int, choice: str | None = None) -> dict:
    """Child process: first run of ``page`` (cold: empty caches, nothing imported yet beyond
    streamlit's test harness), then ``warm_runs`` reruns of the same page. ``choice``
    (``KEY=VALUE``): a widget's value set before the first run (e.g. ``map_measure=usable_rate``)."""
    os.environ["RECEPTION_DB"] = db
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    if page != "lage":
        at.switch_page(f"pages/{page}.py")  # url paths equal the file names
    if choice:
        key, value = choice.split("=", 1)
        at.session_state[key] = value
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
    warm = []
    for _ in range(warm_runs):
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)
    title = at.title[0].value if at.title else ""
    return {"page": page, "cold_s": cold, "warm_s": warm, "title": title}


def measure_pages(db: Path, runs: int) -> dict:
    """Per page: median cold ms over ``runs`` fresh processes and median warm ms over all reruns."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RECEPTION_DB": str(db)}
    out = {}
    for page in PAGES:
        cold, warm = [], []
        for _ in range(runs):
            done = subprocess.run([sys.executable, "-m", "bench.app", "pagetime", str(db), page, "3"],
                                  cwd=ROOT, env=env, check=True, capture_output=True, text=True)
            answer = json.loads(done.stdout.strip().splitlines()[-1])
            cold.append(answer["cold_s"])
            warm += answer["warm_s"]
        out[page] = {"cold_ms": round(statistics.median(cold) * 1000, 1),
                     "warm_ms": round(statistics.median(warm) * 1000, 1),
                     "cold_runs": len(cold), "warm_runs": len(warm)}
    return out


# page -> (widget key, the measures of issue 14 it offers)
MEASURES = {"karte": ("map_measure", ("usable_rate", "entitled_share", "ukraine_share_4w")),
            "vergleich": ("compare_measure", ("usable_rate", "entitled_share", "ukraine_share"))}


def measure_choices(db: Path, runs: int) -> dict:
    """Per page and new measure (``karte:usable_rate``): median cold and warm ms as
    :func:`measure_pages`, with the measure chosen."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RECEPTION_DB": str(db)}
    out = {}
    for page, (key, measures) in MEASURES.items():
        for value in measures:
            cold, warm = [], []
            for _ in range(runs):
                done = subprocess.run([sys.executable, "-m", "bench.app", "pagetime", str(db), page,
                                       "3", f"{key}={value}"], cwd=ROOT, env=env, check=True,
                                      capture_output=True, text=True)
                answer = json.loads(done.stdout.strip().splitlines()[-1])
                cold.append(answer["cold_s"])
                warm += answer["warm_s"]
            out[f"{page}:{value}"] = {"cold_ms": round(statistics.median(cold) * 1000, 1),
                                      "warm_ms": round(statistics.median(warm) * 1000, 1),
                                      "cold_runs": len(cold), "warm_runs": len(warm)}
    return out


def build_demo_database(db: Path, reference: Path) -> Path:
    """``etl init --districts REFERENCE --demo``: every district with the parts (split arrivals,
    unusable places, entitled residents), as the measures of issue 14 need them."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RECEPTION_DB": str(db)}
    subprocess.run([sys.executable, "-m", "etl", "init", "--districts", str(reference), "--demo"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    return db


# ---------------------------------------------------------------------------------------------
# served app, browser

def serve(script: Path, db: Path, log: Path) -> ServedStreamlit:
    """``script`` served against ``db`` and healthy; pages keep their production error handling."""
    served = ServedStreamlit(script, {"RECEPTION_DB": str(db), "RECEPTION_RAISE_ERRORS": ""}, log)
    try:
        served.wait_until_healthy()
    except RuntimeError:
        served.stop()
        raise
    return served




def _visit(browser, url: str, timeout_ms: int = 120_000) -> dict:
    """Open ``url`` in a fresh context (empty cache): ms until the first plotly chart is drawn,
    and the bytes received as Chromium counts them on the wire (DevTools ``encodedDataLength``
    of every HTTP response, websocket payloads), plus what the same HTTP bodies would weigh
    gzip-compressed (Streamlit serves its static files uncompressed; a reverse proxy in front
    of it usually compresses them)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    tab = context.new_page()
    devtools = context.new_cdp_session(tab)
    devtools.send("Network.enable")
    received: dict[str, int] = {}
    urls: dict[str, str] = {}
    websocket = [0]
    devtools.on("Network.responseReceived",
                lambda event: urls.__setitem__(event["requestId"], event["response"]["url"]))
    devtools.on("Network.loadingFinished", lambda event: received.__setitem__(
        event["requestId"], int(event["encodedDataLength"])))
    devtools.on("Network.webSocketFrameReceived", lambda event: websocket.__setitem__(
        0, websocket[0] + len(event["response"]["payloadData"])))
    started = time.perf_counter()
    tab.goto(url)
    tab.wait_for_selector(CHART, timeout=timeout_ms)
    first_chart = time.perf_counter() - started
    tab.wait_for_function(SCRIPT_DONE, timeout=timeout_ms)
    tab.wait_for_timeout(300)  # late frames
    context.close()
    fetched = [urls[request] for request in received if request in urls]
    return {"first_chart_ms": first_chart * 1000, "ws_bytes": websocket[0],
            "http_bytes": sum(received.values()), "http_gzip_bytes": _gzipped(fetched)}


def _gzipped(urls: list[str]) -> int:
    """Sum of the gzip-compressed sizes (level 6, as nginx's default) of the bodies at ``urls``."""
    import gzip
    import urllib.request

    total = 0
    for url in urls:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (local server)
            total += len(gzip.compress(response.read(), compresslevel=6))
    return total


def _visit_all(browser, url: str, timeout_ms: int = 300_000) -> None:
    """Every page of the dashboard, one after the other in one session."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    tab = context.new_page()
    for page in PAGES:
        tab.goto(f"{url}/{'' if page == 'lage' else page}")
        tab.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
        tab.wait_for_function(SCRIPT_DONE, timeout=timeout_ms)
    context.close()


def measure_browser(db: Path, runs: int, work: Path) -> dict:
    """Landing page against the floor app, each served fresh per run: the first visit (cold
    server cache) and a second visit in a new browser context (warm). Then, on the last app
    server, every page is visited and the server's RSS read."""
    from playwright.sync_api import sync_playwright

    floor_script = work / "floor_app.py"
    floor_script.write_text(FLOOR_APP, encoding="utf-8")
    samples: dict[str, list[dict]] = {"app_cold": [], "app_warm": [], "floor_cold": [],
                                      "floor_warm": []}
    memory = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            for run in range(runs):
                for name, script in (("floor", floor_script), ("app", ROOT / "dashboard.py")):
                    served = serve(script, db, work / f"{name}-{run}.log")
                    try:
                        samples[f"{name}_cold"].append(_visit(browser, served.url))
                        samples[f"{name}_warm"].append(_visit(browser, served.url))
                        if name == "app" and run == runs - 1:
                            memory["after_landing"] = served.rss_mb()
                            _visit_all(browser, served.url)
                            memory["after_all_pages"] = served.rss_mb()
                    finally:
                        served.stop()
        finally:
            browser.close()

    def median(key: str, field: str) -> float:
        return round(statistics.median(s[field] for s in samples[key]), 1)

    out = {"runs": runs}
    for state in ("cold", "warm"):
        app, floor = median(f"app_{state}", "first_chart_ms"), median(f"floor_{state}", "first_chart_ms")
        out[f"first_chart_{state}"] = {"app_ms": app, "floor_ms": floor, "ratio": round(app / floor, 2)}
    sizes = {f"{who}{field}": int(median(f"{name}_warm", f"{field}_bytes"))
             for who, name in (("", "app"), ("floor_", "floor"))
             for field in ("ws", "http", "http_gzip")}
    sizes["total"] = sizes["ws"] + sizes["http"]
    sizes["total_gzip"] = sizes["ws"] + sizes["http_gzip"]
    sizes["floor_total"] = sizes["floor_ws"] + sizes["floor_http"]
    sizes["floor_total_gzip"] = sizes["floor_ws"] + sizes["floor_http_gzip"]
    out["landing_bytes"] = sizes
    out["memory_mb"] = memory
    return out


# ---------------------------------------------------------------------------------------------

def build_database(db: Path, reference: Path, files: list[Path]) -> Path:
    """``etl init --districts REFERENCE`` and one ``etl ingest`` of ``files``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RECEPTION_DB": str(db)}
    subprocess.run([sys.executable, "-m", "etl", "init", "--districts", str(reference)], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "etl", "ingest", *map(str, files), "--user", "bench",
                    "--confirm"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    return db


def measure_briefing(db: Path, runs: int, work: Path) -> dict:
    """Median wall seconds of ``python -m etl briefing`` (latest week) in fresh processes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RECEPTION_DB": str(db)}
    seconds = []
    for run in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "etl", "briefing", "--out", str(work / f"b{run}.pdf")],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(seconds), 2), "runs_s": [round(x, 2) for x in seconds]}


def measure_app(reference: Path, files: list[Path], runs: int, work: Path, browser: bool = True) -> dict:
    """All app-side figures against a database built from ``reference`` and ``files``."""
    db = build_database(work / "app" / "reception.duckdb", reference, files)
    rows = sum(sum(1 for _ in open(f, "rb")) - 1 for f in files)
    demo = build_demo_database(work / "demo" / "reception.duckdb", reference)
    result = {"rows": rows, "targets": TARGETS, "pages": measure_pages(db, runs),
              "measures": measure_choices(demo, runs),
              "briefing": measure_briefing(db, runs, work / "app")}
    if browser and Path(CHROMIUM).exists():
        result["browser"] = measure_browser(db, runs, work / "app")
    else:
        result["browser"] = {"skipped": f"no Chromium at {CHROMIUM}" if browser else "--skip-browser"}
    return result


def print_table(app: dict) -> None:
    print(f"\napp ({app['rows']} facility rows)")
    print(f"{'page':<12}{'warm ms':>10}{'cold ms':>10}   target warm <= {TARGETS['warm_ms']}, "
          f"cold <= {TARGETS['cold_ms']}")
    for page, row in app["pages"].items():
        print(f"{page:<12}{row['warm_ms']:>10}{row['cold_ms']:>10}")
    if app.get("measures"):
        print("with a measure of issue 14 chosen (national demo figures):")
        for name, row in app["measures"].items():
            print(f"{name:<28}{row['warm_ms']:>10}{row['cold_ms']:>10}")
    if "briefing" in app:
        print(f"briefing (etl briefing): {app['briefing']['median_s']} s median, runs "
              f"{app['briefing']['runs_s']}, target <= {TARGETS['briefing_s']} s")
    browser = app["browser"]
    if "skipped" in browser:
        print(f"browser: skipped ({browser['skipped']})")
        return
    for state in ("cold", "warm"):
        row = browser[f"first_chart_{state}"]
        print(f"first chart ({state} server): app {row['app_ms']} ms, floor {row['floor_ms']} ms, "
              f"ratio {row['ratio']} (target <= {TARGETS['first_chart_ratio']})")
    size = browser["landing_bytes"]
    print(f"landing page bytes: {size['total']:,} as served (websocket {size['ws']:,}, http "
          f"{size['http']:,}), {size['total_gzip']:,} with gzip; floor {size['floor_total']:,} as "
          f"served, {size['floor_total_gzip']:,} with gzip; target <= {TARGETS['landing_bytes']:,}")
    memory = browser["memory_mb"].get("after_all_pages", {})
    print(f"server RSS after every page: {memory.get('VmRSS')} MB (peak {memory.get('VmHWM')} MB), "
          f"target <= {TARGETS['rss_mb']} MB")


def main(argv: list[str]) -> int:
    if len(argv) in (4, 5) and argv[0] == "pagetime":
        print(json.dumps(_pagetime(argv[1], argv[2], int(argv[3]), *argv[4:])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
