"""Validation of a read report, set-based in DuckDB: ``raw`` -> ``clean`` + problems.

The checks are the rules of ``reception.ingest.rules``, declared once; this module runs them on
two roads to the same outcome. The screen (``_screen``) runs them on the distinct values of a
CSV file's columns and proves, where it can, that no row has an error; such a file skips the
row-by-row road. That road (``_collect_row_problems``) runs every check as one SQL statement
over the whole table and names each problem's line. Checks across rows (a key twice) are
here, beside the rules. The only Python loops run over the distinct district names of a file
(a few dozen), never over rows. The relations made here are listed in ``reception.ingest``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date

import duckdb

from reception import isoweek
from reception.ingest import rules
from reception.ingest.numbers import number_sql, trimmed_sql
from reception.ingest.problems import CATALOGUE, ERROR, FILE, WARNING, Problem
from reception.ingest.reports import MEASURES, ReadResult
from reception.ingest.rules import (
    DISTRICT_FIELDS,
    MAX_PROBLEMS,
    PARTS_SUM,
    TEXT_FIELDS,
    TIME_FIELDS,
    Check,
    text_needed_sql,
)
from reception.reference.districts import Matcher, name_key, normalise_ags


@dataclass
class Validation:
    """Outcome of validating ``raw``: when ok, ``rows_to_load`` gives the rows in the
    connection."""

    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    rows: int = 0
    screened: bool = False  # decided by the screen on distinct values, not row by row

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def _cell(name: str) -> str:
    """SQL for a trimmed cell, '' and whitespace as NULL."""
    return f"NULLIF(trim(CAST({name} AS VARCHAR)), '')"


def validate(con: duckdb.DuckDBPyConnection, read: ReadResult, matcher: Matcher,
             today: date | None = None, screen: bool = True) -> Validation:
    """Check every row of ``raw``; on success leave the rows to load in the view ``clean``
    (``rows_to_load``).

    ``screen``: where the reader parsed the numbers (a CSV file), first try to prove from the
    distinct values of each column and one scan of the rows that no row has an error
    (``_screen``); a file that passes skips the row-by-row checks, which then could only find
    what the screen already counted. Whatever the screen cannot prove goes the row-by-row road,
    which names every problem's line. ``screen=False`` forces that road (tests compare both)."""
    result = Validation()
    problems = list(read.problems)
    columns = read.columns
    if not (set(DISTRICT_FIELDS) & columns.keys()):
        problems.append(Problem("missing_district_column", read.header_line))
    if not (set(TIME_FIELDS) & columns.keys()):
        problems.append(Problem("missing_week_column", read.header_line))
    if not (set(MEASURES) & columns.keys()):
        problems.append(Problem("no_measures", read.header_line))
    if any(p.severity == ERROR for p in problems):
        return _finish(result, problems, con, with_row_problems=False)

    checks = rules.checks(columns, today or date.today())
    _normalise_cells(con, columns, read)
    values = _distinct_source(read)
    _map_districts(con, columns, matcher, values)
    _build_lookups(con, columns, values)
    _parse(con, columns, materialise=False)
    screened = _screen(con, columns, checks) if screen and read.numbers else None
    if screened is not None:
        result.rows, result.screened = screened.rows, True
        unlisted = _list_screened_warnings(con, columns, screened)
    else:
        _parse(con, columns, materialise=True)  # scanned many times by the checks: a table
        result.rows = con.execute("SELECT count(*) FROM resolved").fetchall()[0][0]
        if result.rows == 0:
            problems.append(Problem("no_rows", read.header_line))
            return _finish(result, problems, con, with_row_problems=False)
        unlisted = _collect_row_problems(con, checks)
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
        f"CREATE OR REPLACE TEMP VIEW cells AS SELECT {outer} FROM (SELECT {inner}) "
        f"WHERE {any_value} AND NOT coalesce({total_row}, false)"
    )


def _parsed_cells(present: list[str], measures: list[str],
                  corrected: list[str]) -> tuple[str, str, str]:
    """(inner columns with joins, outer columns, non-empty condition) of ``cells`` over a
    ``raw`` that holds its measures as read (``ReadResult.numbers``): the number is the quick
    guess, or the exact one where ``number_fix_<measure>`` corrects it. A measure's trimmed
    text is only made where a rule may flag the cell (``rules.text_needed_sql``)."""
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
        f"CASE WHEN {text_needed_sql(m, f'{m}_number')} THEN {trimmed_sql(f'{m}_cell')} "
        f"END AS {m}"
        for m in measures])
    # most rows show a text or a number; only the others need their measure cells trimmed
    any_value = " OR ".join(
        ([f"coalesce({', '.join(texts)}) IS NOT NULL"] if texts else [])
        + ([f"coalesce({', '.join(f'{m}_number' for m in measures)}) IS NOT NULL",
            f"coalesce({', '.join(trimmed_sql(f'{m}_cell') for m in measures)}) "
            "IS NOT NULL"] if measures else []))
    return inner, outer, f"({any_value})"


def _cell_columns(columns: dict[str, str]) -> list[tuple[str, str, str]]:
    """(family, SQL, name) of each of ``rules.CELL_COLUMNS``, over the cells ``c`` and the
    look-ups of ``_lookup_joins``; the columns of absent fields are NULL constants."""
    def of(field_name: str, expression: str, kind: str = "VARCHAR") -> str:
        return expression if field_name in columns else f"NULL::{kind}"

    found = []
    for m in MEASURES:
        found += [(m, of(m, f"c.{m}"), f"{m}_text"),
                  (m, of(m, f"c.{m}_number", "DOUBLE"), f"{m}_number")]
    found += [("district", of("ags", "CASE WHEN a.known THEN a.ags END"), "ags_resolved"),
              ("district", of("district", "CASE WHEN n.known THEN n.ags END"), "name_resolved"),
              ("district", of("ags", "c.ags"), "ags"),
              ("district", of("district", "c.district"), "district"),
              ("time", of("week", "c.week"), "week_text"),
              ("time", of("week", "wl.week_from_week", "DATE"), "week_from_week"),
              ("time", of("date", "c.date"), "date_text"),
              ("time", of("date", "dl.date_value", "DATE"), "date_value"),
              ("time", of("date", "dl.week_from_date", "DATE"), "week_from_date")]
    mondays = [e for f, e in (("week", "wl.week_from_week"), ("date", "dl.week_from_date"))
               if f in columns]
    found.append(("time", mondays[0] if len(mondays) == 1 else
                  f"coalesce({', '.join(mondays)})" if mondays else "NULL::DATE", "week_monday"))
    found += [("text", of(t, f"c.{t}"), t) for t in TEXT_FIELDS]
    return found


def _lookup_joins(columns: dict[str, str], families: tuple[str, ...] = ("district", "time")
                  ) -> list[str]:
    """The joins of the cells ``c`` to the look-up tables of the district and time cells."""
    joins = {
        "ags": ("district", "LEFT JOIN (SELECT * FROM district_map WHERE source = 'ags') a "
                "ON a.value = c.ags"),
        "district": ("district", "LEFT JOIN (SELECT * FROM district_map "
                     "WHERE source = 'district') n ON n.value = c.district"),
        "week": ("time", "LEFT JOIN week_lookup wl ON wl.week_text = c.week"),
        "date": ("time", "LEFT JOIN date_lookup dl ON dl.date_text = c.date"),
    }
    return [join for f, (family, join) in joins.items() if f in columns and family in families]


def _parse(con: duckdb.DuckDBPyConnection, columns: dict[str, str], materialise: bool) -> None:
    """``resolved_rows`` and view ``resolved``: the cells with their weeks, dates and
    districts (``rules.CELL_COLUMNS``). Those texts repeat across rows, so they are parsed
    once per distinct value (the look-up tables of ``_build_lookups``) and joined back.
    ``resolved_rows`` holds only what varies from row to row; the columns of absent fields
    (NULL) and copies are added by the view. ``materialise``: a table, for the row-by-row
    checks that scan it many times; else a view (a screened file is read once more, when it
    is written)."""
    stored, derived, names = ["c.line"], [], {}
    for _, expression, name in _cell_columns(columns):
        if expression.startswith("NULL::"):
            derived.append(f"{expression} AS {name}")
        elif expression in names:  # the same column twice (the week of a file with one field)
            derived.append(f"{names[expression]} AS {name}")
        else:
            names[expression] = name
            stored.append(f"{expression} AS {name}")
    kind = "TABLE" if materialise else "VIEW"
    con.execute("DROP VIEW IF EXISTS resolved_rows")
    con.execute(f"CREATE OR REPLACE TEMP {kind} resolved_rows AS SELECT {', '.join(stored)} "
                f"FROM cells c {' '.join(_lookup_joins(columns))}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW resolved AS SELECT {', '.join(['*'] + derived)} "
                "FROM resolved_rows")


def _build_lookups(con: duckdb.DuckDBPyConnection, columns: dict[str, str], values: str) -> None:
    if "week" in columns:
        year, week = isoweek.year_and_number_sql("week_text")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE week_lookup AS
            SELECT week_text, {isoweek.monday_sql("y", "w")} AS week_from_week
            FROM (SELECT week_text, {year} AS y, {week} AS w
                  FROM (SELECT DISTINCT week AS week_text FROM {values} WHERE week IS NOT NULL))
        """)
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
        """)


def _map_districts(con: duckdb.DuckDBPyConnection, columns: dict[str, str],
                   matcher: Matcher, values: str) -> None:
    """Resolve the distinct district keys and names of the file (few) to reference keys.
    ``values``: the relation of trimmed cells to take them from (see ``_distinct_source``)."""
    rows = []
    if "ags" in columns:
        query = f"SELECT DISTINCT ags FROM {values} WHERE ags IS NOT NULL"
        rows += [("ags", value, normalise_ags(value)) for (value,) in con.execute(query).fetchall()]
    if "district" in columns:
        query = f"SELECT DISTINCT district FROM {values} WHERE district IS NOT NULL"
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
    """What the screen of a file found: its rows, none with an error, and how often each
    warning check fires."""

    rows: int
    warnings: list[tuple[Check, int]]


# the order in which the screen tries the families (cheapest first: a failing one ends it)
_SCREEN_ORDER = (*MEASURES, "time", "district", "rows", "resolved")


def _family_relation(columns: dict[str, str], family: str) -> str:
    """SQL of a relation holding the columns of ``rules.CELL_COLUMNS`` that the checks of
    ``family`` read, with ``n``: how many rows of ``cells`` each of its rows stands for.

    The district and time families: the distinct (ags, district) or (week, date) cells of the
    rows, with their look-ups; a measure: its distinct cells (``number_cells_<measure>``, with
    the total rows: a doubtful number there only sends a file the row-by-row road); 'rows':
    the cells of every row (texts and numbers, no look-ups); 'resolved': every row, resolved."""
    cell_columns = _cell_columns(columns)
    if family in MEASURES:
        return (f"(SELECT {trimmed_sql('cell')} AS {family}_text, exact AS {family}_number, "
                f"1 AS n FROM number_cells_{family})")
    if family == "resolved":
        return "(SELECT *, 1 AS n FROM resolved)"
    if family == "rows":
        picked = [f"{e} AS {name}" for f, e, name in cell_columns if f in (*MEASURES, "text")]
        return f"(SELECT c.line, {', '.join(picked)}, 1 AS n FROM cells c)"
    fields = [f for f in (DISTRICT_FIELDS if family == "district" else TIME_FIELDS)
              if f in columns]
    picked = [f"{e} AS {name}" for f, e, name in cell_columns if f == family]
    return (f"(SELECT {', '.join(picked)}, c.n FROM (SELECT {', '.join(fields)}, count(*) AS n "
            f"FROM cells GROUP BY ALL) c {' '.join(_lookup_joins(columns, (family,)))})")


# per family: figures that must be equal for the rows' keys to be as distinct as their texts
_KEY_FIGURES = {"district": "count(*), count(DISTINCT coalesce(ags_resolved, name_resolved))",
                "time": "count(*), count(DISTINCT week_monday)", "rows": "count(*), count(*)"}


def _screen(con: duckdb.DuckDBPyConnection, columns: dict[str, str],
            checks: list[Check]) -> _Screened | None:
    """Prove that no row of ``cells`` breaks a rule, or return None.

    Each check runs on the relation of its family (``_family_relation``): most on a few
    distinct values, the rest in one scan of the rows. Duplicate keys are excluded in the same
    pass: where the district and the time groups map one to one onto district keys and
    Mondays, as many distinct key texts as rows in ``raw`` means as many distinct keys as rows.
    Equal texts have equal hashes, so a hash collision can only send a file the row-by-row road."""
    rows, warnings = 0, []
    for family in _SCREEN_ORDER:
        mine = [c for c in checks if c.family == family]
        if not mine and family not in _KEY_FIGURES:
            continue
        errors = " OR ".join(c.condition for c in mine if c.severity == ERROR) or "false"
        counted = [c for c in mine if c.severity != ERROR]
        figures = [_KEY_FIGURES.get(family, "0, 0"), f"count(*) FILTER (WHERE {errors})"]
        figures += [f"coalesce(sum(n) FILTER (WHERE {c.condition}), 0)" for c in counted]
        groups, keys, flagged, *found = con.execute(
            f"SELECT {', '.join(figures)} FROM {_family_relation(columns, family)}"
        ).fetchall()[0]
        if flagged or keys != groups or (family == "rows" and groups == 0):
            return None
        rows = groups if family == "rows" else rows
        warnings += zip(counted, map(int, found))
    # the keys are counted over every row read (with the total and empty rows that ``cells``
    # leaves out): distinct there, distinct among the rows of ``cells``
    labels = [c for c in ("ags", "district", "week", "date", "facility") if c in columns]
    read, keys = con.execute(f"SELECT count(*), count(DISTINCT hash({', '.join(labels)})) "
                             "FROM raw").fetchall()[0]
    return _Screened(rows, warnings) if keys == read else None


def _list_screened_warnings(con: duckdb.DuckDBPyConnection, columns: dict[str, str],
                            screened: _Screened) -> int:
    """``row_problems`` and ``clean`` of a screened file: its warnings only. Those of the
    'rows' family are picked from the cells, without the look-ups of ``resolved``."""
    _new_row_problems(con)
    _build_clean(con)
    return _list_warnings(con, screened.warnings, {"rows": _family_relation(columns, "rows")})


def _collect_row_problems(con: duckdb.DuckDBPyConnection, checks: list[Check]) -> int:
    """Table ``row_problems`` and view ``clean``; returns the warnings counted, not listed."""
    errors = [c for c in checks if c.severity == ERROR]
    # one scan counts every check; only the checks that found something list their rows
    found = _counts(con, "resolved", [c.condition for c in errors])
    _new_row_problems(con)
    selects = [_PROBLEM_ROWS.format(code=c.code, field=c.field, value=c.value,
                                    severity=c.severity, relation="resolved",
                                    condition=c.condition)
               for c, count in zip(errors, found) if count]
    if selects:
        con.execute("INSERT INTO row_problems " + " UNION ALL ".join(selects))
    _build_clean(con)
    return _add_key_problems(con, [c for c in checks if c.severity != ERROR])


# every fragment is a constant of this package; no cell value is ever part of the SQL
_PROBLEM_ROWS = ("SELECT line, '{code}' AS code, '{field}' AS field, CAST({value} AS VARCHAR) "
                 "AS value, '{severity}' AS severity FROM {relation} WHERE {condition}")


def _new_row_problems(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE row_problems "
                "(line INTEGER, code VARCHAR, field VARCHAR, value VARCHAR, severity VARCHAR)")


def _counts(con: duckdb.DuckDBPyConnection, relation: str, conditions: list[str]) -> list[int]:
    """How many rows of ``relation`` meet each condition, in one scan (fragments of this
    package only)."""
    if not conditions:
        return []
    columns = ", ".join(f"count(*) FILTER (WHERE {c})" for c in conditions)
    return list(con.execute(f"SELECT {columns} FROM {relation}").fetchall()[0])


# the measures of the second version of the format, stored as they are
PART_MEASURES = tuple(m for m in MEASURES
                      if m not in ("arrivals", "departures", "capacity", "occupied"))
# the columns of table ``report_row`` less ``load_id``, in its order
ROW_COLUMNS = ", ".join(["ags", "week", "facility", "facility_type", "arrivals", "departures",
                         "capacity", "occupied", "line", *PART_MEASURES])
# where a row gives only the parts of its arrivals, its arrivals are their sum
_CLEAN_COLUMNS = (
    "SELECT line, coalesce(ags_resolved, name_resolved) AS ags, week_monday AS week, "
    "coalesce(facility, '') AS facility, facility_type, "
    f"CAST(coalesce(arrivals_number, {PARTS_SUM}) AS INTEGER) AS arrivals, "
    + "".join(f"CAST({m}_number AS INTEGER) AS {m}, "
              for m in ("departures", "capacity", "occupied", *PART_MEASURES))
    + "FROM sound").replace(", FROM", " FROM")


def rows_to_load(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
    """The rows of a valid file as ``report_row`` takes them (its columns less ``load_id``),
    in ``con`` after ``validate``."""
    return con.sql(f"SELECT {ROW_COLUMNS} FROM clean")  # noqa: S608 (constants)


def _build_clean(con: duckdb.DuckDBPyConnection) -> None:
    """``sound``: the rows of ``resolved`` without errors, and ``clean``: those rows as they
    are loaded. When no row has an error (a file that will load), views over ``resolved``
    serve: they are read a few times, more cheaply than they are copied once."""
    if con.execute("SELECT count(*) FROM row_problems").fetchall()[0][0]:
        con.execute("CREATE OR REPLACE TEMP TABLE sound AS SELECT * FROM resolved "
                    "WHERE line NOT IN (SELECT line FROM row_problems)")
    else:
        con.execute("CREATE OR REPLACE TEMP VIEW sound AS SELECT * FROM resolved")
    con.execute("CREATE OR REPLACE TEMP VIEW clean AS " + _CLEAN_COLUMNS)


def _add_key_problems(con: duckdb.DuckDBPyConnection, warnings: list[Check]) -> int:
    """Duplicate keys (errors) and the warning checks among the sound rows. One scan tells
    which of them occur at all: equal keys have equal hashes, so as many distinct hashes as
    rows means no key occurs twice. Returns the number of warnings counted but not listed."""
    rows, keys, *found = con.execute(
        f"SELECT count(*), count(DISTINCT hash({_CLEAN_KEY})) "
        + "".join(f", count(*) FILTER (WHERE {c.condition})" for c in warnings)
        + " FROM sound").fetchall()[0]
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
    return _list_warnings(con, list(zip(warnings, found)))


# the key of a sound row as ``clean`` has it (district, week, facility)
_CLEAN_KEY = "coalesce(ags_resolved, name_resolved), week_monday, coalesce(facility, '')"


def _list_warnings(con: duckdb.DuckDBPyConnection, counted: list[tuple[Check, int]],
                   relations: dict[str, str] | None = None) -> int:
    """The warnings of the sound rows into ``row_problems``, given how often each check
    fires. Warnings keep no row out of the load: the first MAX_PROBLEMS of each check are
    listed, the others only counted (a national file may hold a million over-capacity rows).
    ``relations``: where the rows of a family are looked for, if not in ``sound``.
    Returns the number counted but not listed."""
    for check, count in counted:
        if count:
            relation = (relations or {}).get(check.family, "sound")
            con.execute("INSERT INTO row_problems " + _PROBLEM_ROWS.format(
                code=check.code, field=check.field, value=check.value, severity=check.severity,
                relation=relation, condition=check.condition) + " ORDER BY line LIMIT ?",
                [MAX_PROBLEMS])
    return sum(max(count - MAX_PROBLEMS, 0) for _, count in counted)


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
                "WITH p AS (" + listed + ") SELECT p.line, p.code, p.field, p.value, "
                "p.severity, r.ags_resolved, r.week_monday, r.facility FROM p LEFT JOIN "
                "(SELECT * FROM resolved WHERE line IN (SELECT line FROM p)) r USING (line) "
                "ORDER BY p.severity, p.line, p.code", [MAX_PROBLEMS]).fetchall()
        else:
            rows = [(*row, None, None, None)
                    for row in con.execute(listed, [MAX_PROBLEMS]).fetchall()]
        problems += [_row_problem(row, columns or {}, matcher) for row in rows]
    file_level = [p for p in problems if CATALOGUE[p.code].scope == FILE]
    result.error_count = counts.get(ERROR, 0) + sum(p.severity == ERROR for p in file_level)
    result.warning_count = counts.get(WARNING, 0) + sum(p.severity == WARNING for p in file_level)
    result.problems = sorted(problems, key=lambda p: (p.severity != ERROR, p.line or 0))
    return result


def _row_problem(row: tuple, columns: dict[str, str], matcher: Matcher | None) -> Problem:
    line, code, field_name, value, severity, ags, week, facility = row
    params: dict = {}
    if code == "duplicate_key":
        key = f"{ags} / {week}" + (f" / {facility}" if facility else "")
        return Problem(code, line, None, None, severity, {"row_key": key, "first_line": value})
    if code == "over_capacity":
        occupied, capacity = value.split("/")
        params = {"occupied": occupied, "capacity": capacity}
    elif code in ("parts_over_arrivals", "unusable_over_capacity", "entitled_over_occupied"):
        part, whole = value.split("/")
        params = {"part": part, "whole": whole}
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
