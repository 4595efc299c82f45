"""The benchmark must not rot: a tiny run produces its results file with both ingest cases and
the app-side figures (page scripts, browser, memory)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")


def test_quick_bench_writes_ingest_and_app_figures(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    # a bound, not a timing: the quick run also serves the app for the viewers and builds
    # /lagebild (Chromium draws its charts); on the shared 2-core machine it passed 300 s
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--runs", "1", "--output",
                           str(output)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(output.read_text())
    cases = {row["case"]: row for row in results["ingest"]}
    assert set(cases) == {"thuringia_1M", "national_10M"}
    for row in cases.values():
        assert row["rows"] > 0
        assert row["ingest_s"] > 0 and row["floor_read_csv_s"] > 0
        assert abs(row["ratio"] - row["ingest_s"] / row["floor_read_csv_s"]) < 0.05

    for row in results.get("postgres", []):  # where PostgreSQL is installed (bench/postgres.py)
        assert row["ingest_s"] > 0 and row["floor_copy_s"] > 0 and row["rows"] > 0
        assert row["district_weekly_snapshot_ms"] > 0 and row["version_check_ms_median"] > 0

    app = results["app"]
    assert set(app["pages"]) == {"lage", "kreis", "karte", "vergleich", "meldungen", "methodik", "planung"}
    for row in app["pages"].values():
        assert row["cold_ms"] > 0 and row["warm_ms"] > 0
    assert "warm ms" in done.stdout
    # Karte and Vergleich with each measure of issue 14, against national demo figures
    assert set(app["measures"]) == {f"{page}:{m}" for page, m in [
        ("karte", "usable_rate"), ("karte", "entitled_share"), ("karte", "ukraine_share_4w"),
        ("vergleich", "usable_rate"), ("vergleich", "entitled_share"), ("vergleich", "ukraine_share")]}
    for row in app["measures"].values():
        assert row["cold_ms"] > 0 and row["warm_ms"] > 0
    # the viewers benchmark (issue 22), quick: 2 viewers against the floor app and the app
    level = results["viewers"]["levels"]["2"]
    assert set(level) == {"floor", "app"}
    for figures in level.values():
        assert figures["failed"] == 0 and figures["runs"] >= 2 and figures["cpu_per_run_ms"] > 0
    assert level["app"]["cpu_per_run_ratio"] > 0
    assert "viewers (4 s per level" in done.stdout
    readers = results["viewers"]["lagebild"]  # the static overview, 20 readers at once
    assert readers["readers"] == 20 and readers["failed"] == 0 and readers["p95_s"] > 0
    browser = app["browser"]
    if not CHROMIUM.exists():
        assert "skipped" in browser
        return
    for state in ("cold", "warm"):
        row = browser[f"first_chart_{state}"]
        assert row["app_ms"] > 0 and row["floor_ms"] > 0 and row["ratio"] > 0
    size = browser["landing_bytes"]
    assert size["ws"] > 0 and size["http"] > size["http_gzip"] > 0
    assert size["floor_http"] > size["floor_http_gzip"] > 0
    assert browser["memory_mb"]["after_all_pages"]["VmRSS"] > 0
