"""Header rows: which labels mean which field, and where the header row is.

Shared by every reader (CSV and spreadsheets). Labels and aliases are compared through the same
``header_key``: case, umlauts (ä/ae), surrounding spaces, ``_`` for a space, a leading "davon"
and a note in brackets do not matter (CONTRACT.md, "Report files").
"""

from __future__ import annotations

import re
import unicodedata

from reception.reference.districts import UMLAUTS  # as district names are compared

CANONICAL_ALIASES: dict[str, tuple[str, ...]] = {
    "ags": ("ags", "kreisschluessel", "kreis-schluessel", "kreisnummer", "schluessel",
            "district_key"),
    "district": ("district", "kreis", "landkreis", "gebietskoerperschaft", "name", "kreisname"),
    "week": ("week", "woche", "kalenderwoche", "kw", "meldewoche", "iso_week"),
    "date": ("date", "datum", "stichtag", "meldedatum"),
    "arrivals": ("arrivals", "zugaenge", "zuweisungen", "zugang"),
    "departures": ("departures", "abgaenge", "abgang"),
    "capacity": ("capacity", "kapazitaet", "plaetze", "platzzahl"),
    "occupied": ("occupied", "belegung", "belegt", "belegte plaetze"),
    "facility": ("facility", "unterkunft", "einrichtung"),
    "facility_type": ("facility_type", "art", "unterkunftsart", "type"),
    # the parts (second version of the format, CONTRACT.md); a leading "davon" is dropped by
    # ``header_key``, so "davon Ukraine" is "ukraine"
    "arrivals_asylum": ("arrivals_asylum", "zugaenge asyl", "asylbegehrende", "asyl"),
    "arrivals_ukraine": ("arrivals_ukraine", "zugaenge ukraine", "ukraine", "§24", "§ 24",
                         "§24 aufenthg", "§ 24 aufenthg"),
    "arrivals_other": ("arrivals_other", "zugaenge sonstige", "sonstige"),
    "capacity_unusable": ("capacity_unusable", "nicht belegbar", "nicht belegbare plaetze",
                          "gesperrt", "gesperrte plaetze"),
    "occupied_entitled": ("occupied_entitled", "auszugsberechtigt", "auszugsberechtigte"),
    "announced": ("announced", "angekuendigt", "angekuendigte zuweisungen"),
}
MEASURES = ("arrivals", "departures", "capacity", "occupied", "arrivals_asylum",
            "arrivals_ukraine", "arrivals_other", "capacity_unusable", "occupied_entitled",
            "announced")
# part -> the whole it is of: a part larger than its whole is refused (``rules.RULES``)
ARRIVAL_PARTS = ("arrivals_asylum", "arrivals_ukraine", "arrivals_other")
PART_OF = {**{p: "arrivals" for p in ARRIVAL_PARTS}, "capacity_unusable": "capacity",
           "occupied_entitled": "occupied"}
HEADER_SEARCH_LINES = 30


def header_key(label: str) -> str:
    """``' Zugänge (Personen) '`` -> ``'zugaenge'``, ``'district_key'`` -> ``'district key'``:
    how header labels and aliases are compared."""
    text = unicodedata.normalize("NFC", str(label)).strip().strip('"').strip().lower()
    text = re.sub(r"\(.*?\)|\[.*?\]", "", text).translate(UMLAUTS)
    text = re.sub(r"[\s_]+", " ", text).strip(" :.")
    return re.sub(r"^davon:? ", "", text)


# every alias through the same key as the labels: 'district_key' matches 'District Key'
ALIAS_TO_CANONICAL = {header_key(alias): canon for canon, aliases in CANONICAL_ALIASES.items()
                      for alias in aliases}


def canonical_for(label: str) -> str | None:
    return ALIAS_TO_CANONICAL.get(header_key(label))


def find_header(rows: list[list[str | None]]) -> tuple[int, list[str | None]] | None:
    """Index of the header among the first rows and the canonical name of each of its cells:
    the row naming most fields, at least two of them, one a district or a week."""
    best: tuple[int, int, list[str | None]] | None = None
    for index, cells in enumerate(rows[:HEADER_SEARCH_LINES]):
        mapped = [canonical_for(c) if c is not None and str(c).strip() else None for c in cells]
        found = {m for m in mapped if m}
        identifies = found & {"ags", "district", "week", "date"}
        score = len(found)
        if score >= 2 and identifies and (best is None or score > best[1]):
            best = (index, score, mapped)
            if score >= 4:
                break
    return None if best is None else (best[0], best[2])


def labelled_width(labels: list[str | None]) -> int:
    """How many cells the header row spans: up to its last non-empty label."""
    width = len(labels)
    while width and not (labels[width - 1] or "").strip():
        width -= 1
    return width
