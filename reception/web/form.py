"""Meldung erfassen: the weekly report typed into a form, without Streamlit.

The form adds no rule of its own about figures. :func:`report_csv` turns the fields into the bytes
of a one-row CSV with the canonical headers (``CONTRACT.md``, "Report files"), exactly as typed, and
:func:`check` / :func:`send` run the upload's road on it (``reception.web.upload.preview_file`` and
``load_preview``): the same reader with its German number parser (``1.250`` is 1250,
``reception.ingest.numbers``), the same rules, the same plausibility findings, the same load with
``source`` = ``form`` and ``loaded_by`` = the officer. :func:`by_field` hands each problem back to the
field whose column it names. The one check made here is that the form is not empty: an empty row
would load as a report of nothing.

Which week is preselected (:func:`due_week`): the report of week W is due in week W+1, so the form
offers the last :data:`OFFERED_WEEKS` completed ISO weeks and preselects the latest of them that the
district has not reported yet; where it has reported all of them, the last completed week (a
correction). The fields are prefilled (:func:`prefill`) with the district's latest reported figures
before the chosen week, or with the chosen week's own figures where it is already reported (a
correction starts from what is in force); ``announced`` starts empty. Sent unchanged, a prefill is
last week's report again: the plausibility finding ``stale_copy`` asks to confirm it. Prefilled
numbers are written the German way (``1.250``), whatever the
page's language, because that is how the reader reads them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from reception import accounts, fmt, isoweek
from reception.i18n import t
from reception.ingest.load import LoadResult
from reception.ingest.problems import Problem
from reception.web import upload

SOURCE = "form"
OFFERED_WEEKS = 12
# the report format's figures in the order of the form: each part right after its whole
FIELDS = ("arrivals", "arrivals_asylum", "arrivals_ukraine", "arrivals_other", "departures",
          "capacity", "capacity_unusable", "occupied", "occupied_entitled", "announced")
KEY_FIELDS = ("ags", "week")
MAX_CHARS = 20  # a count of persons has at most 8 digits; room for separators and a typo


# ---------------------------------------------------------------- weeks

def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def sunday_of(monday: date) -> date:
    return monday + timedelta(days=6)


def history_since(today: date) -> date:
    """From when a district's history is read: the offered weeks and a year before them, where
    the latest earlier report is found for the prefill."""
    return offered_weeks(today)[-1] - timedelta(weeks=52)


def offered_weeks(today: date, count: int = OFFERED_WEEKS) -> list[date]:
    """The Mondays of the last ``count`` completed ISO weeks before ``today``'s, newest first."""
    current = monday_of(today)
    return [current - timedelta(weeks=n) for n in range(1, count + 1)]


def reported_rows(history: pd.DataFrame) -> pd.DataFrame:
    """The reported weeks of a district's history (rows of ``queries.weekly``), ``week`` as a
    date, oldest first."""
    if history.empty:
        return history.assign(week=pd.Series(dtype=object))
    chosen = history[history["reported"].fillna(False).astype(bool)]
    return chosen.assign(week=[pd.Timestamp(week).date() for week in chosen["week"]])


def reported_weeks(history: pd.DataFrame) -> set[date]:
    return set(reported_rows(history)["week"])


def due_week(reported: Iterable[date], today: date) -> date:
    """The latest offered week not among ``reported``, else the last completed week."""
    done = set(reported)
    weeks = offered_weeks(today)
    return next((week for week in weeks if week not in done), weeks[0])


# ---------------------------------------------------------------- prefill

@dataclass(frozen=True)
class Prefill:
    figures: dict[str, float | None]  # field -> the figure in force (None: none)
    source_week: date | None  # the week the figures come from (None: the district never reported)
    already_reported: bool  # the chosen week itself is reported: sending corrects it

    def texts(self) -> dict[str, str]:
        """The fields' starting texts: German thousands (``1.250``), empty where no figure."""
        return {name: "" if value is None else fmt.number(value, lang="de")
                for name, value in self.figures.items()}


def prefill(history: pd.DataFrame, week: date) -> Prefill:
    """The fields' starting values for ``week`` from the district's ``history`` (``queries.weekly``).
    ``announced`` starts empty: an earlier week's announcement is not this week's, and a figure
    the earlier week lacks would hide a report sent unchanged from the ``stale_copy`` finding."""
    figures: dict[str, float | None] = dict.fromkeys(FIELDS)
    reported = reported_rows(history)
    same = reported[reported["week"] == week]
    chosen = same if not same.empty else reported[reported["week"] < week]
    source_week = None
    if not chosen.empty:
        row = chosen.iloc[-1]
        source_week = row["week"]
        figures |= {name: float(row[name]) for name in FIELDS
                    if name != "announced" and name in row.index and not pd.isna(row[name])}
    return Prefill(figures, source_week, not same.empty)


# ---------------------------------------------------------------- the report as a file

def report_csv(ags: str, week: date, values: Mapping[str, str | None]) -> bytes:
    """One row with the canonical headers, the figures exactly as typed (the reader parses them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow([*KEY_FIELDS, *FIELDS])
    writer.writerow([ags, isoweek.name(week),
                     *(" ".join(str(values.get(name) or "").split()) for name in FIELDS)])
    return buffer.getvalue().encode("utf-8")


def file_name(ags: str, week: date) -> str:
    """The name the load history shows for a form report: ``formular_16051_2024-W45.csv``."""
    return f"formular_{ags}_{isoweek.name(week)}.csv"


def is_empty(values: Mapping[str, str | None]) -> bool:
    return not any(str(values.get(name) or "").strip() for name in FIELDS)


def check(ags: str, week: date, values: Mapping[str, str | None], user: accounts.User | None,
          today: date | None = None) -> upload.Preview:
    """Read and validate the form's report as the upload page does a file; writes nothing."""
    return upload.preview_file(report_csv(ags, week, values), file_name(ags, week), user, today)


def send(preview: upload.Preview, user: accounts.User | None, confirmed: bool = False,
         comment: str | None = None) -> LoadResult:
    """Load a checked form report through the upload's write path (``source`` = ``form``);
    a report with plausibility findings only ``confirmed`` (else ``upload.NeedsConfirmation``),
    the ``comment`` kept with the load."""
    return upload.load_preview(preview, user, confirmed=confirmed, comment=comment, source=SOURCE)


def findings(preview: upload.Preview) -> list[Problem]:
    """The plausibility findings against the district's history (``Preview.findings``)."""
    return list(preview.findings)


# ---------------------------------------------------------------- problems by field

@dataclass
class FieldProblems:
    """The problems of a checked report, each where the form shows it."""

    by_field: dict[str, list[Problem]] = field(default_factory=dict)  # field -> its problems
    general: list[Problem] = field(default_factory=list)  # the report as a whole

    def of(self, name: str) -> list[Problem]:
        return self.by_field.get(name, [])


def by_field(problems: Iterable[Problem]) -> FieldProblems:
    """Each problem under the field of the column it names (``ags`` under the district, ``week``
    under the week); those naming no field of the form concern the report as a whole."""
    found = FieldProblems()
    known = set(FIELDS) | set(KEY_FIELDS)
    for problem in problems:
        if problem.column in known:
            found.by_field.setdefault(problem.column, []).append(problem)
        else:
            found.general.append(problem)
    return found


def field_label(name: str, lang: str = "de") -> str:
    return t(f"form.field.{name}", lang)


def field_message(problem: Problem, name: str, lang: str = "de") -> str:
    """The problem as the form says it beside its field: ``Belegung: "-3" ist negativ``."""
    return t("form.at_field", lang, field=field_label(name, lang), message=problem.message(lang))


# ---------------------------------------------------------------- what is sent

def summary_frame(preview: upload.Preview, before: Prefill, lang: str = "de") -> pd.DataFrame:
    """The figures as they would be loaded (German numbers), beside the prefilled ones."""
    rows = preview.inspection.rows if preview.inspection is not None else None
    if rows is None or rows.num_rows == 0:
        return pd.DataFrame()
    loaded = rows.slice(0, 1).to_pylist()[0]
    earlier = (fmt.iso_week(before.source_week, lang) if before.source_week
               else t("form.summary.none", lang))
    items = [(field_label(name, lang), fmt.number(loaded.get(name), lang=lang),
              fmt.number(before.figures.get(name), lang=lang)) for name in FIELDS]
    return pd.DataFrame(items, columns=[t("form.summary.field", lang), t("form.summary.sent", lang),
                                        t("form.summary.before", lang, week=earlier)])
