"""German (and English) number, percent and date formatting."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from reception import fmt


@pytest.mark.parametrize("value, lang, decimals, expected", [
    (1234, "de", 0, "1.234"), (1234, "en", 0, "1,234"), (1234567.891, "de", 2, "1.234.567,89"),
    (-1234.56, "de", 1, "-1.234,6"), (0.4, "de", 0, "0"), (-0.2, "de", 0, "0"), (12.5, "en", 1, "12.5"),
    (32.5, "de", 0, "33"), (-2.5, "de", 0, "-3"), (0.125, "de", 2, "0,13"), (1e6, "en", 0, "1,000,000"),
])
def test_number(value, lang, decimals, expected):
    assert fmt.number(value, decimals, lang) == expected


def test_signed_numbers_show_plus_minus_and_zero():
    assert fmt.number(12, signed=True) == "+12"
    assert fmt.number(-1200, signed=True) == "-1.200"
    assert fmt.number(0, signed=True) == "±0"


def test_percent():
    assert fmt.percent(0.125) == "12,5 %"
    assert fmt.percent(0.125, lang="en") == "12.5%"
    assert fmt.percent(1.0456, 0) == "105 %"
    assert fmt.percent_number(7.7) == "7,7 %"
    assert fmt.points(0.007) == "+0,7 Pp."
    assert fmt.points(-0.025, lang="en") == "-2.5 pp"


def test_iso_week_uses_the_iso_year():
    assert fmt.iso_week(date(2024, 11, 18)) == "KW 47/2024"
    assert fmt.iso_week(pd.Timestamp("2024-11-18"), lang="en") == "CW 47/2024"
    assert fmt.iso_week(date(2024, 12, 30)) == "KW 1/2025"
    assert fmt.iso_week(date(2021, 1, 3)) == "KW 53/2020"


def test_dates_and_timestamps():
    assert fmt.day(date(2024, 11, 4)) == "04.11.2024"
    assert fmt.day("2024-11-04", lang="en") == "2024-11-04"
    assert fmt.timestamp(pd.Timestamp("2024-11-04 13:05:59")) == "04.11.2024 13:05"


def test_weeks():
    assert fmt.weeks(3.46) == "3,5 Wochen"
    assert fmt.weeks(1) == "1,0 Woche"
    assert fmt.weeks(12.4, lang="en") == "12 weeks"
    assert fmt.weeks(0) == "0 Wochen"


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT])
def test_missing_values_show_a_dash(missing):
    assert fmt.number(missing) == fmt.MISSING
    assert fmt.percent(missing) == fmt.MISSING
    assert fmt.iso_week(missing) == fmt.MISSING
    assert fmt.weeks(missing) == fmt.MISSING


def test_infinite_numbers_show_a_dash():
    assert fmt.number(float("inf")) == fmt.MISSING
    assert fmt.weeks(float("inf")) == fmt.MISSING


def test_plotly_separators():
    assert fmt.plotly_separators("de") == ",."
    assert fmt.plotly_separators("en") == ".,"


def test_missing_values_are_found_without_importing_pandas():
    """The CLI formats its figures without pandas (its import cost ``etl ingest`` 0,25 s): NaN
    of Python and of NumPy is still a dash there, a figure still a figure."""
    import subprocess
    import sys

    script = ("import sys, numpy as np\n"
              "from reception import fmt\n"
              "print(fmt.number(float('nan')), fmt.number(np.float64('nan')), fmt.number(None),\n"
              "      fmt.number(np.int64(1234)), fmt.number(np.float32(2.5), 1),\n"
              "      'pandas' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["–", "–", "–", "1.234", "2,5", "False"]
