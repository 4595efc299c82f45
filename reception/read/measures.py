"""The measures catalogue: every figure the read path offers to compare or map, in one place
(as :data:`reception.ingest.problems.CATALOGUE` is for problems).

Per measure: its key (the column of ``weekly`` or of :func:`reception.read.metrics.map_frame`),
its label (``measure.<key>`` in ``reception/locales``, German and English), its unit, which
says how a value is written, and for a ratio its part and whole:

    >>> CATALOGUE["usable_rate"].show(0.925), CATALOGUE["usable_rate"].label("en")
    ('92,5 %', 'Occupancy of usable places')
    >>> show("arrivals_4w_per_1000", 1.234, "en"), show("runway_weeks", 3.5)
    ('1.23', '3,5 Wochen')

Ratios are each part / whole of the same district-week (issue 14), never per 1,000 inhabitants:
where the whole is not positive or the part was not reported, the ratio is NaN ("nicht
gemeldet"), never 0 %. A week with 0 arrivals has no Ukraine share (NaN, not 0 %): nobody
arrived, so there is no share to speak of, and a 0 % would read as "none from Ukraine".

:data:`COMPARISON` (the Vergleich page's choices) and :data:`MAP` (the Karte's, the traffic
light first) are the measures in the order the pages offer them.

The traffic light of the rates is here too, as words and symbols (:func:`status_label`
``'▲ angespannt'``); :mod:`reception.read.metrics` decides a district's status, charts colour it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reception import fmt
from reception.i18n import t

COUNT = "count"  # persons or places: 1.234
PERCENT = "percent"  # a share (0.925): 92,5 %
PER_1000 = "per_1000"  # per 1,000 inhabitants: 1,23
WEEKS = "weeks"  # a runway: 3,5 Wochen

_WRITE: dict[str, Callable[[object, str], str]] = {
    COUNT: lambda value, lang: fmt.number(value, lang=lang),
    PERCENT: lambda value, lang: fmt.percent(value, 1, lang),
    PER_1000: lambda value, lang: fmt.number(value, 2, lang),
    WEEKS: lambda value, lang: fmt.weeks(value, lang),
}


@dataclass(frozen=True)
class Measure:
    key: str
    unit: str = COUNT
    parts: tuple[str, str] | None = None  # a ratio: (part, whole) of the same district-week

    def label(self, lang: str = "de") -> str:
        return t(f"measure.{self.key}", lang)

    def show(self, value: object, lang: str = "de") -> str:
        """``value`` written as its unit asks, in ``lang``; a missing value as an en dash."""
        return _WRITE[self.unit](value, lang)

    @property
    def ratio(self) -> bool:
        return self.parts is not None


CATALOGUE: dict[str, Measure] = {m.key: m for m in (
    Measure("arrivals"), Measure("departures"), Measure("capacity"), Measure("occupied"),
    Measure("free_places"), Measure("free_usable"),
    Measure("occupancy_rate", PERCENT, ("occupied", "capacity")),
    Measure("usable_rate", PERCENT, ("occupied", "capacity_usable")),
    Measure("entitled_share", PERCENT, ("occupied_entitled", "occupied")),
    Measure("ukraine_share", PERCENT, ("arrivals_ukraine", "arrivals")),
    # the map's measures over the last four weeks (metrics.map_frame)
    Measure("ukraine_share_4w", PERCENT), Measure("arrivals_4w_per_1000", PER_1000),
    Measure("runway_weeks", WEEKS),
)}

RATIOS: tuple[str, ...] = tuple(key for key, measure in CATALOGUE.items() if measure.ratio)
ABSOLUTE: tuple[str, ...] = ("arrivals", "departures", "capacity", "occupied", "free_places")
COMPARISON: tuple[str, ...] = ABSOLUTE + RATIOS
MAP: tuple[str, ...] = ("usable_rate", "occupancy_rate", "free_places", "capacity", "arrivals_4w_per_1000",
                        "runway_weeks", "entitled_share", "ukraine_share_4w")


def label(key: str, lang: str = "de") -> str:
    """The measure's label: ``Zugänge`` / ``Arrivals``."""
    return CATALOGUE[key].label(lang)


def show(key: str, value: object, lang: str = "de") -> str:
    """A value of measure ``key`` as pages, charts and the briefing write it."""
    return CATALOGUE[key].show(value, lang)


def is_ratio(key: str) -> bool:
    return key in CATALOGUE and CATALOGUE[key].ratio


# ---------------------------------------------------------------- the traffic light of the rates
OK, WARN, LIMIT, UNKNOWN = "ok", "warn", "limit", "unknown"
STATUSES = (LIMIT, WARN, OK, UNKNOWN)
STATUS_SYMBOLS = {OK: "●", WARN: "▲", LIMIT: "■", UNKNOWN: "?"}  # told apart without colour


def status_label(status: str, lang: str = "de") -> str:
    """``'▲ angespannt'``: symbol and word of a traffic-light status."""
    return f"{STATUS_SYMBOLS[status]} {t(f'status.{status}', lang)}"
