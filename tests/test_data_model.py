"""The second version of the report format (CONTRACT.md): the parts of arrivals, capacity and
occupied, announcements, their rules, their storage (migration 006) and the views ``weekly``,
``announcements`` and ``places_by_type``, each checked against small hand-computed figures."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from reception.ingest.reports import canonical_for
from reception.store import db
from tests.etl_support import HEADER_DE, assert_loaded, csv_bytes, ingest, query

W45, W46, W47, W48 = date(2024, 11, 4), date(2024, 11, 11), date(2024, 11, 18), date(2024, 11, 25)
HEADER_V2 = ["Kreisschlüssel", "Woche", "Zugänge", "davon Asyl", "davon Ukraine",
             "davon sonstige", "Plätze", "davon nicht belegbar", "Belegung",
             "davon auszugsberechtigt", "Angekündigt"]
NEW = ("arrivals_asylum, arrivals_ukraine, arrivals_other, capacity_unusable, capacity_usable, "
       "occupied_entitled, announced, usable_rate, free_usable")


def v2(*rows: list[object]) -> bytes:
    return csv_bytes([HEADER_V2, *rows])


def errors(result) -> list[tuple[str, int | None, str | None]]:
    return [(p.code, p.line, p.column) for p in result.inspection.problems
            if p.severity == "error"]


@pytest.mark.parametrize(("label", "canonical"), [
    ("Zugänge Asyl", "arrivals_asylum"), ("zugaenge_asyl", "arrivals_asylum"),
    ("Asylbegehrende", "arrivals_asylum"), ("davon Ukraine", "arrivals_ukraine"),
    ("§24", "arrivals_ukraine"), ("Zugänge sonstige", "arrivals_other"),
    ("davon nicht belegbar", "capacity_unusable"), ("Nicht belegbare Plätze", "capacity_unusable"),
    ("gesperrt", "capacity_unusable"), ("Auszugsberechtigte", "occupied_entitled"),
    ("angekündigte Zuweisungen", "announced"), ("Angekuendigt", "announced"),
    ("capacity_unusable", "capacity_unusable"), ("DAVON: Sonstige", "arrivals_other"),
    ("davon belegt", "occupied"),
])
def test_the_new_columns_are_recognised_by_their_german_names(label, canonical):
    assert canonical_for(label) == canonical


def test_a_first_version_report_loads_as_before_with_the_new_figures_empty(fresh_db):
    assert_loaded(ingest(csv_bytes([HEADER_DE,
                                    ["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"]])))
    assert query(fresh_db, "SELECT arrivals, departures, capacity, occupied, arrivals_asylum, "
                           "capacity_unusable, occupied_entitled, announced FROM report_row") == [
        (25, 10, 800, 640, None, None, None, None)]
    sql = f"SELECT arrivals, capacity, occupied, occupancy_rate, free_places, {NEW} FROM weekly"  # noqa: S608, E501
    assert query(fresh_db, sql + " WHERE ags = '16051'") == [
        (25, 800, 640, 0.8, 160, None, None, None, None, 800, None, None, 0.8, 160)]


@pytest.mark.parametrize(("row", "code", "column"), [
    (["16051", "KW 45/2024", "10", "6", "3", "2", "800", "", "640", "", ""],
     "parts_over_arrivals", "davon Asyl"),
    (["16051", "KW 45/2024", "10", "", "", "", "800", "801", "640", "", ""],
     "unusable_over_capacity", "davon nicht belegbar"),
    (["16051", "KW 45/2024", "10", "", "", "", "800", "", "640", "641", ""],
     "entitled_over_occupied", "davon auszugsberechtigt"),
])
def test_a_part_larger_than_its_whole_is_refused_naming_the_line(fresh_db, row, code, column):
    good = ["16052", "KW 45/2024", "10", "5", "5", "0", "500", "20", "400", "50", ""]
    result = ingest(v2(good, row))
    assert result.status == "rejected"
    assert errors(result) == [(code, 3, column)]
    message = next(p for p in result.inspection.problems if p.code == code).render("de")
    assert "Zeile 3" in message
    assert query(fresh_db, "SELECT count(*) FROM report_row") == [(0,)]


def test_parts_that_add_up_to_the_whole_load(fresh_db):
    assert_loaded(ingest(v2(["16051", "KW 45/2024", "10", "6", "3", "1", "800", "800", "640",
                             "640", "5"])))


def test_where_only_the_parts_are_given_arrivals_is_their_sum(fresh_db):
    header = ["Kreisschlüssel", "Woche", "Zugänge Asyl", "Zugänge Ukraine", "Zugänge sonstige",
              "Plätze", "Belegung"]
    assert_loaded(ingest(csv_bytes([header, ["16051", "KW 45/2024", "6", "", "2", "800", "640"],
                                    ["16052", "KW 45/2024", "", "", "", "500", "400"]])))
    assert query(fresh_db, "SELECT ags, arrivals, arrivals_asylum, arrivals_ukraine, "
                           "arrivals_other FROM report_row ORDER BY ags") == [
        ("16051", 8, 6, None, 2), ("16052", None, None, None, None)]


def test_a_row_with_only_an_announcement_may_name_a_future_week(fresh_db):
    result = assert_loaded(ingest(v2(
        ["16051", "KW 2/2025", "10", "", "", "", "800", "", "640", "", "12"],
        ["16051", "KW 6/2025", "", "", "", "", "", "", "", "", "30"],   # future, announced only
        ["16051", "KW 7/2025", "5", "", "", "", "", "", "", "", "20"])))  # future with a figure
    warned = [(p.code, p.line) for p in result.inspection.problems if p.severity == "warning"]
    assert warned == [("future_week", 4)]


def test_an_announcement_never_replaces_reported_figures(fresh_db):
    assert_loaded(ingest(v2(["16051", "KW 45/2024", "10", "", "", "", "800", "", "640", "", ""]),
                         "figures.csv"))
    announced = assert_loaded(ingest(v2(
        ["16051", "KW 45/2024", "", "", "", "", "", "", "", "", "15"],
        ["16051", "KW 48/2024", "", "", "", "", "", "", "", "", "40"]), "land.csv"))
    assert query(fresh_db, "SELECT week, arrivals, capacity, occupied, announced FROM weekly "
                           "WHERE ags = '16051' ORDER BY week") == [(W45, 10, 800, 640, 15)]
    assert query(fresh_db, "SELECT ags, week, announced, load_id FROM announcements "
                           "ORDER BY week") == [("16051", W45, 15, announced.load_id),
                                                ("16051", W48, 40, announced.load_id)]
    # a later announcement of the same week replaces the earlier one, as a later figure does
    later = assert_loaded(ingest(v2(["16051", "KW 48/2024", "", "", "", "", "", "", "", "",
                                     "35"]), "land2.csv"))
    assert query(fresh_db, "SELECT week, announced, load_id FROM announcements "
                           "WHERE week = ?", [W48]) == [(W48, 35, later.load_id)]


def test_weekly_parts_usable_places_and_their_carry_forward(fresh_db):
    # 16051: W45 reported with parts, W46 not reported (carried), W47 reported without parts
    assert_loaded(ingest(v2(
        ["16051", "KW 45/2024", "10", "6", "3", "1", "800", "40", "700", "70", "12"],
        ["16051", "KW 47/2024", "4", "", "", "", "600", "", "630", "", ""],
        ["16052", "KW 47/2024", "", "", "", "", "100", "100", "0", "", ""])))
    rows = query(fresh_db, "SELECT week, arrivals, reported, capacity, occupied, arrivals_asylum, "
                           "arrivals_ukraine, arrivals_other, capacity_unusable, capacity_usable, "
                           "occupied_entitled, announced, usable_rate, free_usable "
                           "FROM weekly WHERE ags = '16051' ORDER BY week")
    assert rows == [
        (W45, 10, True, 800, 700, 6, 3, 1, 40, 760, 70, 12, 700 / 760, 60),
        (W46, None, False, 800, 700, None, None, None, 40, 760, 70, None, 700 / 760, 60),
        # capacity and occupied reported, their parts not: carried like capacity would be
        (W47, 4, True, 600, 630, None, None, None, 40, 560, 70, None, 630 / 560, -70),
    ]
    # every place unusable: no usable rate (no division by zero), no free usable place
    assert query(fresh_db, "SELECT capacity_usable, usable_rate, free_usable FROM weekly "
                           "WHERE ags = '16052' AND week = ?", [W47]) == [(0, None, 0)]


def test_places_by_type_sums_facilities_by_type_with_ohne_angabe(fresh_db):
    header = ["Kreisschlüssel", "Woche", "Unterkunft", "Art", "Plätze", "nicht belegbar",
              "Belegung"]
    assert_loaded(ingest(csv_bytes([header,
                                    ["16051", "KW 45/2024", "GU Nord", "GU", "200", "10", "150"],
                                    ["16051", "KW 45/2024", "GU Süd", "GU", "100", "", "90"],
                                    ["16051", "KW 45/2024", "Halle 3", "Notunterkunft", "300",
                                     "0", "20"],
                                    ["16051", "KW 45/2024", "Haus 7", "", "12", "2", "10"]])))
    # a district total of another district is no facility row
    assert_loaded(ingest(csv_bytes([HEADER_DE, ["16052", "Gera", "KW 45/2024", "1", "1", "50",
                                                "40"]])))
    assert query(fresh_db, "SELECT ags, week, facility_type, capacity, capacity_unusable, "
                           "occupied FROM places_by_type ORDER BY facility_type") == [
        ("16051", W45, "GU", 300, 10, 240),
        ("16051", W45, "Notunterkunft", 300, 0, 20),
        ("16051", W45, "ohne Angabe", 12, 2, 10),
    ]
    assert query(fresh_db, "SELECT capacity, capacity_unusable, capacity_usable, occupied "
                           "FROM weekly WHERE ags = '16051'") == [(612, 12, 600, 270)]


def test_the_snapshot_carries_the_new_columns_and_views(fresh_db):
    assert_loaded(ingest(v2(
        ["16051", "KW 45/2024", "10", "6", "3", "1", "800", "40", "700", "70", "12"],
        ["16051", "KW 47/2024", "4", "", "", "", "600", "", "630", "", ""],
        ["16051", "KW 2/2025", "", "", "", "", "", "", "", "", "25"])))
    # a second load on the same weeks: the snapshot's contested road
    assert_loaded(ingest(v2(["16051", "KW 47/2024", "", "", "", "", "", "", "", "", "9"]),
                         "land.csv", publish=True))
    snapshot = fresh_db.with_name(fresh_db.name + ".snapshot")
    for sql in ("SELECT * FROM weekly ORDER BY ags, week",
                "SELECT * FROM announcements ORDER BY ags, week",
                "SELECT * FROM places_by_type ORDER BY ags, week, facility_type"):
        assert query(snapshot, sql) == query(fresh_db, sql), sql
    assert query(snapshot, "SELECT week, announced FROM weekly WHERE ags = '16051' "
                           "AND announced IS NOT NULL ORDER BY week") == [(W45, 12), (W47, 9)]


def test_a_database_of_the_first_version_migrates_and_keeps_its_figures(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations "
                "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    for version, name, sql in db.migrations():
        if version <= 5:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    con.execute("INSERT INTO district_ref (ags, name, kind) VALUES ('16051', 'Erfurt', "
                "'kreisfreie Stadt')")
    con.execute("INSERT INTO load_log (load_id, file_name, sha256, source, loaded_at, rows, "
                "status) VALUES (1, 'a.csv', 'x', 'cli', now(), 1, 'loaded')")
    con.execute("INSERT INTO report_row VALUES (1, '16051', DATE '2024-11-04', '', NULL, 25, 10, "
                "800, 640, 2)")
    before = con.execute("SELECT ags, week, arrivals, departures, capacity, occupied, "
                         "occupancy_rate, free_places, reported FROM weekly").fetchall()
    assert db.migrate(con) == max(v for v, _, _ in db.migrations())
    sql = ("SELECT ags, week, arrivals, departures, capacity, occupied, occupancy_rate, "  # noqa: S608
           f"free_places, reported, {NEW} FROM weekly")
    after = con.execute(sql).fetchall()
    con.close()
    assert [row[:9] for row in after] == before
    assert after[0][9:] == (None, None, None, None, 800, None, None, 0.8, 160)


def test_the_pages_read_the_new_figures_from_the_snapshot(fresh_db):
    from reception.read import queries

    header = ["Kreisschlüssel", "Woche", "Unterkunft", "Art", "Plätze", "nicht belegbar",
              "Belegung", "auszugsberechtigt", "angekündigt"]
    assert_loaded(ingest(csv_bytes([header,
                                    ["16051", "KW 45/2024", "GU Nord", "GU", "200", "10", "150",
                                     "30", "5"],
                                    ["16051", "KW 45/2024", "Halle", "", "50", "", "20", "",
                                     ""],
                                    ["16051", "KW 2/2025", "", "", "", "", "", "", "8"]]),
                         publish=True))
    snapshot = fresh_db.with_name(fresh_db.name + ".snapshot")
    week = queries.weekly(ags=("16051",), path=snapshot).iloc[0]
    assert (week.capacity_usable, week.occupied_entitled, week.announced, week.free_usable) == (
        240, 30, 5, 70)
    ahead = queries.announcements(since=date(2025, 1, 1), path=snapshot)
    assert ahead[["ags", "announced"]].values.tolist() == [["16051", 8]]
    kinds = queries.places_by_type("16051", path=snapshot)
    assert kinds.facility_type.tolist() == ["GU", "ohne Angabe"]
    assert queries.facilities("16051", path=snapshot).capacity_unusable.tolist()[0] == 10


@pytest.mark.parametrize(("rows", "codes"), [
    ([["16051", "KW 45/2024", "10", "6", "3", "2", "800", "801", "640", "641", ""]],
     {"parts_over_arrivals", "unusable_over_capacity", "entitled_over_occupied"}),
    ([["16051", "KW 45/2024", "", "6", "3", "2", "800", "8", "640", "64", "3"],
      ["16052", "KW 6/2025", "", "", "", "", "", "", "", "", "30"],
      ["16053", "KW 6/2025", "4", "", "", "", "", "", "", "", "30"]], {"future_week"}),
])
def test_the_new_rules_agree_on_both_roads(rows, codes):
    from tests.test_screen import _outcome, thuringia_matcher

    screened, _ = _outcome(v2(*rows), thuringia_matcher(), screen=True)
    row_by_row, _ = _outcome(v2(*rows), thuringia_matcher(), screen=False)
    assert screened == row_by_row
    assert {problem[0] for problem in screened[1]} == codes
