"""The benchmark must not rot: a tiny run produces its results file with both cases."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_bench_writes_ingest_figures_for_both_cases(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    subprocess.run([sys.executable, "-m", "bench", "--quick", "--runs", "1", "--output",
                    str(output)], cwd=ROOT, check=True, capture_output=True, timeout=300)
    results = json.loads(output.read_text())
    cases = {row["case"]: row for row in results["ingest"]}
    assert set(cases) == {"thuringia_1M", "national_10M"}
    for row in cases.values():
        assert row["rows"] > 0
        assert row["ingest_s"] > 0 and row["floor_read_csv_s"] > 0
        assert abs(row["ratio"] - row["ingest_s"] / row["floor_read_csv_s"]) < 0.05
