"""The checks of a report's rows, each declared once, in ``RULES``.

``reception.ingest.validate`` runs every rule on two roads, both generated from this table:

- **the screen**, on the distinct values of a file's columns: a national file of ten million
  rows holds 400 district keys, 520 weeks and a few thousand distinct numbers, so a rule that
  looks only at the district cells of a row (or only at its week and date cells, or only at one
  measure's cell) is decided on those few distinct values. Rules that look at more are decided
  by one scan of the rows. A file on which no rule fires skips the second road.
- **the row-by-row road**, one SQL statement over every row, which names each problem's line.

A rule's ``condition`` is SQL over the *parsed cells of one row* (``CELL_COLUMNS``): it is true
where the row breaks the rule. The same text is evaluated over the rows (row-by-row road) and
over the distinct values (screen), so both roads agree by construction.

How to add a rule (one entry in ``RULES``):

1. Its problem code: an entry in ``reception.ingest.problems.CATALOGUE`` (severity: an error
   keeps the file out, a warning keeps the row in), the message ``problem.<code>`` in
   ``reception/locales/problem.toml`` (German and English; ``{value}`` is the cell) and what the
   sender should do, ``problem_action.<code>`` in ``reception/locales/problem_action.toml``; then
   regenerate ``docs/problems.md`` (``tests/test_problems.py`` says how).
2. Append ``Rule(code, condition, fields)`` to ``RULES``. ``fields``: the canonical fields the
   problem is reported in; with ``each=True`` (the default) the rule is one check per field
   of ``fields`` that the file has, and ``{text}`` / ``{number}`` in ``condition`` and ``value``
   stand for that field's text and number columns (``{max_count}``, ``{max_text}``,
   ``{this_monday}`` for the limits and this week's Monday; ``{{`` for a literal brace). With
   ``each=False`` it is one check of the row, reported in the first field of ``fields`` the
   file has. ``needs``: further fields the file must have for the rule to run; ``reads``:
   further fields whose columns the condition uses. ``value``: SQL of the value the problem
   shows (default: the field's text).
3. Where the screen decides it follows from the fields it reads (``Check.family``): only
   district fields -> the distinct (ags, district) pairs; only week and date -> the distinct
   (week, date) pairs; one measure -> its distinct cells; facility texts and measures -> one
   scan of the cells; anything else -> one scan of the resolved rows (slower: prefer rules
   that stay in one family). A condition that names a column of a field it does not declare
   fails in the screen's SQL, which the tests run on every rule.
   A rule on a new kind of cell (say a count of filled cells beyond the header, made by the
   reader): add the column to ``CELL_COLUMNS`` and to ``validate._cell_columns``, with the
   family of the field it belongs to.
4. Warnings are looked for among the rows without errors; the first ``MAX_PROBLEMS`` of each
   are listed, the others counted.
5. Tests: ``tests/test_rules.py`` shows how a rule is seen on both roads.

``absent``: the rule runs only on files that lack these fields (``future_week`` has a cheap
form for files without announcements and one that looks at the whole row for files with them).

Examples: week and date that disagree (``week_date_mismatch``: decided on the distinct (week,
date) pairs); a part larger than its whole (``parts_over_arrivals`` and its siblings:
``{number}`` of one measure against another, ``needs=("capacity",)``).

Plausibility findings (``history=True``: ``jump``, ``balance``, ``stale_copy``, ``old_week``;
CONTRACT.md) are rules of the same table but compare a row with the store, not with its own
cells: their SQL runs over ``HISTORY_COLUMNS`` (the row, the district's latest earlier reported
week as ``prev_<measure>``), with ``{new}``/``{old}`` for the field's two figures and the
thresholds of ``[plausibility]``; ``reception.ingest.plausibility`` runs them when a file is
written (never the screen or the row-by-row road, which see no store). Severity ``finding``: the
file loads only confirmed.

Checks across rows (a key twice) are not rules: they are the key checks of ``validate``.
Numbers: a measure's text (``<measure>_text``) is made only where the number alone may break a
rule (``text_needed_sql``, generated from the measure rules with a stand-in text); a rule on a
measure's text must therefore also fire on some number-only condition, as ``not_a_number``
does for every cell that is not a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from reception import isoweek
from reception.ingest.headers import ARRIVAL_PARTS, MEASURES
from reception.ingest.numbers import MAX_COUNT
from reception.ingest.problems import ERROR, severity_of

MAX_TEXT = 200  # characters of a facility or district name
MAX_PROBLEMS = 1000  # problems of one code listed by line; the rest only counted (warnings)

# the families of fields whose cells a row's rule may read; the screen decides a rule on the
# distinct values of one family (district, time, one measure) or else by a scan of the rows
DISTRICT_FIELDS = ("ags", "district")
TIME_FIELDS = ("week", "date")
TEXT_FIELDS = ("facility", "facility_type")

# field -> its columns among the parsed cells of a row (``CELL_COLUMNS``)
TEXT_COLUMN = {"ags": "ags", "district": "district", "week": "week_text", "date": "date_text",
               "facility": "facility", "facility_type": "facility_type",
               **{m: f"{m}_text" for m in MEASURES}}
NUMBER_COLUMN = {m: f"{m}_number" for m in MEASURES}

CELL_COLUMNS = {
    # district: the cells and the reference key each resolves to (NULL: unknown)
    "ags": "district key as written", "district": "district name as written",
    "ags_resolved": "reference key of the district key", "name_resolved": "... of the name",
    # time: the cells and what they give
    "week_text": "week cell", "week_from_week": "Monday of that week (NULL: not a week)",
    "date_text": "date cell", "date_value": "the date (NULL: not a date)",
    "week_from_date": "Monday of the date's week", "week_monday": "the row's week",
    "facility": "facility text", "facility_type": "facility type text",
    **{f"{m}_text": f"{m} cell (only where its number may break a rule)" for m in MEASURES},
    **{f"{m}_number": f"{m} as a number (NULL: empty or not a number)" for m in MEASURES},
}


@dataclass(frozen=True)
class Rule:
    """One check of a row, declared once (see the module docstring)."""

    code: str
    condition: str  # SQL over CELL_COLUMNS, true where the row breaks the rule
    fields: tuple[str, ...]
    value: str = "{text}"  # SQL of the value the problem shows
    each: bool = True  # one check per field of ``fields`` present, else one per row
    needs: tuple[str, ...] = ()  # further fields the file must have
    reads: tuple[str, ...] = ()  # further fields whose columns ``condition`` uses
    absent: tuple[str, ...] = ()  # the rule runs only on files without these fields
    # a plausibility finding: SQL over ``HISTORY_COLUMNS`` (the row against the store), run by
    # ``reception.ingest.plausibility`` when the file is written, never by ``validate``
    history: bool = False
    earlier: str = "NULL"  # history rules: SQL of the earlier figure shown
    earlier_week: str = "NULL"  # ... and of its week

    def checks(self, present: Iterable[str], monday: str = "NULL") -> list[Check]:
        """The concrete checks of this rule for a file with the fields ``present`` (none for
        a history rule: those are not checks of the file alone)."""
        present = set(present)
        if self.history or not set(self.needs) <= present or set(self.absent) & present:
            return []
        targets = [f for f in self.fields if f in present]
        if not self.each:
            targets = targets[:1] or [self.fields[0]]
        return [Check(self.code, target, self._fill(self.condition, target, monday),
                      self._fill(self.value, target, monday), severity_of(self.code),
                      frozenset({target, *self.needs, *self.reads} if self.each
                                else {*self.fields, *self.needs, *self.reads}))
                for target in targets]

    @staticmethod
    def _fill(template: str, target: str, monday: str) -> str:
        return template.format(text=TEXT_COLUMN.get(target, "NULL"),
                               number=NUMBER_COLUMN.get(target, "NULL"), max_count=MAX_COUNT,
                               max_text=MAX_TEXT, this_monday=monday)


HISTORY_FIELDS = ("week",)  # fields of a history rule besides the measures
# the columns a history rule reads: the row as it is loaded, the same district's (facility's)
# latest earlier reported week in the store, and the district's latest reported week
HISTORY_COLUMNS = {
    "line": "the row's line", "ags": "district key", "week": "the row's week (Monday)",
    "facility": "facility ('' for the district)",
    **{m: f"{m} of the row" for m in MEASURES},
    "prev_week": "the latest earlier reported week of the district (facility), NULL: none",
    **{f"prev_{m}": f"{m} of that week" for m in MEASURES},
    "latest_week": "the district's latest reported week in the store",
    "replaced_week": "the row's week where the store holds figures of it for the district",
    "replaced_figure": "what the store holds for that week: occupied, else capacity, else "
                       "arrivals (district total)",
}


def history_sql(rule: Rule, target: str, thresholds: dict[str, float]) -> tuple[str, str, str, str]:
    """(condition, value, earlier, earlier_week) of a history rule for ``target``, one of its
    fields, with the thresholds filled in (numbers from the settings, never from a file)."""
    numbers = {k: float(v) for k, v in thresholds.items()}
    filled = [template.format(new=target, old=f"prev_{target}", **numbers)
              for template in (rule.condition, rule.value, rule.earlier, rule.earlier_week)]
    return filled[0], filled[1], filled[2], filled[3]


@dataclass(frozen=True)
class Check:
    """A rule made concrete for one file: fixed SQL, no placeholders."""

    code: str
    field: str  # the canonical field the problem is reported in
    condition: str
    value: str
    severity: str
    reads: frozenset[str]

    @property
    def family(self) -> str:
        """Where the screen decides it: 'district', 'time', a measure (its distinct cells;
        errors only: warnings are counted by rows), 'rows' (a scan of the cells, no look-ups)
        or 'resolved' (a scan of the rows with their look-ups)."""
        for name, family in (("district", DISTRICT_FIELDS), ("time", TIME_FIELDS)):
            if self.reads <= set(family):
                return name
        if len(self.reads) == 1 and self.severity == ERROR and next(iter(self.reads)) in MEASURES:
            return next(iter(self.reads))
        if self.reads <= set(TEXT_FIELDS) | set(MEASURES):
            return "rows"
        return "resolved"


# the sum of the arrival parts a row gives (NULL where it gives none)
PARTS_SUM = ("CASE WHEN coalesce(" + ", ".join(f"{p}_number" for p in ARRIVAL_PARTS)
              + ") IS NOT NULL THEN " + " + ".join(f"coalesce({p}_number, 0)" for p in ARRIVAL_PARTS)
              + " END")
# a row whose only figure is an announcement
_ANNOUNCEMENT_ONLY = ("announced_number IS NOT NULL AND coalesce("
                      + ", ".join(f"{m}_number" for m in MEASURES if m != "announced")
                      + ") IS NULL")

RULES: list[Rule] = [
    Rule("not_a_number", "{text} IS NOT NULL AND {number} IS NULL", MEASURES),
    Rule("not_whole", "{number} IS NOT NULL AND {number} <> floor({number})", MEASURES),
    Rule("negative", "{number} < 0", MEASURES),
    Rule("too_large", "{number} > {max_count}", MEASURES),
    Rule("bad_week", "week_text IS NOT NULL AND week_from_week IS NULL", ("week",)),
    # a date is only needed where the row has no week
    Rule("bad_date", "date_text IS NOT NULL AND date_value IS NULL AND week_text IS NULL",
         ("date",), reads=("week",)),
    Rule("missing_week", "week_text IS NULL AND date_text IS NULL", TIME_FIELDS, "NULL",
         each=False),
    Rule("missing_district", "ags IS NULL AND district IS NULL", ("district", "ags"), "NULL",
         each=False),
    # a line break inside a cell means an unclosed quote swallowed the following lines
    Rule("line_break_in_cell", "contains({text}, chr(10))",
         (*MEASURES, "week", "date", "ags", "district", "facility", "facility_type")),
    Rule("too_long", "length({text}) > {max_text}", ("facility", "facility_type", "district")),
    # a row whose week and date both parse but name different weeks: neither may silently win;
    # the value carries both cells and the date's week for the message (split in validate)
    Rule("week_date_mismatch", "week_from_week IS NOT NULL AND week_from_date IS NOT NULL "
         "AND week_from_week <> week_from_date", ("date",),
         f"week_text || chr(31) || date_text || chr(31) || {isoweek.name_sql('week_from_date')}",
         needs=("week",)),
    Rule("unknown_district", "ags IS NOT NULL AND ags_resolved IS NULL", ("ags",)),
    # a name is only needed where the row has no known district key
    Rule("unknown_district", "district IS NOT NULL AND name_resolved IS NULL "
         "AND ags_resolved IS NULL", ("district",), reads=("ags",)),
    Rule("district_mismatch", "ags_resolved IS NOT NULL AND name_resolved IS NOT NULL "
         "AND ags_resolved <> name_resolved", ("district",), needs=("ags",)),
    Rule("over_capacity", "occupied_number > capacity_number", ("occupied",),
         "CAST(occupied_number AS INTEGER) || '/' || CAST(capacity_number AS INTEGER)",
         needs=("capacity",)),
    # a part larger than its whole (the parts of the second version of the format)
    Rule("parts_over_arrivals",
         f"{PARTS_SUM} > arrivals_number", ARRIVAL_PARTS,
         f"TRY_CAST({PARTS_SUM} AS BIGINT) || '/' || TRY_CAST(arrivals_number AS BIGINT)",
         each=False, needs=("arrivals",), reads=ARRIVAL_PARTS),
    Rule("unusable_over_capacity", "capacity_unusable_number > capacity_number",
         ("capacity_unusable",),
         "TRY_CAST(capacity_unusable_number AS BIGINT) || '/' || TRY_CAST(capacity_number AS BIGINT)",
         needs=("capacity",)),
    Rule("entitled_over_occupied", "occupied_entitled_number > occupied_number",
         ("occupied_entitled",),
         "TRY_CAST(occupied_entitled_number AS BIGINT) || '/' || TRY_CAST(occupied_number AS BIGINT)",
         needs=("occupied",)),
    # a future week is suspicious, except in a row that only announces allocations: decided on
    # the (week, date) pairs alone where the file has no announcements
    Rule("future_week", "week_monday > {this_monday}", TIME_FIELDS,
         "CAST(week_monday AS VARCHAR)", each=False, absent=("announced",)),
    Rule("future_week", f"week_monday > {{this_monday}} AND NOT ({_ANNOUNCEMENT_ONLY})",
         TIME_FIELDS, "CAST(week_monday AS VARCHAR)", each=False, needs=("announced",),
         reads=MEASURES),
    # Plausibility findings (CONTRACT.md, "Plausibility findings"): the row against the same
    # district's (facility's) latest earlier reported week in the store. SQL over
    # ``HISTORY_COLUMNS``; ``{new}`` / ``{old}``: the field's figure in the row and in that
    # week; the thresholds are ``[plausibility]`` of data/settings.toml (``{jump_factor}`` ...).
    # ``value``: the row's figure shown; ``earlier``: the earlier figure; ``earlier_week``:
    # its week (a DATE).
    Rule("jump", "{old} IS NOT NULL AND ({new} >= {jump_factor} * {old} "
         "OR {new} * {jump_factor} <= {old}) AND abs({new} - {old}) >= {jump_min_difference}",
         ("capacity", "capacity_unusable", "occupied"), "{new}", history=True,
         earlier="{old}", earlier_week="prev_week"),
    Rule("balance", "prev_occupied IS NOT NULL AND arrivals IS NOT NULL "
         "AND departures IS NOT NULL AND abs(occupied - (prev_occupied + arrivals - departures))"
         " > greatest({balance_min_difference}, {balance_min_share} * prev_occupied)",
         ("occupied",), "{new}", history=True,
         earlier="prev_occupied", earlier_week="prev_week"),
    # every figure the row gives equals the earlier week's (a figure the row leaves empty is
    # not compared); only a week with some movement can be a copy by mistake
    Rule("stale_copy", "prev_week IS NOT NULL AND (arrivals > 0 OR departures > 0) AND "
         + " AND ".join(f"({m} IS NULL OR {m} IS NOT DISTINCT FROM prev_{m})" for m in MEASURES),
         ("arrivals", "departures"), "{new}", each=False, history=True,
         earlier="{old}", earlier_week="prev_week"),
    # a figure of a week long before the district's latest one is replaced: a year typed wrong?
    Rule("old_week", "replaced_week IS NOT NULL "
         "AND date_diff('day', week, latest_week) > 7 * {old_week_weeks}",
         ("week",), "week", history=True, earlier="replaced_figure",
         earlier_week="week"),
]


def this_monday_sql(today: date) -> str:
    """SQL literal of the Monday of ``today``'s week (made from a date, never from a file)."""
    if not isinstance(today, date):
        raise TypeError(today)
    return f"DATE '{(today - timedelta(days=today.weekday())).isoformat()}'"


def checks(present: Iterable[str], today: date | None = None,
           rules: list[Rule] | None = None) -> list[Check]:
    """Every check for a file with the fields ``present`` (``rules``: default ``RULES``)."""
    present = list(present)
    monday = this_monday_sql(today) if today is not None else "NULL"
    return [check for rule in (RULES if rules is None else rules)
            for check in rule.checks(present, monday)]


_STAND_IN = "'?'"  # a text that is there, without a line break


def text_needed_sql(measure: str, number: str) -> str:
    """SQL: true where a rule on ``measure`` may fire, judged from its number ``number`` alone
    (the text taken as present): only there is the measure's text made (see the docstring)."""
    conditions = []
    for rule in RULES:
        if rule.each and not rule.history and measure in rule.fields and not (rule.needs or rule.reads):
            conditions.append(rule.condition.format(
                text=_STAND_IN, number=number, max_count=MAX_COUNT, max_text=MAX_TEXT,
                this_monday="NULL"))
    # an empty cell needs no text; for a number, each condition is true or false
    return "(" + " OR ".join([f"{number} IS NULL", *(f"({c})" for c in conditions)]) + ")"
