"""A hand-made database for the open-data and briefing tests: three districts, two weeks.

KW 46 and KW 47/2024; Gera is over its places in KW 47 (at the limit), Jena at 95 % (near it),
Erfurt comfortable; the other 19 districts of Thuringia never reported.
"""

from __future__ import annotations

from pathlib import Path

from tests.etl_support import HEADER_DE, assert_loaded, csv_bytes, ingest

ROWS = [
    # ags, name, week, arrivals, departures, capacity, occupied
    ["16051", "Erfurt", "2024-W46", 20, 10, 1000, 600],
    ["16051", "Erfurt", "2024-W47", 30, 12, 1000, 618],
    ["16052", "Gera", "2024-W46", 15, 5, 500, 490],
    ["16052", "Gera", "2024-W47", 25, 4, 500, 511],
    ["16053", "Jena", "2024-W46", 8, 6, 400, 375],
    ["16053", "Jena", "2024-W47", 9, 4, 400, 380],
]


def load_sample(db_path: Path) -> None:
    """Load :data:`ROWS` into the initialised database at ``db_path`` and publish it."""
    assert_loaded(ingest(csv_bytes([HEADER_DE, *ROWS]), "meldung_kw46_47.csv", db_path=db_path,
                         publish=True))
