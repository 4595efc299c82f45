"""Plausibility findings: a report's rows against the district's history in the store.

CONTRACT.md, "Plausibility findings": each row is compared with the same district's
(facility's) latest earlier reported week in the store: ``jump``, ``balance``, ``stale_copy``
and ``old_week``, declared once as the history rules of ``reception.ingest.rules.RULES``, with
the thresholds of ``[plausibility]`` in ``data/settings.toml``. A district's first report and
rows that only announce allocations have no findings.

Set-based in DuckDB like every rule: :func:`find` runs one statement over a relation of rows
as ``report_row`` has them (the view ``clean`` of a validated file, a registered Arrow table)
and the store's ``current_rows``. The write path runs it under the writer lock
(``load.apply``), so it reads the store as the load will meet it; with ``RECEPTION_DB`` a
PostgreSQL URL that connection is the mirror synced to the store under the store's lock, so the
findings are the same with either store. The upload page runs it for its preview too, on
the published snapshot and without the lock (its ``current_rows``): that is safe because
the preview decides nothing; the load runs it again under the lock and refuses an
unconfirmed file whose findings appeared only since.

A finding is a :class:`~reception.ingest.problems.Problem` of severity ``finding``: line, column
(the file's header), value, ``earlier`` (the earlier figure) and ``earlier_week`` (its ISO week,
``2024-W44``), as data; the message and :func:`findings_frame` show the figures and weeks as
German (English) readers expect them: ``12.500``, ``KW 44/2024``. A file with findings loads
only when its sender confirms them (``load.apply(..., confirmed_by=...)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import duckdb

from reception import config, isoweek
from reception.i18n import t
from reception.ingest.headers import MEASURES
from reception.ingest.problems import Problem
from reception.ingest.rules import MAX_PROBLEMS, RULES, Rule, history_sql

if TYPE_CHECKING:
    import pandas as pd

# a row that only announces allocations has no findings (CONTRACT.md)
_FIGURES = [m for m in MEASURES if m != "announced"]
# the field a rule reported in one check per row (``each=False``) names
_ROW_TARGET = {"stale_copy": "arrivals"}


@dataclass
class Findings:
    """The findings of a file: the first ``MAX_PROBLEMS`` listed, ``count`` all of them."""

    problems: list[Problem] = field(default_factory=list)
    count: int = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        return iter(self.problems)


def history_rules() -> list[Rule]:
    return [rule for rule in RULES if rule.history]


def _history_relation(rows: str, store: str) -> str:
    """SQL of the rows of ``rows`` with the district's (facility's) latest earlier reported
    week in ``store`` (``prev_*``), the district's latest week and what the store holds for the
    row's week (``rules.HISTORY_COLUMNS``). ``rows`` and ``store``: relation names of this
    package, never text from a file."""
    measures = ", ".join(MEASURES)
    previous = ", ".join(f"p.{m} AS prev_{m}" for m in MEASURES)
    return f"""
        WITH incoming_rows AS (
            SELECT line, ags, week, facility, {measures} FROM {rows}
            WHERE coalesce({', '.join(_FIGURES)}) IS NOT NULL
        ), history AS (
            SELECT s.* FROM {store} s
            WHERE s.ags IN (SELECT DISTINCT ags FROM incoming_rows)
        ), latest AS (
            SELECT ags, max(week) AS latest_week FROM history GROUP BY ags
        ), held AS (  -- only the weeks the rows name: what they would replace
            SELECT ags, week, coalesce(sum(occupied), sum(capacity), sum(arrivals))
                AS replaced_figure
            FROM history WHERE (ags, week) IN (SELECT ags, week FROM incoming_rows)
            GROUP BY ags, week
        )
        SELECT i.*, p.week AS prev_week, {previous}, l.latest_week,
            h.week AS replaced_week, h.replaced_figure
        FROM incoming_rows i
        ASOF LEFT JOIN history p
            ON i.ags = p.ags AND i.facility = p.facility AND i.week > p.week
        LEFT JOIN latest l ON l.ags = i.ags
        LEFT JOIN held h ON h.ags = i.ags AND h.week = i.week
    """  # noqa: S608 (constants of this package)


def _finding_selects(thresholds: dict[str, float]) -> list[str]:
    selects = []
    for rule in history_rules():
        targets = rule.fields if rule.each else (_ROW_TARGET.get(rule.code, rule.fields[0]),)
        for target in targets:
            condition, value, earlier, earlier_week = history_sql(rule, target, thresholds)
            selects.append(
                f"SELECT line, '{rule.code}' AS code, '{target}' AS field, "
                f"CAST({value} AS VARCHAR) AS value, CAST({earlier} AS VARCHAR) AS earlier, "
                f"CAST({earlier_week} AS DATE) AS earlier_week, week, arrivals, departures, "
                f"prev_occupied, latest_week FROM found WHERE {condition}")
    return selects


def find(con: duckdb.DuckDBPyConnection, rows: str, columns: dict[str, str] | None = None,
         thresholds: dict[str, float] | None = None, store: str = "current_rows",
         limit: int = MAX_PROBLEMS) -> Findings:
    """The findings of the rows of relation ``rows`` (columns of ``report_row``: ``line``,
    ``ags``, ``week``, ``facility`` and the measures) against ``store`` in ``con``.
    ``columns``: the file's header label of each canonical field (``ReadResult.columns``), for
    the column a finding names; ``thresholds``: default ``config.settings().plausibility()``.
    Lists the first ``limit`` findings (by line), counts all."""
    if store == "current_rows" and not _any_load_in_force(con):
        return Findings()  # nothing to compare with: the statement would scan every row for none
    thresholds = thresholds or config.settings().plausibility()
    union = " UNION ALL ".join(_finding_selects(thresholds))
    listed = con.execute(
        f"WITH found AS MATERIALIZED ({_history_relation(rows, store)}), "  # noqa: S608
        f"every_finding AS ({union}) "
        "SELECT *, count(*) OVER () FROM every_finding ORDER BY line, code, field LIMIT ?",
        [limit]).fetchall()
    problems = [_problem(row, columns or {}, thresholds) for row in listed]
    return Findings(problems, listed[0][-1] if listed else 0)


def _any_load_in_force(con: duckdb.DuckDBPyConnection) -> bool:
    """False where the store holds no load in force, so ``current_rows`` is empty: then no
    row has an earlier week, a latest week or a replaced figure, and every history rule asks
    for one of those (``tests/test_plausibility.py`` checks each rule for it)."""
    return bool(con.execute("SELECT count(*) FROM (SELECT 1 FROM load_log "
                            "WHERE status = 'loaded' LIMIT 1)").fetchall()[0][0])


def _problem(row: tuple, columns: dict[str, str], thresholds: dict[str, float]) -> Problem:
    (line, code, target, value, earlier, earlier_week, week, arrivals, departures,
     prev_occupied, latest_week, _) = row
    params: dict = {}
    if code == "balance":
        params = {"arrivals": arrivals, "departures": departures,
                  "expected": prev_occupied + arrivals - departures}
    elif code == "old_week":
        value = week_name(week)
        params = {"latest_week": week_name(latest_week),
                  "weeks": int(thresholds["old_week_weeks"])}
    elif code == "jump":
        params = {"factor": thresholds["jump_factor"]}
    column = columns.get(target) or t(f"canonical.{target}")
    return Problem(code, line, column, value, params=params, earlier=earlier,
                   earlier_week=week_name(earlier_week))


def week_name(day: date | None) -> str:
    """The data form of the week of ``day`` (``2024-W45``); '' for none."""
    if day is None:
        return ""
    return isoweek.name(day)


def findings_frame(findings: Findings | list[Problem], lang: str = "de") -> pd.DataFrame:
    """The findings as a table: line, column, value, earlier value, its week, message."""
    import pandas as pd

    keys = ("col.line", "col.column", "col.value", "plausi.col.earlier",
            "plausi.col.earlier_week", "col.message")
    rows = [(p.line, p.column or "", p.shown("value", lang), p.shown("earlier", lang),
             p.shown("earlier_week", lang), p.message(lang)) for p in findings]
    return pd.DataFrame(rows, columns=[t(k, lang) for k in keys])
