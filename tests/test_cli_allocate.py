"""``python -m etl allocate`` (contract: ETL command line), against the hand-made database of
tests/opendata_support.py; the figures by hand in tests/test_api_described.py's docstring."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests import test_opendata
from tests.conftest import run_etl

sample_db = test_opendata.sample_db  # the hand-made database (a fixture)


def test_allocate_prints_the_contract_csv_of_the_week_after_the_latest(sample_db: Path) -> None:
    result = run_etl("allocate", "--persons", "30", env={"RECEPTION_DB": str(sample_db)})
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.stdout.splitlines()[0] == "ags,name,share_percent,soll,ist,deficit,free_usable,cap,proposed"
    assert {r["ags"]: r["proposed"] for r in rows if r["proposed"] != "0"} == {"16051": "10", "16053": "20"}
    explicit = run_etl("allocate", "--persons", "30", "--week", "KW 48/2024",
                       env={"RECEPTION_DB": str(sample_db)})
    assert explicit.stdout == result.stdout
    # on 26 November 2024 nothing had been loaded yet (the sample is loaded now): no district
    # had known free places, so all 30 are unplaced
    past = run_etl("allocate", "--persons", "30", "--week", "2024-W48", "--as-of",
                   "2024-11-26T10:00", env={"RECEPTION_DB": str(sample_db)})
    assert past.stdout.splitlines()[-1] == ",nicht unterzubringen,,,,,,,30"


@pytest.mark.parametrize("args, status, says", [
    (("--persons", "-3"), 2, "ganze Zahl"),
    (("--persons", "zehn"), 2, "ganze Zahl"),
    (("--persons", "5", "--week", "2024-W60"), 2, "2024-W60"),
    (("--persons", "5", "--as-of", "Dienstag"), 2, "ISO 8601"),
    ((), 2, "--persons"),
    (("--persons", "5", "--week", "2010-W01"), 1, "Kein Verteilschlüssel"),
])
def test_allocate_refuses_with_the_contract_exit_status(sample_db: Path, args: tuple, status: int,
                                                         says: str) -> None:
    result = run_etl("allocate", *args, env={"RECEPTION_DB": str(sample_db)}, check=False)
    assert result.returncode == status and says in result.stderr and not result.stdout


def test_allocate_without_any_report_exits_1(fresh_db: Path) -> None:
    result = run_etl("allocate", "--persons", "5", env={"RECEPTION_DB": str(fresh_db)}, check=False)
    assert result.returncode == 1 and "--week" in result.stderr
