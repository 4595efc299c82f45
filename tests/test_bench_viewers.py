"""The viewers benchmark's protocol client (``python -m bench.viewers --url``) against a served
app: two viewers open the start page over Streamlit's websocket protocol and rerun it; every
run ends with ``script_finished`` and the figures the benchmark reports are filled in. A page
that raises counts as a failed session."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.served import ServedStreamlit

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _viewers(url: str, pid: int, output: Path, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.viewers", "--url", url, "--pid", str(pid),
                           "--output", str(output), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(output.read_text())["levels"]["2"]["url"]


def test_two_viewers_open_and_rerun_the_start_page(demo_db: Path, serve_app, tmp_path: Path) -> None:
    app = serve_app(demo_db)
    result = _viewers(app.url, app.process.pid, tmp_path / "v.json", "--viewers", "2",
                      "--duration", "3", "--arrival", "0.5", "--think", "0.5")
    assert result["failed"] == 0, result["errors"]
    assert result["runs"] >= 2  # at least each viewer's first load
    assert 0 < result["first_load_p95_s"] < 120 and 0 < result["p95_s"] < 120
    assert result["cpu_per_run_ms"] > 0 and result["rss_mb"] > 0
    assert result["kb_per_run"] > 10  # the start page's figures and charts came over the wire


def test_a_run_that_shows_an_exception_counts_as_failed(tmp_path: Path) -> None:
    script = tmp_path / "broken.py"
    script.write_text("import streamlit as st\nst.title('x')\nraise ValueError('broken page')\n")
    served = ServedStreamlit(script, {}, tmp_path / "broken.log")
    try:
        served.wait_until_healthy()
        result = _viewers(served.url, served.process.pid, tmp_path / "v.json", "--viewers", "2",
                          "--duration", "1", "--arrival", "0.2", "--think", "5")
    finally:
        served.stop()
    assert result["failed"] == 2 and result["runs"] == 0
    assert "broken page" in result["errors"][0]
