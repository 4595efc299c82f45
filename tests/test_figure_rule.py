"""Which rows carry a figure ("an announcement alone is no figure") is defined once, by the
macro ``figure_rows_from`` (migration 011). Every road to the figure in force goes through it:
the view ``current_rows`` (contested district-weeks), the snapshot's shortcuts for uncontested
ones (``weekly``, ``facility_weekly``), ``report_arrivals`` (timeliness) and the rollback
preview; on both stores."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from reception import config
from reception.ingest.load import rollback_preview
from reception.store import local, schema
from tests.etl_support import assert_loaded, csv_bytes, ingest, query, store_of_record
from tests.pg_support import STORES

W45, W46, W48 = date(2024, 11, 4), date(2024, 11, 11), date(2024, 11, 25)
HEADER = ["Kreisschlüssel", "Woche", "Unterkunft", "Art", "Zugänge", "Plätze", "Belegung",
          "Angekündigt"]
RULE = re.compile(r"announced IS NOT NULL\)? AND \(?coalesce\(", re.IGNORECASE)


def test_the_schema_states_the_rule_once_and_the_code_not_at_all():
    assert len(RULE.findall(schema.SCHEMA_FILE.read_text(encoding="utf-8"))) == 1
    con = duckdb.connect()
    try:
        local.migrate(con)
        found = con.execute("SELECT function_name, macro_definition FROM duckdb_functions() "
                            "WHERE function_type = 'table_macro'").fetchall()
    finally:
        con.close()
    assert [name for name, body in found if RULE.search(body)] == ["figure_rows_from"]
    package = Path(local.__file__).parents[1]
    assert [p.name for p in package.rglob("*.py") if RULE.search(p.read_text("utf-8"))] == []


def test_the_macro_drops_a_row_that_only_announces():
    con = duckdb.connect()
    try:
        local.migrate(con)
        con.execute("CREATE TEMP TABLE probe AS SELECT * FROM report_row LIMIT 0")
        con.execute("INSERT INTO probe (load_id, ags, week, facility, line, announced, occupied) "
                    "VALUES (1, '16051', DATE '2024-11-04', '', 2, 15, NULL), "
                    "(1, '16051', DATE '2024-11-11', '', 3, 15, 0), "
                    "(1, '16051', DATE '2024-11-18', '', 4, NULL, 7)")
        kept = con.execute("SELECT line FROM figure_rows_from('probe') ORDER BY line").fetchall()
    finally:
        con.close()
    assert kept == [(3,), (4,)]  # a zero is a figure; an announcement beside it changes nothing


@pytest.mark.parametrize("store_db", STORES, indirect=True)
def test_an_announcement_replaces_no_figure_on_any_road(store_db):
    figures = assert_loaded(ingest(csv_bytes([
        HEADER, ["16051", "KW 45/2024", "GU Nord", "GU", "10", "200", "150", ""],
        ["16052", "KW 45/2024", "", "", "3", "50", "40", ""]]), "zahlen.csv"))
    assert_loaded(ingest(csv_bytes([
        HEADER, ["16051", "KW 45/2024", "GU Nord", "GU", "", "", "", "15"],  # contested
        ["16051", "KW 46/2024", "GU Nord", "GU", "", "", "", "20"],  # a facility alone
        ["16052", "KW 48/2024", "", "", "", "", "", "30"]]), "land.csv", publish=True))
    snapshot = config.snapshot_path()
    assert query(snapshot, "SELECT ags, week, facility, arrivals, capacity, occupied "
                           "FROM facility_weekly ORDER BY ALL") == [
        ("16051", W45, "GU Nord", 10, 200, 150)]
    assert query(snapshot, "SELECT ags, week, arrivals, capacity, occupied, announced "
                           "FROM weekly WHERE reported ORDER BY ALL") == [
        ("16051", W45, 10, 200, 150, 15), ("16052", W45, 3, 50, 40, None)]
    assert query(snapshot, "SELECT max(week) FROM weekly") == [(W45,)]
    assert query(snapshot, "SELECT ags, week, loads FROM report_arrivals ORDER BY ALL") == [
        ("16051", W45, 1), ("16052", W45, 1)]
    assert query(store_db, "SELECT ags, week, facility, load_id FROM current_rows "
                           "ORDER BY ALL") == [("16051", W45, "GU Nord", figures.load_id),
                                               ("16052", W45, "", figures.load_id)]
    # rolled back, the figures leave nothing in force: the announcements bring back no figure
    con = duckdb.connect(str(store_of_record(store_db)), read_only=True)
    try:
        assert rollback_preview(con, figures.load_id).empty
    finally:
        con.close()
