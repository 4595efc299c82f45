"""Property: whatever bytes arrive, the ingest gives a clean rejection with a reason or a correct
load; never a traceback, never a partial load."""

from __future__ import annotations

from collections import Counter
from datetime import date

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reception.ingest.load import apply, inspect_bytes
from reception.reference import districts
from reception.reference.districts import Matcher
from reception.store import db

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HEADERS = ["Kreisschlüssel", "AGS", "Kreis", "Woche", "KW", "Datum", "Zugänge", "Abgänge",
           "Kapazität", "Belegung", "Unterkunft", "Art", "Bemerkung", "Summe", ""]
CELLS = ["16051", "16067000", "16056", "99999", "Gotha, Landkreis", "Eisenach", "Atlantis",
         "KW 45/2024", "2024-W45", "45/2024", "KW 54/2024", "04.11.2024", "31.02.2024",
         "2024-11-04", "1.250", "3,0", "-4", "2,5", "0", "12", "x", "Summe", "Gesamt", "", " ",
         '"', '""', "'", "=1+1", "\\", "GU Nord", "1e9", "NaN", "99999999999", "\u00a0"]
DELIMITERS = [";", ",", "\t"]


class Store:
    """One initialised database shared by the examples (each example checks its own deltas).

    The examples go the same road as every report (``inspect_bytes`` then ``apply``) over one open
    writer connection, which keeps a hundred examples within a few seconds."""

    def __init__(self, path):
        self.path = path
        self.con = duckdb.connect(str(path))
        db.migrate(self.con)
        districts.install_reference(self.con, districts.read_reference())
        districts.install_distribution_key(self.con)
        self.matcher = Matcher.from_db(self.con)
        self.known = set(self.matcher.names)
        self.outcomes: Counter = Counter()

    def rows(self) -> int:
        return self.con.execute("SELECT count(*) FROM report_row").fetchall()[0][0]

    def check(self, data: bytes, name: str) -> None:
        before = self.rows()
        inspection = inspect_bytes(data, name, self.matcher, today=date(2025, 1, 15))
        result = apply(self.con, inspection, "cli", "hypothesis")
        after = self.rows()
        self.outcomes[result.status] += 1
        assert result.status in {"loaded", "rejected", "duplicate"}
        if result.status == "rejected":
            assert after == before, "a rejected file must load nothing"
            assert inspection.errors, "a rejection names at least one problem"
            for problem in inspection.problems:
                assert problem.render("de") and problem.render("en")
        elif result.status == "duplicate":
            assert after == before
        else:
            rows = inspection.rows
            assert after == before + rows.num_rows == before + result.rows
            assert set(rows.column("ags").to_pylist()) <= self.known
            assert all(week.weekday() == 0 for week in rows.column("week").to_pylist())
            for measure in ("arrivals", "departures", "capacity", "occupied"):
                assert all(v is None or v >= 0 for v in rows.column(measure).to_pylist())


_stores: dict[str, Store] = {}


def store(tmp_path_factory) -> Store:
    if "store" not in _stores:
        _stores["store"] = Store(tmp_path_factory.mktemp("fuzz") / "reception.duckdb")
    return _stores["store"]


VALUES = {  # mostly good values per column, a few bad ones
    "Kreisschlüssel": ["16051", "16067000", "16052", "16 053", "16056", "1605"],
    "Woche": ["KW 45/2024", "2024-W46", "47/2024", "KW 54/2024"],
    "Zugänge": ["12", "1.250", "0", "3,0", "", "-4"],
    "Belegung": ["640", "12.345", "", "2,5"],
    "Kapazität": ["800", "1.000", "0"],
}


@st.composite
def report_like(draw) -> list[list[str]]:
    """A header of known columns and rows of mostly good values: often loads."""
    header = draw(st.permutations(list(VALUES)))[:draw(st.integers(3, len(VALUES)))]
    if "Kreisschlüssel" not in header or "Woche" not in header:
        header = ["Kreisschlüssel", "Woche", *[h for h in header if h not in ("Kreisschlüssel", "Woche")]]
    rows = draw(st.lists(st.tuples(*[st.sampled_from(VALUES[h]) for h in header]).map(list),
                         min_size=1, max_size=3))
    return [header, *rows]


@st.composite
def free_form(draw) -> list[list[str]]:
    width = draw(st.integers(1, 8))
    cell = st.one_of(st.sampled_from(CELLS), st.text(max_size=8))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=width, max_size=width))
    return [header, *draw(st.lists(st.lists(cell, max_size=width + 1), max_size=8))]


@st.composite
def csv_like(draw) -> tuple[bytes, str]:
    delimiter = draw(st.sampled_from(DELIMITERS))
    table = draw(st.one_of(report_like(), free_form()))
    titles = draw(st.lists(st.sampled_from(["Meldung KW 45/2024", "", "Landkreis Gotha"]),
                           max_size=2))
    lines = [*titles, *(delimiter.join(row) for row in table)]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    data = newline.join(lines).encode(encoding, errors="replace")
    if draw(st.integers(0, 3)) == 0:  # damage a few bytes
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        data = data[:position] + draw(st.binary(max_size=4)) + data[position + 1:]
    return data, draw(st.sampled_from(["meldung.csv", "meldung.txt"]))


@SETTINGS
@given(data=st.binary(max_size=2048), name=st.sampled_from(["a.csv", "a.xlsx", "a.tsv"]))
def test_random_bytes_are_rejected_cleanly_or_loaded_whole(tmp_path_factory, data, name):
    store(tmp_path_factory).check(data, name)


@SETTINGS
@given(report=csv_like())
def test_random_csv_text_is_rejected_cleanly_or_loaded_whole(tmp_path_factory, report):
    store(tmp_path_factory).check(*report)


@SETTINGS
@given(prefix=st.sampled_from([b"PK\x03\x04", b""]), data=st.binary(max_size=512))
def test_damaged_xlsx_is_rejected_cleanly(tmp_path_factory, prefix, data):
    store(tmp_path_factory).check(prefix + data, "meldung.xlsx")


def test_generated_reports_include_loads_and_rejections(tmp_path_factory):
    """The property tests above are only worth something if both outcomes occur."""
    outcomes = store(tmp_path_factory).outcomes
    if not outcomes:  # run on its own
        test_random_csv_text_is_rejected_cleanly_or_loaded_whole(tmp_path_factory)
    assert outcomes["rejected"] > 0 and outcomes["loaded"] > 0, outcomes
