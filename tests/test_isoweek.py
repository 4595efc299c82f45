"""ISO weeks (reception.isoweek): every form the report files, ``--week`` and ``?week=`` accept and
refuse, read the same by the Python parser and by the SQL the write path runs on a file's cells."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from reception import fmt, isoweek

ACCEPTED = [
    # the data form
    ("2024-W47", date(2024, 11, 18)), ("2024W47", date(2024, 11, 18)), ("2024-w47", date(2024, 11, 18)),
    ("2024 - W 47", date(2024, 11, 18)), ("2024-W05", date(2024, 1, 29)), ("2024-W5", date(2024, 1, 29)),
    ("2020-W53", date(2020, 12, 28)), ("2000-W01", date(2000, 1, 3)), ("2100-W01", date(2100, 1, 4)),
    # the display forms, German and English
    ("KW 47/2024", date(2024, 11, 18)), ("kw47/2024", date(2024, 11, 18)),
    ("KW 47 / 2024", date(2024, 11, 18)),
    ("KW47.2024", date(2024, 11, 18)), ("KW 47-2024", date(2024, 11, 18)), ("KW 47_2024", date(2024, 11, 18)),
    ("CW 47/2024", date(2024, 11, 18)), ("cw 47/2024", date(2024, 11, 18)), ("KW 1/2025", date(2024, 12, 30)),
    ("KW 01/2025", date(2024, 12, 30)), ("KW 53/2020", date(2020, 12, 28)),
    # without the prefix, with a space, year first
    ("47/2024", date(2024, 11, 18)), ("47.2024", date(2024, 11, 18)), ("47-2024", date(2024, 11, 18)),
    ("KW 47 2024", date(2024, 11, 18)), ("KW47  2024", date(2024, 11, 18)), ("2024/KW47", date(2024, 11, 18)),
    ("2024 / KW 47", date(2024, 11, 18)), ("  KW 47/2024  ", date(2024, 11, 18)),
]
REFUSED = [
    "", " ", "KW 47", "W47", "47", "2024", "KW", "nächste Woche",
    "2024-11-18", "18.11.2024", "11/18/2024",  # a date is the date column's business
    "KW 54/2024", "2024-W54", "2023-W53", "KW 53/2024", "KW 0/2024", "2024-W00",  # a week the year lacks
    "45/1899", "1999-W52", "2101-W01", "KW 47/24",  # a year out of range or in two digits
    "2024-W047", "KW 147/2024", "47 2024", "2024 47", "KW 47 2024 x", "KW 47/2024/1", "XW 47/2024",
    "٤٧/٢٠٢٤",  # digits of another script: neither Python nor DuckDB reads them as a week
]


@pytest.mark.parametrize(("text", "monday"), ACCEPTED + [(text, None) for text in REFUSED],
                         ids=lambda v: repr(v) if isinstance(v, str) else "")
def test_every_form_is_read_alike_by_python_and_by_the_ingest_sql(text: str, monday: date | None) -> None:
    if monday is None:
        with pytest.raises(ValueError):
            isoweek.parse(text)
    else:
        assert isoweek.parse(text) == monday
    year, number = isoweek.year_and_number_sql("cell")
    sql = (f"SELECT {isoweek.monday_sql('y', 'w')} "  # noqa: S608 (constants of reception.isoweek)
           f"FROM (SELECT {year} AS y, {number} AS w FROM (SELECT trim(?) AS cell))")
    assert duckdb.connect().execute(sql, [text]).fetchone()[0] == monday


def test_data_and_display_forms_round_trip_for_every_week_of_the_range() -> None:
    day, seen = date(2000, 1, 3), 0
    while day.year <= 2100:
        for written in (isoweek.name(day), isoweek.label(day, "de"), isoweek.label(day, "en")):
            assert isoweek.parse(written) == day
        seen += 1
        day += timedelta(weeks=1)
    assert seen == 5270  # 101 years of 52 or 53 weeks


@pytest.mark.parametrize(("day", "name", "de", "en"), [
    (date(2024, 11, 18), "2024-W47", "KW 47/2024", "CW 47/2024"),
    (date(2024, 11, 24), "2024-W47", "KW 47/2024", "CW 47/2024"),  # a Sunday: still its week
    (date(2024, 12, 30), "2025-W01", "KW 1/2025", "CW 1/2025"),  # the ISO year, not the calendar's
    (date(2021, 1, 3), "2020-W53", "KW 53/2020", "CW 53/2020"),
    (date(2025, 2, 3), "2025-W06", "KW 6/2025", "CW 6/2025"),
])
def test_the_data_form_and_the_display_form(day: date, name: str, de: str, en: str) -> None:
    assert (isoweek.name(day), isoweek.label(day), isoweek.label(day, "en")) == (name, de, en)
    assert (fmt.iso_week(day), fmt.iso_week(day, "en"), fmt.iso_week(name)) == (de, en, de)
    assert isoweek.label(name, "en") == en and isoweek.monday(day) == isoweek.parse(name)
    con = duckdb.connect()
    assert con.execute(f"SELECT {isoweek.name_sql('?::DATE')}", [day]).fetchone()[0] == name


def test_year_start_is_the_monday_of_week_one() -> None:
    assert isoweek.year_start(date(2024, 11, 18)) == date(2024, 1, 1)  # KW 1/2024 began on 1 January
    assert isoweek.year_start(date(2025, 3, 3)) == date(2024, 12, 30)  # KW 1/2025 began 30.12.2024
    assert isoweek.year_start(date(2024, 12, 30)) == date(2024, 12, 30)
    assert isoweek.year_start(date(2021, 1, 3)) == date(2019, 12, 30)  # still KW 53/2020
