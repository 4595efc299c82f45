"""One forecast entry (issue 22): the Kreis page's "Belastungsgrenze ... voraussichtlich in KW …"
and Lage's early warning give one district the same limit week, both counting the announced
allocations (Erfurt has 12 and 15 announced for the two weeks after its last report, more than
its mean arrivals)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import dashboard_data
from tests.test_app_kreis import _rows, open_kreis

ROOT = Path(__file__).resolve().parent.parent
WEEK = re.compile(r"KW \d+/\d{4}")


@pytest.fixture(scope="module")
def announced_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dashboard_data.build(tmp_path_factory.mktemp("limitweek") / "reception.duckdb", rows=_rows())


def _lage_limit_week(db: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("RECEPTION_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    rows = [line for block in at.markdown for line in block.value.splitlines()
            if line.startswith("|") and name in line]
    assert rows, "the district is not in Lage's early warning"
    return WEEK.findall(rows[0].split("|")[-2])[0]  # the last column: expected at the limit


def test_kreis_and_lage_give_the_same_limit_week(announced_db: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    lage = _lage_limit_week(announced_db, "Erfurt", monkeypatch)
    kreis = open_kreis(announced_db, "16051", monkeypatch)
    outlook = [block.value for block in kreis.markdown if "Belastungsgrenze für Erfurt" in block.value]
    assert outlook, "the Kreis page shows no limit week"
    assert WEEK.findall(outlook[0])[0] == lage
