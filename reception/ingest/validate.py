"""Validation of a read report, set-based in DuckDB: ``raw`` -> ``clean`` + problems.

Two roads to the same outcome. The screen (``_screen``) runs the checks on the distinct values
of a CSV file's columns and proves, where it can, that no row has an error; such a file skips
the row-by-row road. That road (``_collect_row_problems``) runs every check as one SQL statement
over the whole table and names each problem's line. The only Python loops run over the distinct
district names of a file (a few dozen), never over rows.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date

import duckdb

from reception.ingest.numbers import MAX_COUNT, doubtful_sql, number_sql, trimmed_sql
from reception.ingest.problems import ERROR, WARNING, Problem
from reception.ingest.reports import MEASURES, ReadResult
from reception.reference.districts import Matcher, name_key, normalise_ags

MAX_PROBLEMS = 1000
MAX_TEXT = 200  # characters of a facility or district name

_WEEK_PATTERNS = (
    # (regex, group of year, group of week)
    (r"^(\d{4})\s*-?\s*W\s*(\d{1,2})$", 1, 2),
    (r"^(?:KW\s*)?(\d{1,2})\s*[/.\-]\s*(\d{4})$", 2, 1),
    (r"^KW\s*(\d{1,2})\s+(\d{4})$", 2, 1),
    (r"^(\d{4})\s*/\s*KW\s*(\d{1,2})$", 1, 2),
)


@dataclass
class Validation:
    """Outcome of validating ``raw``: table ``clean`` exists in the connection when ok."""

    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def _cell(name: str) -> str:
    """SQL for a trimmed cell, '' and whitespace as NULL."""
    return f"NULLIF(trim(CAST({name} AS VARCHAR)), '')"


def _week_sql(value: str) -> tuple[str, str]:
    """SQL for (year, week) parsed from a week cell, NULL when no pattern matches."""
    years, weeks = [], []
    for pattern, year_group, week_group in _WEEK_PATTERNS:
        years.append(f"NULLIF(regexp_extract(upper({value}), '{pattern}', {year_group}), '')")
        weeks.append(f"NULLIF(regexp_extract(upper({value}), '{pattern}', {week_group}), '')")
    return (f"TRY_CAST(coalesce({', '.join(years)}) AS INTEGER)",
            f"TRY_CAST(coalesce({', '.join(weeks)}) AS INTEGER)")


def validate(con: duckdb.DuckDBPyConnection, read: ReadResult, matcher: Matcher,
             today: date | None = None, screen: bool = True) -> Validation:
    """Check every row of ``raw``; on success leave the rows to load in table ``clean``.

    ``screen``: where the reader parsed the numbers (a CSV file), first try to prove from the
    distinct values of each column and one scan of the rows that no row has an error
    (``_screen``); a file that passes skips the row-by-row checks, which then could only find
    what the screen already counted. Whatever the screen cannot prove goes the row-by-row road,
    which names every problem's line. ``screen=False`` forces that road (tests compare both)."""
    result = Validation()
    problems = list(read.problems)
    columns = read.columns
    needed = []
    if not ({"ags", "district"} & columns.keys()):
        needed.append("missing_district_column")
    if not ({"week", "date"} & columns.keys()):
        needed.append("missing_week_column")
    for what in needed:
        problems.append(Problem(what, read.header_line))
    if not (set(MEASURES) & columns.keys()):
        problems.append(Problem("no_measures", read.header_line))
    if any(p.severity == ERROR for p in problems):
        return _finish(result, problems, con, with_row_problems=False)

    today = today or date.today()
    _normalise_cells(con, columns, read)
    values = _distinct_source(read)
    _map_districts(con, columns, matcher, values)
    _build_lookups(con, columns, values)
    screened = _screen(con, columns, today) if screen and read.numbers else None
    _parse(con, columns, materialise=screened is None)
    if screened is not None:
        result.rows = screened.rows
        unlisted = _list_screened_warnings(con, screened, today)
    else:
        result.rows = con.execute("SELECT count(*) FROM resolved").fetchall()[0][0]
        if result.rows == 0:
            problems.append(Problem("no_rows", read.header_line))
            return _finish(result, problems, con, with_row_problems=False)
        unlisted = _collect_row_problems(con, columns, today)
    result = _finish(result, problems, con, True, columns, matcher)
    result.warning_count += unlisted
    return result


def _distinct_source(read: ReadResult) -> str:
    """Where the distinct texts of a column are read most cheaply: the table of trimmed cells
    where the reader made one (its total rows only add a look-up entry no row uses), else the
    view ``cells``."""
    return "raw" if read.trimmed else "cells"


def _normalise_cells(con: duckdb.DuckDBPyConnection, columns: dict[str, str],
                     read: ReadResult) -> None:
    """View ``cells``: trimmed cells and the numbers of the measures, without empty rows and
    total rows ('Summe', 'Gesamt').

    A view, not a table: ``raw`` is materialised already and ``cells`` is read once, into
    ``resolved_rows``. The CSV reader leaves its measures as read (``ReadResult.numbers``: their
    numbers are its quick guess, corrected per distinct cell); for other sources (XLSX) the
    numbers are parsed here from the trimmed cells."""
    present = list(columns)
    measures = [m for m in MEASURES if m in columns]
    if read.numbers:
        inner, outer, any_value = _parsed_cells(present, measures, read.corrected)
    else:  # numbers parsed here, from the trimmed cells of the inner query
        inner = ", ".join(["line"] + [c if read.trimmed else f"{_cell(c)} AS {c}"
                                      for c in present]) + " FROM raw"
        outer = ", ".join(["*"] + [f"{number_sql(m)} AS {m}_number" for m in measures])
        any_value = f"coalesce({', '.join(present)}) IS NOT NULL"
    labels = [c for c in ("ags", "district", "facility") if c in columns]
    label = f"coalesce({', '.join(labels)})" if labels else "NULL"
    # cheap test of the first letter's code first (s, g, i, t in either case); the regex (word
    # boundary) only runs on the few candidates
    total_row = (f"CASE WHEN ascii({label}) IN (115, 83, 103, 71, 105, 73, 116, 84) THEN "
                 f"regexp_matches(lower({label}), '^(summe|gesamt|insgesamt|total)\\b') "
                 "ELSE false END")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW cells AS SELECT {outer} FROM (SELECT {inner}) "  # noqa: S608
        f"WHERE {any_value} AND NOT coalesce({total_row}, false)"
    )


def _parsed_cells(present: list[str], measures: list[str],
                  corrected: list[str]) -> tuple[str, str, str]:
    """(inner columns with joins, outer columns, non-empty condition) of ``cells`` over a
    ``raw`` that holds its measures as read (``ReadResult.numbers``): the number is the quick
    guess, or the exact one where ``number_fix_<measure>`` corrects it. A measure's trimmed
    text is only made where a check may flag the cell (``numbers.doubtful_sql``)."""
    texts = [c for c in present if c not in measures]
    numbers, joins = [], []
    for m in measures:
        quick = f"r.{m}_quick"
        if m in corrected:
            joins.append(f"LEFT JOIN number_fix_{m} fix_{m} ON fix_{m}.cell = r.{m}_cell")
            quick = f"CASE WHEN fix_{m}.cell IS NULL THEN {quick} ELSE fix_{m}.exact END"
        numbers.append(f"{quick} AS {m}_number")
    inner = ", ".join(["r.line"] + [f"r.{t}" for t in texts] + numbers
                      + [f"r.{m}_cell" for m in measures]) + " FROM raw r " + " ".join(joins)
    outer = ", ".join(["line"] + texts + [f"{m}_number" for m in measures] + [
        f"CASE WHEN {doubtful_sql(f'{m}_number')} THEN {trimmed_sql(f'{m}_cell')} END AS {m}"
        for m in measures])
    # most rows show a text or a number; only the others need their measure cells trimmed
    any_value = " OR ".join(
        ([f"coalesce({', '.join(texts)}) IS NOT NULL"] if texts else [])
        + ([f"coalesce({', '.join(f'{m}_number' for m in measures)}) IS NOT NULL",
            f"coalesce({', '.join(trimmed_sql(f'{m}_cell') for m in measures)}) "
            "IS NOT NULL"] if measures else []))
    return inner, outer, f"({any_value})"


def _parse(con: duckdb.DuckDBPyConnection, columns: dict[str, str], materialise: bool) -> None:
    """``resolved_rows`` and view ``resolved``: the cells with their weeks, dates and
    districts. Those texts repeat across rows, so they are parsed once per distinct value
    (the look-up tables of ``_build_lookups``) and joined back. ``resolved_rows`` holds only
    what varies from row to row; the columns of absent fields (NULL) and copies are added by the
    view. ``materialise``: a table, for the row-by-row checks that scan it many times; else a
    view (a screened file is read once more, when it is written)."""
    stored, derived = ["c.line"], []

    def column(expression: str, name: str) -> None:
        constant = expression.startswith("NULL::")
        (derived if constant else stored).append(f"{expression} AS {name}")

    for measure in MEASURES:
        present = measure in columns
        column(f"c.{measure}" if present else "NULL::VARCHAR", f"{measure}_text")
        column(f"c.{measure}_number" if present else "NULL::DOUBLE", f"{measure}_number")
    joins = ["LEFT JOIN (SELECT * FROM district_map WHERE source = 'ags') a ON a.value = c.ags"
             if "ags" in columns else "",
             "LEFT JOIN (SELECT * FROM district_map WHERE source = 'district') n "
             "ON n.value = c.district" if "district" in columns else ""]
    column("CASE WHEN a.known THEN a.ags END" if "ags" in columns else "NULL::VARCHAR",
           "ags_resolved")
    column("CASE WHEN n.known THEN n.ags END" if "district" in columns else "NULL::VARCHAR",
           "name_resolved")
    if "week" in columns:
        joins.append("LEFT JOIN week_lookup wl ON wl.week_text = c.week")
    column("c.week" if "week" in columns else "NULL::VARCHAR", "week_text")
    column("wl.week_from_week" if "week" in columns else "NULL::DATE", "week_from_week")
    if "date" in columns:
        joins.append("LEFT JOIN date_lookup dl ON dl.date_text = c.date")
    for expression, name in (("c.date", "date_text"), ("dl.date_value", "date_value"),
                             ("dl.week_from_date", "week_from_date")):
        column(expression if "date" in columns else "NULL::" + (
            "VARCHAR" if name == "date_text" else "DATE"), name)
    for text_column in ("ags", "district", "facility", "facility_type"):
        column(f"c.{text_column}" if text_column in columns else "NULL::VARCHAR", text_column)
    present = tuple(c for c in ("week", "date") if c in columns)
    if present == ("week", "date"):
        stored.append("coalesce(wl.week_from_week, dl.week_from_date) AS week_monday")
    else:
        derived.append({("week",): "week_from_week", ("date",): "week_from_date"}.get(
            present, "NULL::DATE") + " AS week_monday")
    kind = "TABLE" if materialise else "VIEW"
    con.execute(f"CREATE OR REPLACE TEMP {kind} resolved_rows AS SELECT {', '.join(stored)} "  # noqa: S608
                f"FROM cells c {' '.join(joins)}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW resolved AS SELECT {', '.join(['*'] + derived)} "  # noqa: S608
                "FROM resolved_rows")


def _build_lookups(con: duckdb.DuckDBPyConnection, columns: dict[str, str], values: str) -> None:
    if "week" in columns:
        year, week = _week_sql("week_text")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE week_lookup AS
            SELECT week_text,
                CASE WHEN y BETWEEN 2000 AND 2100 AND w BETWEEN 1 AND week(make_date(y, 12, 28))
                     THEN CAST(make_date(y, 1, 4) - INTERVAL (isodow(make_date(y, 1, 4)) - 1) DAY
                          + INTERVAL ((w - 1) * 7) DAY AS DATE) END AS week_from_week
            FROM (SELECT week_text, {year} AS y, {week} AS w
                  FROM (SELECT DISTINCT week AS week_text FROM {values} WHERE week IS NOT NULL))
        """)  # noqa: S608 (fixed fragments)
    if "date" in columns:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE date_lookup AS
            SELECT date_text, date_value, CAST(date_trunc('week', date_value) AS DATE) AS week_from_date
            FROM (SELECT date_text, CASE WHEN year(d) BETWEEN 2000 AND 2100 THEN d END AS date_value
                  FROM (SELECT date_text,
                    coalesce(TRY_CAST(try_strptime(left(date_text, 10), '%Y-%m-%d') AS DATE),
                             -- '%Y' also takes '24' (the year 24): two digits are '%y'
                             CASE WHEN regexp_full_match(date_text, '[0-9][0-9]?[.][0-9][0-9]?[.][0-9]{{4}}')
                                  THEN TRY_CAST(try_strptime(date_text, '%d.%m.%Y') AS DATE)
                                  ELSE TRY_CAST(try_strptime(date_text, '%d.%m.%y') AS DATE)
                             END) AS d
                  FROM (SELECT DISTINCT date AS date_text FROM {values} WHERE date IS NOT NULL)))
        """)  # noqa: S608 (fixed fragments)


def _map_districts(con: duckdb.DuckDBPyConnection, columns: dict[str, str],
                   matcher: Matcher, values: str) -> None:
    """Resolve the distinct district keys and names of the file (few) to reference keys.
    ``values``: the relation of trimmed cells to take them from (see ``_distinct_source``)."""
    rows = []
    if "ags" in columns:
        query = f"SELECT DISTINCT ags FROM {values} WHERE ags IS NOT NULL"  # noqa: S608
        rows += [("ags", value, normalise_ags(value)) for (value,) in con.execute(query).fetchall()]
    if "district" in columns:
        query = f"SELECT DISTINCT district FROM {values} WHERE district IS NOT NULL"  # noqa: S608
        rows += [("district", value, matcher.ags_for_name(value))
                 for (value,) in con.execute(query).fetchall()]
    con.execute("CREATE OR REPLACE TEMP TABLE district_map "
                "(source VARCHAR, value VARCHAR, ags VARCHAR, known BOOLEAN)")
    if rows:  # as four lists in one statement: a prepared INSERT per value costs a round
        # trip each, and an Arrow table would import pyarrow and pandas (0.3 s) for a few rows
        sources, values, keys = (list(column) for column in zip(*rows))
        con.execute("INSERT INTO district_map SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
                    "unnest(?::VARCHAR[]), unnest(?::BOOLEAN[])",
                    [sources, values, keys, [key in matcher.names for key in keys]])


@dataclass
class _Screened:
    """What the screen of a file found: its rows, none with an error, and its warnings."""

    rows: int
    over_capacity: int
    future_weeks: int


def _screen(con: duckdb.DuckDBPyConnection, columns: dict[str, str],
            today: date) -> _Screened | None:
    """Prove that no row of ``cells`` has an error, or return None.

    Every check of ``_collect_row_problems`` but two looks at one cell, or at the district
    cells or the week and date cells of a row together, and those repeat: a national file of a
    million rows holds 400 district keys, 52 weeks and a few thousand distinct numbers. So each
    check runs on the distinct values (``number_cells_<measure>``, the groups of
    ``_districts_sound`` and ``_time_groups``), and one scan of the rows covers the rest: the
    lengths of facility texts, over-capacity rows, and duplicate keys. Keys are compared as the
    texts of the file: where the district and week groups map one to one onto district keys
    and Mondays, as many distinct texts as rows means as many distinct keys as rows. Equal
    texts have equal hashes, so a hash collision can only send a file to the row-by-row road."""
    if not _numbers_sound(con, columns):
        return None
    future_weeks = _time_groups(con, columns, today)
    if future_weeks is None or not _districts_sound(con, columns):
        return None
    labels = [c for c in ("ags", "district", "week", "date", "facility") if c in columns]
    texts = [c for c in ("facility", "facility_type") if c in columns]
    bad_text = " OR ".join(f"length({c}) > {MAX_TEXT} OR contains({c}, chr(10))" for c in texts)
    over = ("occupied_number > capacity_number"
            if {"occupied", "capacity"} <= columns.keys() else "false")
    rows, over_capacity, bad = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {over}), "  # noqa: S608 (fixed fragments)
        f"count(*) FILTER (WHERE {bad_text or 'false'}) FROM cells").fetchall()[0]
    if rows == 0 or bad:
        return None
    # the keys are counted over every row read (with the total and empty rows that ``cells``
    # leaves out): distinct there, distinct among the rows of ``cells``
    read, keys = con.execute(f"SELECT count(*), count(DISTINCT hash({', '.join(labels)})) "  # noqa: S608
                             "FROM raw").fetchall()[0]
    if keys < read:
        return None
    return _Screened(rows, over_capacity, future_weeks)


def _numbers_sound(con: duckdb.DuckDBPyConnection, columns: dict[str, str]) -> bool:
    """No distinct cell of a measure is flagged: every one is blank or a whole number from 0
    to MAX_COUNT (``numbers.doubtful_sql``)."""
    for measure in (m for m in MEASURES if m in columns):
        flagged = con.execute(
            f"SELECT count(*) FROM number_cells_{measure} "  # noqa: S608 (canonical names)
            f"WHERE {trimmed_sql('cell')} IS NOT NULL AND {doubtful_sql('exact')}").fetchall()
        if flagged[0][0]:
            return False
    return True


def _districts_sound(con: duckdb.DuckDBPyConnection, columns: dict[str, str]) -> bool:
    """Every distinct (district key, name) pair of the rows names a known district, key and
    name agree, and no two pairs give the same district."""
    present = [c for c in ("ags", "district") if c in columns]
    joins, bad = [], [f"coalesce({', '.join('g.' + c for c in present)}) IS NULL"]
    for column, alias in (("ags", "a"), ("district", "n")):
        if column in columns:
            joins.append(f"LEFT JOIN (SELECT * FROM district_map WHERE source = '{column}') "  # noqa: S608 (fixed names)
                         f"{alias} ON {alias}.value = g.{column}")
            bad.append(f"contains(g.{column}, chr(10))")
    if "ags" in columns:
        bad.append("g.ags IS NOT NULL AND NOT coalesce(a.known, false)")
    if "district" in columns:
        bad.append(f"length(g.district) > {MAX_TEXT}")
        bad.append("g.district IS NOT NULL AND NOT coalesce(n.known, false)"
                   + (" AND NOT coalesce(a.known, false)" if "ags" in columns else ""))
    if len(present) == 2:
        bad.append("a.known AND n.known AND a.ags <> n.ags")
    resolved = "coalesce(" + ", ".join(
        f"CASE WHEN {alias}.known THEN {alias}.ags END"
        for column, alias in (("ags", "a"), ("district", "n")) if column in columns) + ")"
    groups, keys, flagged = con.execute(
        f"SELECT count(*), count(DISTINCT {resolved}), "  # noqa: S608 (fixed fragments)
        f"count(*) FILTER (WHERE {' OR '.join(bad)}) "
        f"FROM (SELECT {', '.join(present)} FROM cells GROUP BY ALL) g {' '.join(joins)}"
    ).fetchall()[0]
    return flagged == 0 and keys == groups


def _time_groups(con: duckdb.DuckDBPyConnection, columns: dict[str, str],
                 today: date) -> int | None:
    """The number of rows in a week after this one, where every distinct (week, date) cell
    of the rows gives a week and no two of them the same week; else None."""
    present = [c for c in ("week", "date") if c in columns]
    joins, bad = [], [f"coalesce({', '.join('g.' + c for c in present)}) IS NULL"]
    mondays = []
    if "week" in columns:
        joins.append("LEFT JOIN week_lookup wl ON wl.week_text = g.week")
        bad += ["g.week IS NOT NULL AND wl.week_from_week IS NULL", "contains(g.week, chr(10))"]
        mondays.append("wl.week_from_week")
    if "date" in columns:
        joins.append("LEFT JOIN date_lookup dl ON dl.date_text = g.date")
        bad += ["g.date IS NOT NULL AND dl.date_value IS NULL"
                + (" AND g.week IS NULL" if "week" in columns else ""),
                "contains(g.date, chr(10))"]
        mondays.append("dl.week_from_date")
    if len(present) == 2:
        bad.append(_WEEK_DATE_MISMATCH.format(week="wl.week_from_week", date="dl.week_from_date"))
    monday = f"coalesce({', '.join(mondays)})"
    groups, keys, flagged, future = con.execute(
        f"SELECT count(*), count(DISTINCT {monday}), "  # noqa: S608 (fixed fragments)
        f"count(*) FILTER (WHERE {' OR '.join(bad)}), "
        f"coalesce(sum(n) FILTER (WHERE {monday} > {_THIS_WEEK}), 0) "
        f"FROM (SELECT {', '.join(present)}, count(*) AS n FROM cells GROUP BY ALL) g "
        f"{' '.join(joins)}", [today]).fetchall()[0]
    return int(future) if flagged == 0 and keys == groups else None


def _list_screened_warnings(con: duckdb.DuckDBPyConnection, screened: _Screened,
                            today: date) -> int:
    """``row_problems`` and ``clean`` of a screened file: its warnings only. Over-capacity rows
    are picked from ``cells``, which holds the same numbers as ``clean`` without its joins."""
    _new_row_problems(con)
    _build_clean(con)
    return _list_warnings(con, screened.over_capacity, screened.future_weeks, today,
                          figures=_CELL_FIGURES)


def _collect_row_problems(con: duckdb.DuckDBPyConnection, columns: dict[str, str],
                          today: date) -> int:
    """Table ``row_problems`` and view ``clean``; returns the warnings counted, not listed."""
    checks = []
    for measure in MEASURES:
        if measure not in columns:
            continue
        text, number = f"{measure}_text", f"{measure}_number"
        checks += [
            (f"{text} IS NOT NULL AND {number} IS NULL", "not_a_number", measure, text),
            (f"{number} IS NOT NULL AND {number} <> floor({number})", "not_whole", measure, text),
            (f"{number} < 0", "negative", measure, text),
            (f"{number} > {MAX_COUNT}", "too_large", measure, text),
        ]
    if "week" in columns:
        checks.append(("week_text IS NOT NULL AND week_from_week IS NULL", "bad_week", "week",
                       "week_text"))
    if "date" in columns:
        checks.append(("date_text IS NOT NULL AND date_value IS NULL "
                       + ("AND week_text IS NULL" if "week" in columns else ""),
                       "bad_date", "date", "date_text"))
    if "week" in columns and "date" in columns:
        # the week the date lies in travels with the cell texts: the message names all three
        checks.append((_WEEK_DATE_MISMATCH.format(week="week_from_week", date="week_from_date"),
                       "week_date_mismatch", "date",
                       "week_text || chr(31) || date_text || chr(31) || "
                       "'KW ' || strftime(week_from_date, '%V/%G')"))
    checks.append(("week_text IS NULL AND date_text IS NULL", "missing_week",
                   "week" if "week" in columns else "date", "NULL"))
    district_column = "district" if "district" in columns else "ags"
    checks.append(("ags IS NULL AND district IS NULL", "missing_district", district_column, "NULL"))
    # a line break inside a cell means an unclosed quote swallowed the following lines
    text_columns = {**{m: f"{m}_text" for m in MEASURES}, "week": "week_text",
                    "date": "date_text", "ags": "ags", "district": "district",
                    "facility": "facility", "facility_type": "facility_type"}
    for field_name, column in text_columns.items():
        if field_name in columns:
            checks.append((f"contains({column}, chr(10))", "line_break_in_cell", field_name, column))
    for field_name in ("facility", "facility_type", "district"):
        if field_name in columns:
            checks.append((f"length({field_name}) > {MAX_TEXT}", "too_long", field_name, field_name))
    if "ags" in columns:
        checks.append(("ags IS NOT NULL AND ags_resolved IS NULL", "unknown_district", "ags", "ags"))
    if "district" in columns:
        checks.append(("district IS NOT NULL AND name_resolved IS NULL "
                       + ("AND ags_resolved IS NULL" if "ags" in columns else ""),
                       "unknown_district", "district", "district"))
    if "ags" in columns and "district" in columns:
        checks.append(("ags_resolved IS NOT NULL AND name_resolved IS NOT NULL "
                       "AND ags_resolved <> name_resolved", "district_mismatch", "district",
                       "district"))
    # every fragment is a constant of this module; no cell value is ever part of the SQL
    template = ("SELECT line, '{code}' AS code, '{column}' AS field, CAST({value} AS VARCHAR) "
                "AS value, 'error' AS severity FROM resolved WHERE {condition}")
    # one scan counts every check; only the checks that found something list their rows
    found = _counts(con, "resolved", [condition for condition, *_ in checks])
    selects = [template.format(code=code, column=column, value=value, condition=condition)
               for (condition, code, column, value), count in zip(checks, found) if count]
    _new_row_problems(con)
    if selects:
        con.execute("INSERT INTO row_problems " + " UNION ALL ".join(selects))  # noqa: S608
    _build_clean(con)
    return _add_key_problems(con, today)


def _new_row_problems(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE row_problems "
                "(line INTEGER, code VARCHAR, field VARCHAR, value VARCHAR, severity VARCHAR)")


def _counts(con: duckdb.DuckDBPyConnection, relation: str, conditions: list[str]) -> list[int]:
    """How many rows of ``relation`` meet each condition, in one scan (fragments of this
    module only)."""
    if not conditions:
        return []
    columns = ", ".join(f"count(*) FILTER (WHERE {c})" for c in conditions)
    return list(con.execute(f"SELECT {columns} FROM {relation}").fetchall()[0])  # noqa: S608


_CLEAN_COLUMNS = """
        SELECT line,
            coalesce(ags_resolved, name_resolved) AS ags,
            week_monday AS week,
            coalesce(facility, '') AS facility,
            facility_type,
            CAST(arrivals_number AS INTEGER) AS arrivals,
            CAST(departures_number AS INTEGER) AS departures,
            CAST(capacity_number AS INTEGER) AS capacity,
            CAST(occupied_number AS INTEGER) AS occupied
        FROM resolved"""


def _build_clean(con: duckdb.DuckDBPyConnection) -> None:
    """``clean``: the rows without errors. When no row has one (a file that will load), a view
    over ``resolved`` serves: it is read a few times, more cheaply than it is copied once."""
    if con.execute("SELECT count(*) FROM row_problems").fetchall()[0][0]:
        con.execute("CREATE OR REPLACE TEMP TABLE clean AS " + _CLEAN_COLUMNS  # noqa: S608
                    + " WHERE line NOT IN (SELECT line FROM row_problems)")
    else:
        con.execute("CREATE OR REPLACE TEMP VIEW clean AS " + _CLEAN_COLUMNS)  # noqa: S608


_THIS_WEEK = "CAST(date_trunc('week', CAST(? AS DATE)) AS DATE)"  # Monday of the ? date
# a row whose week and date both parse but name different weeks: neither may silently win
_WEEK_DATE_MISMATCH = "({week} IS NOT NULL AND {date} IS NOT NULL AND {week} <> {date})"


def _add_key_problems(con: duckdb.DuckDBPyConnection, today: date) -> int:
    """Duplicate keys (errors), over-capacity and future weeks (warnings) among the clean rows.
    One scan tells which of them occur at all: equal keys have equal hashes, so as many
    distinct hashes as rows means no key occurs twice. Returns the number of warnings counted
    but not listed."""
    rows, keys, over, future = con.execute(
        "SELECT count(*), count(DISTINCT hash(ags, week, facility)), "  # noqa: S608 (constant)
        f"count(*) FILTER (WHERE occupied > capacity), count(*) FILTER (WHERE week > {_THIS_WEEK}) "
        "FROM clean", [today]).fetchall()[0]
    if keys < rows:
        # the rows whose key hashes like another row's are the candidates
        con.execute("""
            INSERT INTO row_problems
            WITH candidates AS (
                SELECT * FROM clean WHERE hash(ags, week, facility) IN (
                    SELECT h FROM (SELECT hash(ags, week, facility) AS h FROM clean)
                    GROUP BY h HAVING count(*) > 1)
            )
            SELECT c.line, 'duplicate_key', 'key', CAST(d.first_line AS VARCHAR), 'error'
            FROM candidates c JOIN (
                SELECT ags, week, facility, min(line) AS first_line FROM candidates
                GROUP BY ags, week, facility HAVING count(*) > 1
            ) d USING (ags, week, facility)
            WHERE c.line <> d.first_line
        """)
    return _list_warnings(con, over, future, today)


# the figures of ``cells`` as ``clean`` has them, without the look-ups ``clean`` joins
_CELL_FIGURES = ("(SELECT line, CAST(occupied_number AS INTEGER) AS occupied, "
                 "CAST(capacity_number AS INTEGER) AS capacity FROM cells)")


def _list_warnings(con: duckdb.DuckDBPyConnection, over: int, future: int, today: date,
                   figures: str = "clean") -> int:
    """Over-capacity and future-week warnings of ``clean`` into ``row_problems``, given how
    many there are. Warnings keep no row out of the load: the first MAX_PROBLEMS of each are
    listed, the others only counted (a national file may hold a million over-capacity rows).
    ``figures``: where over-capacity rows are looked for (``clean`` or ``_CELL_FIGURES``).
    Returns the number counted but not listed."""
    if over:
        con.execute(f"""
            INSERT INTO row_problems
            SELECT line, 'over_capacity', 'occupied', occupied || '/' || capacity, 'warning'
            FROM {figures} WHERE occupied > capacity ORDER BY line LIMIT ?
        """, [MAX_PROBLEMS])  # noqa: S608 (one of two constants)
    if future:
        con.execute(f"""
            INSERT INTO row_problems
            SELECT line, 'future_week', 'week', CAST(week AS VARCHAR), 'warning'
            FROM clean WHERE week > {_THIS_WEEK} ORDER BY line LIMIT ?
        """, [today, MAX_PROBLEMS])  # noqa: S608 (a constant)
    return max(over - MAX_PROBLEMS, 0) + max(future - MAX_PROBLEMS, 0)


def _finish(result: Validation, problems: list[Problem], con: duckdb.DuckDBPyConnection,
            with_row_problems: bool, columns: dict[str, str] | None = None,
            matcher: Matcher | None = None) -> Validation:
    counts: dict[str, int] = {}
    if with_row_problems:
        counts = dict(con.execute(
            "SELECT severity, count(*) FROM row_problems GROUP BY severity").fetchall())
        listed = "SELECT * FROM row_problems ORDER BY severity, line, code LIMIT ?"
        if con.execute("SELECT count(*) FROM row_problems WHERE code IN "
                       "('duplicate_key', 'district_mismatch')").fetchall()[0][0]:
            # their messages name the row's key: ``resolved`` is a view, the listed lines are
            # picked from it before its look-ups run
            rows = con.execute(
                "WITH p AS (" + listed + ") SELECT p.line, p.code, p.field, p.value, "  # noqa: S608
                "p.severity, r.ags_resolved, r.week_monday, r.facility FROM p LEFT JOIN "
                "(SELECT * FROM resolved WHERE line IN (SELECT line FROM p)) r USING (line) "
                "ORDER BY p.severity, p.line, p.code", [MAX_PROBLEMS]).fetchall()
        else:
            rows = [(*row, None, None, None)
                    for row in con.execute(listed, [MAX_PROBLEMS]).fetchall()]
        problems += [_row_problem(row, columns or {}, matcher) for row in rows]
    file_level = [p for p in problems if p.code in FILE_CODES]
    result.error_count = counts.get(ERROR, 0) + sum(p.severity == ERROR for p in file_level)
    result.warning_count = counts.get(WARNING, 0) + sum(p.severity == WARNING for p in file_level)
    result.problems = sorted(problems, key=lambda p: (p.severity != ERROR, p.line or 0))
    return result


FILE_CODES = {"empty_file", "not_a_table", "no_header", "missing_district_column",
              "missing_week_column", "no_measures",
              "no_rows", "duplicate_column", "ignored_column", "sheet_used", "file_encrypted",
              "file_zip_archive", "file_damaged", "file_document", "file_binary",
              "file_too_complex", "formula_without_value", "cells_beyond_header",
              "unclosed_quote"}


def _row_problem(row: tuple, columns: dict[str, str], matcher: Matcher | None) -> Problem:
    line, code, field_name, value, severity, ags, week, facility = row
    params: dict = {}
    if code == "duplicate_key":
        key = f"{ags} / {week}" + (f" / {facility}" if facility else "")
        return Problem(code, line, None, None, severity, {"row_key": key, "first_line": value})
    if code == "over_capacity":
        occupied, capacity = value.split("/")
        params = {"occupied": occupied, "capacity": capacity}
    elif code == "future_week":
        params = {"week": value}
    elif code == "week_date_mismatch":
        week, day, date_week = value.split("\x1f")
        params, value = {"week": week, "date": day, "date_week": date_week}, day
    elif code == "district_mismatch" and matcher is not None:
        params = {"ags": ags, "ags_name": matcher.names.get(ags, "")}
    elif code == "unknown_district" and matcher is not None:
        code, params = _unknown_district(matcher, value)
    return Problem(code, line, columns.get(field_name, field_name), value, severity, params)


def _unknown_district(matcher: Matcher, value: str) -> tuple[str, dict]:
    """Which problem an unknown district is: a retired one says where it went."""
    retired = matcher.retired.get(normalise_ags(value) or "") or matcher.retired.get(
        name_key(value))
    if retired:
        old, new_ags, since = retired
        since_text = ".".join(reversed(since.split("-"))) if since else "?"
        return "retired_district", {"old": old, "new": matcher.names.get(new_ags, new_ags),
                                    "new_ags": new_ags, "since": since_text}
    close = difflib.get_close_matches(value, list(matcher.names.values()), n=1, cutoff=0.75)
    if close:
        return "unknown_district_suggest", {"suggestion": close[0]}
    return "unknown_district", {}
