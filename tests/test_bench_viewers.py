"""The viewers benchmark's protocol client (bench/viewers.py) against a served app: two viewers
open the start page over Streamlit's websocket protocol and rerun it; every run ends with
``script_finished`` and the figures the benchmark reports are filled in."""

from pathlib import Path

import pytest

from bench import viewers

pytestmark = pytest.mark.slow


def test_two_viewers_open_and_rerun_the_start_page(demo_db: Path, serve_app) -> None:
    app = serve_app(demo_db)
    pid = app.process.pid
    result = viewers.run_level(app.url, [pid], viewers=2, duration_s=3.0, arrival_s=0.5,
                               think_s=0.5, timeout_s=120)
    assert result["failed"] == 0, result["errors"]
    assert result["runs"] >= 2  # at least each viewer's first load
    assert 0 < result["first_load_p95_s"] < 120 and 0 < result["p95_s"] < 120
    assert result["cpu_per_run_ms"] > 0 and result["rss_mb"] > 0
    assert result["kb_per_run"] > 10  # the start page's figures and charts came over the wire


def test_a_run_that_shows_an_exception_counts_as_failed(tmp_path: Path) -> None:
    script = tmp_path / "broken.py"
    script.write_text("import streamlit as st\nst.title('x')\nraise ValueError('broken page')\n")
    setup = viewers.start(script, tmp_path / "none.duckdb", tmp_path)
    try:
        result = viewers.run_level(setup.url, setup.pids, viewers=2, duration_s=1.0, arrival_s=0.2,
                                   think_s=5, timeout_s=60)
    finally:
        setup.stop()
    assert result["failed"] == 2 and result["runs"] == 0
    assert "broken page" in result["errors"][0]
