"""Validation problems as data (line, column, value, code, severity), rendered at the edge.

The same records feed the command line, the upload page and the error report CSV beside a
rejected file. Line numbers count from the file's first line, as Excel shows them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from reception.i18n import t

if TYPE_CHECKING:
    import pandas as pd

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    code: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    severity: str = ERROR
    params: dict = field(default_factory=dict)

    def message(self, lang: str = "de") -> str:
        """Only the description: ``"-4" ist negativ``."""
        return t(f"problem.{self.code}", lang, value=_shorten(self.value), **self.params)

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
    return pd.DataFrame(rows, columns=columns)


def as_dicts(problems: list[Problem]) -> list[dict]:
    return [asdict(p) for p in problems]
