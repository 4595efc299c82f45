"""German number cells in SQL: one rule (``number_sql``), used where a CSV is read
(``reception.ingest.reports``: a quick cast guesses each cell, and the rule, run once per distinct cell,
corrects the guess where it differs) and where other cells are validated (``reception.ingest.validate``,
e.g. the cells of an XLSX sheet).

Thousands with '.', decimals with ','. '1.250' = 1250, '3,0' = 3. Thousands separators written
as spaces, apostrophes, no-break, thin or narrow no-break spaces are dropped first ({d}: the
cell without them). The
first two branches are shortcuts for the usual cells, taken only where they give what the general
branches give (such a cell has nothing to drop): plain digits, and digits with '.' between groups
of three. Both are regular expressions without alternatives, which DuckDB matches much faster
than the general ones below.
"""

from __future__ import annotations

MAX_COUNT = 10_000_000  # no district houses ten million people in a week

_NUMBER_SQL = """
CASE
  WHEN {v} IS NULL THEN NULL
  WHEN regexp_full_match({v}, '[0-9]+') THEN TRY_CAST({v} AS DOUBLE)
  WHEN regexp_full_match({v}, '[0-9]{{1,3}}([.][0-9]{{3}})+')
    THEN TRY_CAST(replace({v}, '.', '') AS DOUBLE)
  WHEN regexp_full_match({d}, '-?\\d{{1,3}}(\\.\\d{{3}})+(,\\d+)?')
    THEN TRY_CAST(replace(replace({d}, '.', ''), ',', '.') AS DOUBLE)
  WHEN regexp_full_match({d}, '-?\\d+([,.]\\d+)?')
    THEN TRY_CAST(replace({d}, ',', '.') AS DOUBLE)
END"""
# thousands separators: space, apostrophe, no-break space (U+00A0), thin space (U+2009) and
# narrow no-break space (U+202F, DIN 5008's "1 250" as word processors set it)
_DIGITS_SQL = ("replace(replace(replace(replace(replace({v}, ' ', ''), chr(39), ''), chr(160), ''), "
               "chr(8201), ''), chr(8239), '')")


def number_sql(cell: str) -> str:
    """SQL for the number in the trimmed text cell ``cell`` (a column name made by this
    package, never a value from a file); NULL where the text is not a number."""
    return _NUMBER_SQL.format(v=cell, d=_DIGITS_SQL.format(v=cell))


def quick_number_sql(cell: str) -> str:
    """SQL: a guess at the number in the raw cell ``cell``, much cheaper than ``number_sql``
    and right for the usual cells ('12', '1.250'). It is only ever used together with
    ``reception.ingest.reports._correct_numbers``, which checks the guess against ``number_sql`` for
    every distinct cell of a column and supplies the exact number where they differ."""
    # an integer cast is almost free beside the read; replace() copies the string, so it only
    # runs on cells with a '.'
    return (f"TRY_CAST(CASE WHEN contains({cell}, '.') THEN replace({cell}, '.', '') "
            f"ELSE {cell} END AS INTEGER)")


def trimmed_sql(cell: str) -> str:
    """SQL for the raw cell ``cell`` trimmed, with an empty or blank cell as NULL."""
    return f"NULLIF(trim({cell}), '')"


def exact_number_sql(cell: str) -> str:
    """SQL for the number in the raw, untrimmed cell ``cell``: ``number_sql`` of the trimmed
    cell."""
    return number_sql(trimmed_sql(cell))

