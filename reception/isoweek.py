"""ISO calendar weeks, parsed and written in one place for the write path, the read path and
the web layer (no pandas or Streamlit needed to import it).

A week is held as the ``date`` of its Monday. Written out it has three forms:

* the data form, as URLs, CSV files, file names and the command line carry it: :func:`name`
  ``2024-W47``;
* the display form, as pages, the briefing, e-mails and messages show it: :func:`label`
  ``KW 47/2024`` (de) / ``CW 47/2024`` (en);
* :func:`year_and_number` (2024, 47) for the rest (``lagebericht_KW47_2024.pdf``).

:func:`parse` takes every form a report file's week column, ``--week`` and ``?week=`` accept
(CONTRACT.md: ``2024-W45``, ``KW 45/2024``, ``45/2024``), upper or lower case, with or without
spaces:

    >>> parse("2024-W47"), parse("kw 47/2024") == parse("47/2024") == parse("CW47.2024")
    (datetime.date(2024, 11, 18), True)
    >>> name(parse("KW 47 2024")), label(date(2024, 11, 20)), label("2024-W47", "en")
    ('2024-W47', 'KW 47/2024', 'CW 47/2024')

Accepted, with ``YYYY`` the ISO year (2000–2100) and ``W`` the week (1 or 2 digits, a week the
year has: 53 only in long years): ``YYYY-Www`` (also ``YYYYWww``: ``2024-W47``, ``2024W47``,
``2024-W5``), ``KW W/YYYY`` (also ``CW``; ``/``, ``.``, ``-`` or ``_`` between), ``W/YYYY``,
``KW W YYYY``, ``YYYY/KW W``. Refused: anything else, e.g. ``KW 47`` (no year), ``W47``, a date
(``2024-11-18``: a report's ``date`` column takes that), ``KW 54/2024``, ``2023-W53``.

The write path parses a file's week cells in DuckDB (set-based, see ``reception.ingest.validate``):
:func:`year_and_number_sql` and :func:`monday_sql` are the same rules as SQL, built from the
same :data:`PATTERNS`.
"""

from __future__ import annotations

import re
from datetime import date

FIRST_YEAR = 2000  # years outside are typing errors (a report of 1899 or 2204)
LAST_YEAR = 2100

# (pattern over the upper-cased text, group of the year, group of the week); the patterns use
# only what Python's re and DuckDB's RE2 read alike
PATTERNS: tuple[tuple[str, int, int], ...] = (
    (r"^(\d{4})\s*-?\s*W\s*(\d{1,2})$", 1, 2),  # 2024-W47, 2024W47
    (r"^(?:[KC]W\s*)?(\d{1,2})\s*[/.\-_]\s*(\d{4})$", 2, 1),  # KW 47/2024, CW 47.2024, 47/2024
    (r"^[KC]W\s*(\d{1,2})\s+(\d{4})$", 2, 1),  # KW 47 2024
    (r"^(\d{4})\s*/\s*[KC]W\s*(\d{1,2})$", 1, 2),  # 2024/KW 47
)
_COMPILED = tuple((re.compile(pattern, re.ASCII), year, week) for pattern, year, week in PATTERNS)
_PREFIX = {"de": "KW", "en": "CW"}


def weeks_in(year: int) -> int:
    """52 or 53: the number of ISO weeks of ``year`` (28 December always lies in the last)."""
    return date(year, 12, 28).isocalendar()[1]


def parse(text: object) -> date:
    """The Monday of the week ``text`` names (any accepted form, see the module); ValueError for
    anything else, and for a week its year does not have."""
    cleaned = str(text).strip().upper()
    for pattern, year_group, week_group in _COMPILED:
        match = pattern.match(cleaned)
        if match:
            year, number = int(match[year_group]), int(match[week_group])
            if FIRST_YEAR <= year <= LAST_YEAR and 1 <= number <= weeks_in(year):
                return date.fromisocalendar(year, number, 1)
            break
    raise ValueError(f"not an ISO week: {str(text)[:40]!r}")


def monday(day: date) -> date:
    """The Monday of the ISO week ``day`` lies in (a ``date``, ``datetime`` or pandas Timestamp)."""
    year, number = year_and_number(day)
    return date.fromisocalendar(year, number, 1)


def year_start(day: date) -> date:
    """The Monday of week 1 of ``day``'s ISO year: the figures "since 1 January" (KW 1 may begin
    in late December)."""
    return date.fromisocalendar(year_and_number(day)[0], 1, 1)


def year_and_number(day: date) -> tuple[int, int]:
    """(ISO year, week number) of ``day``: (2025, 1) for 30 December 2024."""
    year, number, _ = day.isocalendar()
    return int(year), int(number)


def name(day: date) -> str:
    """The data form: ``2024-W47`` (URLs, CSV, file names, the command line)."""
    year, number = year_and_number(day)
    return f"{year}-W{number:02d}"


def label(week: date | str, lang: str = "de") -> str:
    """The display form: ``KW 47/2024`` (de) / ``CW 47/2024`` (en); ``week`` a day of it or a
    text :func:`parse` takes."""
    day = parse(week) if isinstance(week, str) else week
    year, number = year_and_number(day)
    return f"{_PREFIX.get(lang, 'KW')} {number}/{year}"


# ---------------------------------------------------------------- the same in DuckDB SQL
def year_and_number_sql(text: str) -> tuple[str, str]:
    """SQL for (year, week number) written in the text expression ``text`` (NULL where no
    accepted form matches), from the same :data:`PATTERNS` as :func:`parse`. ``text``: a column
    name, never a value."""
    cleaned = f"upper({text})"
    parts = []
    for position in (1, 2):
        found = ", ".join(f"NULLIF(regexp_extract({cleaned}, '{pattern}', {groups[position - 1]}), '')"
                          for pattern, *groups in PATTERNS)
        parts.append(f"TRY_CAST(coalesce({found}) AS INTEGER)")
    return parts[0], parts[1]


def monday_sql(year: str, number: str) -> str:
    """SQL for the Monday (DATE) of week ``number`` of ISO year ``year`` (integer expressions),
    NULL where :func:`parse` would refuse them (a year out of range, a week the year lacks)."""
    return (f"CASE WHEN {year} BETWEEN {FIRST_YEAR} AND {LAST_YEAR} "
            f"AND {number} BETWEEN 1 AND week(make_date({year}, 12, 28)) "
            f"THEN CAST(make_date({year}, 1, 4) - INTERVAL (isodow(make_date({year}, 1, 4)) - 1) DAY "
            f"+ INTERVAL (({number} - 1) * 7) DAY AS DATE) END")


def name_sql(day: str) -> str:
    """SQL for :func:`name` of the DATE expression ``day``: ``2024-W47``."""
    return f"strftime({day}, '%G-W%V')"
