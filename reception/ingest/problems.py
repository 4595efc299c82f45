"""Validation problems as data (line, column, value, code, severity), rendered at the edge.

The same records feed the command line, the upload page and the error report CSV beside a
rejected file. Line numbers count from the file's first line, as Excel shows them.

``CATALOGUE`` lists every problem code (like frictionless' error classes): its severity,
whether it concerns the whole file or one row, and its texts in German and English, kept in
``reception/locales``: the message ``problem.<code>`` (a template over the problem's value and
parameters) and what the sender should do, ``problem_action.<code>``. A Problem's severity
comes from its code; a code outside the catalogue is refused where the Problem is made.

A Problem holds its value and parameters as data (``12500``, ``2024-W44``), the same in every
language; a Kind names which of them are ``figures`` and which ``weeks``, and the message shows
those as everything else does in that language: ``12.500`` and ``KW 44/2024`` in German,
``12,500`` and ``CW 44/2024`` in English (:func:`reception.fmt.number`,
:func:`reception.isoweek.label`).
``docs/problems.md`` is generated from it (``catalogue_markdown``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reception import fmt
from reception.i18n import catalogue as texts
from reception.i18n import t

if TYPE_CHECKING:
    import pandas as pd

ERROR = "error"
WARNING = "warning"
# a plausibility finding (the row against the district's history): the file is refused unless
# the sender confirms the figures (CONTRACT.md, "Plausibility findings")
FINDING = "finding"
FILE = "file"  # the whole file: it cannot be read or lacks what every row needs
ROW = "row"  # one row (line) of the file


@dataclass(frozen=True)
class Kind:
    """One problem code of the catalogue."""

    code: str
    severity: str = ERROR
    scope: str = ROW
    figures: tuple[str, ...] = ()  # placeholders holding a number: "12.500" / "12,500"
    weeks: tuple[str, ...] = ()  # ... holding a week (2024-W44 or its Monday): "KW 44/2024"

    def shown(self, placeholder: str, value: object, lang: str = "de") -> str:
        """``value`` of ``placeholder`` as the message shows it in ``lang``."""
        if value is None or value == "":
            return ""
        if placeholder in self.figures:
            return _figure(value, lang)
        if placeholder in self.weeks:
            return _week(value, lang)
        return str(value)

    def template(self, lang: str = "de") -> str:
        """The message, with ``{value}`` and the problem's parameters still to fill in."""
        return _text(f"problem.{self.code}", lang)

    def action(self, lang: str = "de") -> str:
        """What the sender of the report should do about it."""
        return _text(f"problem_action.{self.code}", lang)


def _figure(value: object, lang: str) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    return fmt.number(number, 0 if number.is_integer() else 1, lang)


def _week(value: object, lang: str) -> str:
    try:
        return fmt.iso_week(value, lang)
    except (TypeError, ValueError):
        return str(value)


def _text(key: str, lang: str) -> str:
    """As ``i18n.t`` finds it (German where a text lacks English), without filling it in."""
    entry = texts().get(key)
    return key if entry is None else entry.get(lang) or entry["de"]


_PART_WHOLE = ("part", "whole")

CATALOGUE: dict[str, Kind] = {kind.code: kind for kind in (
    # the file (reception.ingest.reports, the file-level checks of validate, the upload page)
    Kind("empty_file", scope=FILE), Kind("not_a_table", scope=FILE),
    Kind("no_header", scope=FILE), Kind("missing_district_column", scope=FILE),
    Kind("missing_week_column", scope=FILE), Kind("no_measures", scope=FILE),
    Kind("no_rows", scope=FILE), Kind("duplicate_column", scope=FILE),
    Kind("ignored_column", WARNING, FILE), Kind("file_too_large", scope=FILE),
    Kind("unreadable_file", scope=FILE), Kind("foreign_district", scope=FILE),
    # what the file is and whether it can be read at all (reception.ingest.sniff, spreadsheets)
    Kind("file_encrypted", scope=FILE), Kind("file_zip_archive", scope=FILE),
    Kind("file_damaged", scope=FILE), Kind("file_document", scope=FILE),
    Kind("file_binary", scope=FILE), Kind("file_too_complex", scope=FILE),
    Kind("formula_without_value", scope=FILE), Kind("sheet_used", WARNING, FILE),
    # rows the reader cannot take as they are (reception.ingest.reports)
    Kind("cells_beyond_header"), Kind("unclosed_quote"), Kind("extra_fields"),
    Kind("nul_byte"),
    # the rows (reception.ingest.rules, and the key checks of validate)
    Kind("not_a_number"), Kind("not_whole"), Kind("negative"), Kind("too_large"),
    Kind("bad_week"), Kind("bad_date"), Kind("missing_week"), Kind("missing_district"),
    Kind("unknown_district"), Kind("unknown_district_suggest"), Kind("retired_district"),
    Kind("district_mismatch"), Kind("duplicate_key"), Kind("line_break_in_cell"),
    Kind("too_long"), Kind("week_date_mismatch", weeks=("date_week",)),
    Kind("over_capacity", WARNING, figures=("occupied", "capacity")),
    Kind("future_week", WARNING, weeks=("week",)),
    Kind("parts_over_arrivals", figures=_PART_WHOLE), Kind("unusable_over_capacity", figures=_PART_WHOLE),
    Kind("entitled_over_occupied", figures=_PART_WHOLE),
    # plausibility findings against the store (reception.ingest.plausibility, rules.RULES)
    Kind("jump", FINDING, figures=("value", "earlier", "factor"), weeks=("earlier_week",)),
    Kind("balance", FINDING, figures=("value", "earlier", "arrivals", "departures", "expected"),
         weeks=("earlier_week",)),
    Kind("stale_copy", FINDING, figures=("value", "earlier"), weeks=("earlier_week",)),
    Kind("old_week", FINDING, figures=("earlier",), weeks=("value", "latest_week", "earlier_week")),
    # a file refused for its findings: how to confirm them (CLI, inbox error report)
    Kind("unconfirmed_findings", FINDING, FILE),
)}


def severity_of(code: str) -> str:
    return CATALOGUE[code].severity


@dataclass(frozen=True)
class Problem:
    code: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    severity: str = ""  # that of the code in CATALOGUE
    params: dict = field(default_factory=dict)
    # plausibility findings: the earlier figure the value is compared with, and its week
    earlier: str | None = None
    earlier_week: str | None = None

    def __post_init__(self) -> None:
        kind = CATALOGUE.get(self.code)
        if kind is None:
            raise ValueError(f"problem code {self.code!r} is not in problems.CATALOGUE")
        if not self.severity:
            object.__setattr__(self, "severity", kind.severity)

    def message(self, lang: str = "de") -> str:
        """Only the description: ``"-4" ist negativ``."""
        kind = CATALOGUE[self.code]
        values = {"value": _shorten(self.value), "earlier": self.earlier, "earlier_week": self.earlier_week,
                  **self.params}
        return kind.template(lang).format(**{name: kind.shown(name, value, lang)
                                             for name, value in values.items()})

    def shown(self, field_name: str, lang: str = "de") -> str:
        """``value``, ``earlier`` or ``earlier_week`` as the message shows it (tables beside it)."""
        return CATALOGUE[self.code].shown(field_name, getattr(self, field_name), lang)

    def render(self, lang: str = "de") -> str:
        """The full sentence: ``Zeile 3, Spalte Zugänge: "-4" ist negativ``."""
        where = []
        if self.line is not None:
            where.append(t("problem.at_line", lang, line=self.line))
        if self.column:
            where.append(t("problem.at_column", lang, column=self.column))
        prefix = ", ".join(where)
        return f"{prefix}: {self.message(lang)}" if prefix else self.message(lang)


def _shorten(value: str | None, limit: int = 60) -> str:
    if value is None:
        return ""
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problems_frame(problems: list[Problem], lang: str = "de") -> pd.DataFrame:
    """A table of problems with localised headings, for the upload page and error reports."""
    import pandas as pd

    rows = [
        {
            t("col.line", lang): p.line,
            t("col.column", lang): p.column or "",
            t("col.value", lang): _shorten(p.value, 200),
            t("col.severity", lang): t(f"severity.{p.severity}", lang),
            t("col.message", lang): p.message(lang),
            "code": p.code,
        }
        for p in problems
    ]
    columns = [t(k, lang) for k in ("col.line", "col.column", "col.value", "col.severity",
                                    "col.message")] + ["code"]
    frame = pd.DataFrame(rows, columns=columns)
    frame[columns[0]] = frame[columns[0]].astype("Int64")  # a file's problem has no line
    if any(p.earlier_week for p in problems):  # plausibility findings: the earlier figure
        frame.insert(3, t("plausi.col.earlier", lang), [p.shown("earlier", lang) for p in problems])
        frame.insert(4, t("plausi.col.earlier_week", lang),
                     [p.shown("earlier_week", lang) for p in problems])
    return frame


def catalogue_markdown(lang: str = "de") -> str:
    """``docs/problems.md``: every problem code with its severity, message and what to do."""
    head = [t(f"problems_doc.{column}", lang)
            for column in ("code", "severity", "scope", "message", "action")]
    scope = {FILE: t("problems_doc.file", lang), ROW: t("problems_doc.row", lang)}
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for kind in CATALOGUE.values():
        cells = (f"`{kind.code}`", t(f"severity.{kind.severity}", lang), scope[kind.scope],
                 kind.template(lang), kind.action(lang))
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
