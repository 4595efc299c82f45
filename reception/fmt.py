"""Numbers, percentages and dates as readers expect them: German by default, English on request.

    >>> number(1234), number(1234, lang="en")
    ('1.234', '1,234')
    >>> percent(0.125), percent(0.125, lang="en")
    ('12,5 %', '12.5%')
    >>> euro(1234567), euro(1234567, lang="en")
    ('1.234.567\xa0€', '€1,234,567')
    >>> iso_week(date(2024, 11, 18)), iso_week(date(2024, 11, 18), lang="en")
    ('KW 47/2024', 'CW 47/2024')

Missing values (None, NaN, NaT) are shown as an en dash, never as "nan".
"""

from __future__ import annotations

import math
import sys
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from reception import isoweek
from reception.i18n import t

MISSING = "–"


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, int | str):  # never missing; spares the CLI importing pandas
        return False
    pd = sys.modules.get("pandas")
    if pd is None:  # no pandas value can exist (its import costs the CLI 0,25 s): NaN is not NaN
        try:
            return bool(value != value)
        except (TypeError, ValueError):
            return False
    try:
        if value is pd.NaT or (not isinstance(value, str | date) and pd.isna(value)):
            return True
    except (TypeError, ValueError):
        return False
    return isinstance(value, float) and math.isnan(value)


def _localise(text: str, lang: str) -> str:
    """``1,234.5`` (Python's format) -> ``1.234,5`` in German."""
    if lang == "de":
        return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    return text


def number(value: object, decimals: int = 0, lang: str = "de", signed: bool = False) -> str:
    """``1234`` -> ``1.234`` (de) / ``1,234`` (en); ``signed`` adds a ``+`` to positive values."""
    if _missing(value):
        return MISSING
    if not math.isfinite(float(value)):  # type: ignore[arg-type]
        return MISSING
    # commercial rounding (half away from zero), as German statistics round: 32,5 -> 33
    value = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if value == 0:
        value = Decimal(0).quantize(Decimal(1).scaleb(-decimals))  # no "-0"
    text = f"{value:{'+' if signed else ''},.{decimals}f}"
    if signed and value == 0:
        text = "±" + text.lstrip("+")
    return _localise(text, lang)


def percent(rate: object, decimals: int = 1, lang: str = "de", signed: bool = False) -> str:
    """A rate (0.125) as a percentage: ``12,5 %`` (de) / ``12.5%`` (en)."""
    if _missing(rate):
        return MISSING
    text = number(float(rate) * 100, decimals, lang, signed)  # type: ignore[arg-type]
    return f"{text} %" if lang == "de" else f"{text}%"


def percent_number(value: object, decimals: int = 1, lang: str = "de") -> str:
    """A number already in percent (12.5) as ``12,5 %`` / ``12.5%``."""
    if _missing(value):
        return MISSING
    text = number(value, decimals, lang)
    return f"{text} %" if lang == "de" else f"{text}%"


def euro(value: object, decimals: int = 0, lang: str = "de") -> str:
    """An amount in euros: ``1.234.567 €`` (de, the sign after a space) / ``€1,234,567`` (en)."""
    if _missing(value):
        return MISSING
    text = number(value, decimals, lang)
    if text == MISSING:
        return MISSING
    if lang == "de":
        return f"{text}\u00a0€"  # no break between the amount and its sign
    return f"-€{text[1:]}" if text.startswith("-") else f"€{text}"


def points(value: object, decimals: int = 1, lang: str = "de") -> str:
    """A difference of two rates in percentage points: ``+2,5 Pp.`` / ``+2.5 pp``."""
    if _missing(value):
        return MISSING
    text = number(float(value) * 100, decimals, lang, signed=True)  # type: ignore[arg-type]
    return f"{text} Pp." if lang == "de" else f"{text} pp"


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    import pandas as pd

    return pd.Timestamp(value).date()


def iso_week(value: object, lang: str = "de") -> str:
    """The ISO week of a day: ``KW 47/2024`` (de) / ``CW 47/2024`` (en), as
    :func:`reception.isoweek.label` writes it; a week's data form (``2024-W47``) is taken too."""
    if _missing(value):
        return MISSING
    if isinstance(value, str):
        try:
            return isoweek.label(isoweek.parse(value), lang)
        except ValueError:
            pass  # a date as text: "2024-11-18"
    return isoweek.label(_as_date(value), lang)


def day(value: object, lang: str = "de") -> str:
    """``04.11.2024`` (de) / ``2024-11-04`` (en)."""
    if _missing(value):
        return MISSING
    d = _as_date(value)
    return d.strftime("%d.%m.%Y") if lang == "de" else d.isoformat()


def timestamp(value: object, lang: str = "de", utc: bool = False) -> str:
    """``04.11.2024 13:05`` (de) / ``2024-11-04 13:05`` (en). ``utc``: ``value`` is a naive UTC
    moment (as the store keeps them), shown in Europe/Berlin local time."""
    if _missing(value):
        return MISSING
    import pandas as pd

    ts = pd.Timestamp(value)
    if utc:
        ts = ts.tz_localize("UTC").tz_convert("Europe/Berlin") if ts.tzinfo is None \
            else ts.tz_convert("Europe/Berlin")
    return ts.strftime("%d.%m.%Y %H:%M") if lang == "de" else ts.strftime("%Y-%m-%d %H:%M")


def weeks(value: object, lang: str = "de") -> str:
    """A runway: ``3,5 Wochen`` / ``3.5 weeks``; ``1 Woche``."""
    if _missing(value):
        return MISSING
    value = float(value)  # type: ignore[arg-type]
    text = number(value, 1 if 0 < value < 10 else 0, lang)
    if text == MISSING:
        return MISSING
    one = text in ("1", "1,0", "1.0")
    return t("fmt.one_week" if one else "fmt.weeks", lang, number=text)


def plotly_separators(lang: str = "de") -> str:
    """Plotly's ``layout.separators``: decimal then thousands mark."""
    return ",." if lang == "de" else ".,"
