"""Tables for download (CSV, XLSX) with spreadsheet formulas defused.

A cell that begins with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return) would be run as a
formula by Excel; such text cells get a leading apostrophe. Numbers are left as numbers.
"""

from __future__ import annotations

import io

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot start a formula."""
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            text = series.astype("string")
            risky = text.str.startswith(_FORMULA_START).fillna(False)
            safe[column] = series.where(~risky, "'" + text)
    safe.columns = ["'" + str(c) if str(c).startswith(_FORMULA_START) else c for c in safe.columns]
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Semicolon CSV with BOM and decimal comma, as German Excel opens it."""
    return defuse(frame).to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        defuse(frame).to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()
