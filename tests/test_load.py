"""Loads: idempotency, replacement, rollback, and what the ``weekly`` view makes of them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reception.ingest.load import ingest_files, rollback, rollback_preview
from reception.store import db
from tests.etl_support import HEADER_DE, assert_loaded, counts, csv_bytes, current, ingest, query

W45, W46, W47, W48 = date(2024, 11, 4), date(2024, 11, 11), date(2024, 11, 18), date(2024, 11, 25)


@pytest.fixture
def fresh_db(store_db: Path) -> Path:
    """Each test here runs against the DuckDB file and against a PostgreSQL store."""
    return store_db


def report(*rows: list[str]) -> bytes:
    return csv_bytes([HEADER_DE, *rows])


def weekly(db_path, ags: str) -> list[tuple]:
    return query(db_path, "SELECT week, arrivals, departures, capacity, occupied, occupancy_rate, "
                          "free_places, reported FROM weekly WHERE ags = ? ORDER BY week", [ags])


def test_same_file_twice_is_a_duplicate_and_changes_nothing(fresh_db):
    data = report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"])
    first = assert_loaded(ingest(data, "kw45.csv"))
    state = (counts(fresh_db), current(fresh_db))
    again = ingest(data, "kw45_kopie.csv")
    assert again.status == "duplicate"
    assert again.load_id == first.load_id
    assert (counts(fresh_db), current(fresh_db)) == state
    assert query(fresh_db, "SELECT count(*) FROM load_log") == [(1,)]


def test_later_report_replaces_the_figure_and_keeps_the_history(fresh_db):
    assert_loaded(ingest(report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"])))
    second = assert_loaded(ingest(report(["16051", "Erfurt", "KW 45/2024", "27", "10", "800", "660"],
                                         ["16052", "Gera", "KW 45/2024", "7", "2", "300", "310"])))
    assert second.replaced == 1
    assert weekly(fresh_db, "16051") == [(W45, 27, 10, 800, 660, 660 / 800, 140, True)]
    assert query(fresh_db, "SELECT load_id, arrivals FROM report_row WHERE ags = '16051' "
                           "ORDER BY load_id") == [(1, 25), (2, 27)]


def test_rollback_brings_the_earlier_figure_back(fresh_db):
    assert_loaded(ingest(report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"])))
    second = assert_loaded(ingest(report(["16051", "Erfurt", "KW 45/2024", "27", "10", "800", "660"],
                                         ["16051", "Erfurt", "KW 46/2024", "5", "1", "800", "664"])))
    with db.writer(fresh_db) as con:
        preview = rollback_preview(con, second.load_id)
        outcome = rollback(con, second.load_id, "test")
    assert preview.arrivals.tolist() == [25]
    assert outcome == {"status": "rolled_back", "load_id": 2, "file": "meldung.csv", "restored": 1}
    assert current(fresh_db) == [("16051", W45, "", 25, 10, 800, 640)]
    assert query(fresh_db, "SELECT status FROM loads WHERE load_id = 2") == [("rolled_back",)]


def test_rolled_back_file_can_be_loaded_again(fresh_db):
    data = report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"])
    first = assert_loaded(ingest(data))
    with db.writer(fresh_db) as con:
        rollback(con, first.load_id)
        assert rollback(con, first.load_id)["status"] == "not_active"
    assert current(fresh_db) == []
    assert assert_loaded(ingest(data)).load_id != first.load_id
    assert len(current(fresh_db)) == 1


def test_rollback_of_an_unknown_load_changes_nothing(fresh_db):
    with db.writer(fresh_db) as con:
        assert rollback(con, 999) == {"status": "unknown", "load_id": 999}


def test_weekly_marks_unreported_weeks_and_carries_capacity_forward(fresh_db):
    assert_loaded(ingest(report(
        ["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"],
        ["16051", "Erfurt", "KW 47/2024", "30", "12", "900", "700"],
        ["16052", "Gera", "KW 46/2024", "4", "1", "300", "280"],
    )))
    assert weekly(fresh_db, "16051") == [
        (W45, 25, 10, 800, 640, 0.8, 160, True),
        (W46, None, None, 800, 640, 0.8, 160, False),
        (W47, 30, 12, 900, 700, 700 / 900, 200, True),
    ]
    # a district that never reported has rows for every week, all empty
    assert weekly(fresh_db, "16053") == [(w, None, None, None, None, None, None, False)
                                         for w in (W45, W46, W47)]
    assert query(fresh_db, "SELECT count(DISTINCT ags), count(*) FROM weekly") == [(22, 66)]


def test_weekly_spans_first_to_last_reported_week_only(fresh_db):
    assert_loaded(ingest(report(["16051", "Erfurt", "KW 46/2024", "1", "0", "10", "5"],
                                ["16052", "Gera", "KW 48/2024", "1", "0", "10", "5"])))
    assert query(fresh_db, "SELECT min(week), max(week) FROM weekly") == [(W46, W48)]


def test_weekly_occupancy_rate_and_negative_free_places_when_overcrowded(fresh_db):
    assert_loaded(ingest(report(["16052", "Gera", "KW 45/2024", "7", "2", "300", "330"],
                                ["16053", "Jena", "KW 45/2024", "7", "2", "0", "0"])))
    assert weekly(fresh_db, "16052") == [(W45, 7, 2, 300, 330, 1.1, -30, True)]
    # no places: no rate (not a division by zero)
    assert weekly(fresh_db, "16053") == [(W45, 7, 2, 0, 0, None, 0, True)]


def test_report_of_only_some_figures_keeps_the_others_empty(fresh_db):
    data = csv_bytes([["AGS", "Woche", "Belegung"], ["16051", "KW 45/2024", "640"]])
    assert_loaded(ingest(data))
    assert weekly(fresh_db, "16051") == [(W45, None, None, None, 640, None, None, True)]


def test_facility_report_replaces_district_total_for_that_week(fresh_db):
    assert_loaded(ingest(report(["16067", "Gotha", "KW 45/2024", "9", "1", "250", "200"])))
    facilities = csv_bytes([["AGS", "Woche", "Unterkunft", "Kapazität", "Belegung"],
                            ["16067", "KW 45/2024", "GU Nord", "200", "190"],
                            ["16067", "KW 45/2024", "GU Süd", "100", "20"]])
    assert_loaded(ingest(facilities))
    assert query(fresh_db, "SELECT capacity, occupied FROM weekly WHERE ags = '16067'") == [(300, 210)]
    # and a later district total replaces the facility rows again
    assert_loaded(ingest(report(["16067", "Gotha", "KW 45/2024", "9", "1", "320", "215"])))
    assert query(fresh_db, "SELECT capacity, occupied FROM weekly WHERE ags = '16067'") == [(320, 215)]


def test_snapshot_for_the_app_holds_the_same_weekly_figures(fresh_db):
    assert_loaded(ingest(report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"],
                                ["16051", "Erfurt", "KW 47/2024", "30", "12", "900", "700"]),
                         publish=True))
    columns = "ags, week, arrivals, departures, capacity, occupied, occupancy_rate, free_places, reported"
    view = query(fresh_db, f"SELECT {columns} FROM weekly ORDER BY ags, week")  # noqa: S608
    snapshot = query(fresh_db.with_name(fresh_db.name + ".snapshot"),
                     f"SELECT {columns} FROM weekly ORDER BY ags, week")  # noqa: S608
    assert snapshot == view


def test_loads_history_records_who_loaded_what(fresh_db):
    assert_loaded(ingest(report(["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"]),
                         "kw45.csv", user="mueller"))
    rows = query(fresh_db, "SELECT load_id, file_name, source, loaded_by, rows, status, "
                           "length(sha256), loaded_at IS NOT NULL FROM loads")
    assert rows == [(1, "kw45.csv", "cli", "mueller", 1, "loaded", 64, True)]


def test_a_batch_loads_in_order_reading_ahead_and_publishes_once(fresh_db, tmp_path):
    files = []
    for name, rows in [("a.csv", [["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"]]),
                       ("kaputt.csv", [["16051", "Erfurt", "KW 45/2024", "-4", "3", "800", "640"]]),
                       ("c.csv", [["16051", "Erfurt", "KW 45/2024", "30", "10", "800", "650"]])]:
        path = tmp_path / name
        path.write_bytes(report(*rows))
        files.append(path)
    snapshot = Path(str(fresh_db) + ".snapshot")
    published = snapshot.stat().st_mtime_ns
    results = list(ingest_files(files, "cli", "test", db_path=fresh_db, today=date(2024, 11, 20)))
    assert [r.status for r in results] == ["loaded", "rejected", "loaded"]
    assert [r.file_name for r in results] == ["a.csv", "kaputt.csv", "c.csv"]
    assert query(fresh_db, "SELECT arrivals, occupied FROM current_rows") == [(30, 650)]  # c wins
    assert snapshot.stat().st_mtime_ns != published
    assert query(snapshot, "SELECT arrivals FROM weekly WHERE ags = '16051'") == [(30,)]


def test_a_batch_stopped_early_loads_nothing_more(fresh_db, tmp_path):
    files = []
    for week in (45, 46):
        path = tmp_path / f"kw{week}.csv"
        path.write_bytes(report(["16051", "Erfurt", f"KW {week}/2024", "25", "10", "800", "640"]))
        files.append(path)
    batch = ingest_files(files, "cli", "test", db_path=fresh_db, today=date(2024, 11, 20))
    assert next(batch).status == "loaded"
    batch.close()  # the second file was read ahead; it is closed, not loaded
    assert query(fresh_db, "SELECT file_name FROM load_log") == [("kw45.csv",)]
    # what was loaded before the stop is published for the app
    assert query(Path(str(fresh_db) + ".snapshot"), "SELECT file_name FROM loads") == [("kw45.csv",)]
