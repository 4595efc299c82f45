"""The screen (``validate._screen``) gives what the row-by-row checks give.

A file the screen passes skips the row-by-row checks, so for every file the outcome with the
screen must equal the outcome without it: the same problems (code, line, column, value, severity,
parameters), the same counts, and the same rows to load. Reports are generated with the usual
cells and the unusual ones (districts written two ways, total and empty rows, duplicate keys,
German numbers, future weeks), so that both roads are taken often."""

from __future__ import annotations

import functools

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reception.ingest.reports import read_report
from reception.ingest.validate import rows_to_load, validate
from reception.reference import districts
from reception.reference.districts import Matcher
from reception.store import db
from tests.etl_support import TODAY, csv_bytes

DISTRICT_KEYS = ["16051", "16052", "16053", "16 051", "16051000", "99999", "Summe", ""]
DISTRICT_NAMES = ["Erfurt", "Stadt Gera", "Jena", "Gotha, Landkreis", "Atlantis", "Gesamt", ""]
WEEKS = ["KW 45/2024", "2024-W46", "47/2024", "2024-W45", "KW 54/2024", "2026-W10", ""]
DATES = ["04.11.2024", "2024-11-11", "31.02.2024", "2030-01-07", ""]
NUMBERS = ["0", "12", "1.250", "3,0", " 40 ", "2,5", "-4", "", "x", "10000001", "007"]
FACILITIES = ["Haus A", "Haus B", "GU Nord", "", "Summe Haus"]
COLUMNS = {  # header label -> cells
    "Kreisschlüssel": DISTRICT_KEYS, "Kreis": DISTRICT_NAMES, "Woche": WEEKS, "Datum": DATES,
    "Zugänge": NUMBERS, "Kapazität": NUMBERS, "Belegung": NUMBERS, "Unterkunft": FACILITIES,
    "Art": ["GU", "Wohnung", ""],
}
SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


GOOD_DISTRICTS = [("16051", "Erfurt"), ("16052", "Stadt Gera"), ("16053", "Jena")]


@st.composite
def good_row(draw, header: list[str]) -> list[str]:
    """Cells the screen can prove: a known district (key and name agreeing), a week, numbers."""
    key, name = draw(st.sampled_from(GOOD_DISTRICTS))
    good = {"Kreisschlüssel": st.just(key), "Kreis": st.just(name),
            "Woche": st.sampled_from(WEEKS[:4]), "Datum": st.sampled_from(DATES[:2]),
            "Zugänge": st.sampled_from(NUMBERS[:5]), "Kapazität": st.sampled_from(NUMBERS[:5]),
            "Belegung": st.sampled_from(NUMBERS[:5]), "Unterkunft": st.sampled_from(FACILITIES[:3]),
            "Art": st.sampled_from(COLUMNS["Art"])}
    return [draw(good[label]) for label in header]


@st.composite
def reports(draw) -> bytes:
    district = draw(st.sampled_from([["Kreisschlüssel"], ["Kreis"], ["Kreisschlüssel", "Kreis"]]))
    time = draw(st.sampled_from([["Woche"], ["Datum"], ["Woche", "Datum"]]))
    others = draw(st.lists(st.sampled_from(["Zugänge", "Kapazität", "Belegung", "Unterkunft",
                                            "Art"]), min_size=1, max_size=5, unique=True))
    header = district + time + others
    wild = st.tuples(*[st.sampled_from(COLUMNS[label]) for label in header]).map(list)
    # half of the files hold good rows only, so that the screen has something to prove
    row = good_row(header) if draw(st.booleans()) else st.one_of(good_row(header), wild)
    rows = draw(st.lists(row, min_size=1, max_size=12))
    if "Unterkunft" in header and draw(st.booleans()):  # one facility per row: distinct keys
        for number, cells in enumerate(rows):
            cells[header.index("Unterkunft")] = f"Haus {number}"
    extra = draw(st.sampled_from([[], [["Summe"] + [""] * (len(header) - 1)],
                                  [[""] * len(header)]]))
    return csv_bytes([header, *rows, *extra], encoding="cp1252")


def _outcome(data: bytes, matcher: Matcher, screen: bool) -> tuple:
    con = duckdb.connect()
    try:
        read = read_report(con, data, "meldung.csv")
        validation = validate(con, read, matcher, TODAY, screen=screen)
        problems = [(p.code, p.line, p.column, p.value, p.severity, p.params)
                    for p in validation.problems]
        clean = (rows_to_load(con).order("line").fetchall()
                 if read.ok and validation.ok else None)
        screened = validation.screened
        counts = (validation.ok, validation.error_count, validation.warning_count, validation.rows)
        return (counts, problems, clean), screened
    finally:
        con.close()


ROADS_TAKEN = {True: 0, False: 0}  # screened or not, over the generated reports


@functools.cache
def thuringia_matcher() -> Matcher:
    con = duckdb.connect()
    db.migrate(con)
    districts.install_reference(con, districts.read_reference())
    return Matcher.from_db(con)


@SETTINGS
@given(data=reports())
def test_the_screen_gives_what_the_row_by_row_checks_give(data: bytes) -> None:
    matcher = thuringia_matcher()
    with_screen, screened = _outcome(data, matcher, screen=True)
    without, _ = _outcome(data, matcher, screen=False)
    assert with_screen == without
    ROADS_TAKEN[screened] += 1


def test_both_roads_were_taken() -> None:
    """The property above only means something if the generated files take both roads."""
    if not any(ROADS_TAKEN.values()):
        test_the_screen_gives_what_the_row_by_row_checks_give()
    assert ROADS_TAKEN[True] >= 20 and ROADS_TAKEN[False] >= 20, ROADS_TAKEN


def test_a_national_style_file_is_screened() -> None:
    header = ["Kreisschlüssel", "Kalenderwoche", "Unterkunft", "Art", "Zugänge", "Plätze",
              "Belegung"]
    rows = [["16051", f"KW {week}/2024", f"Unterkunft {n}", "GU", "3", "1.250", "1.300"]
            for week in range(1, 20) for n in range(30)]
    outcome, screened = _outcome(csv_bytes([header, *rows], encoding="cp1252"),
                                 thuringia_matcher(), screen=True)
    (ok, errors, warnings, count), problems, clean = outcome
    assert screened and ok and count == len(rows) == len(clean)
    assert warnings == len(rows) and {p[0] for p in problems} == {"over_capacity"}
    assert clean[0][-3:-1] == (1250, 1300)  # capacity, occupied (then the line)
