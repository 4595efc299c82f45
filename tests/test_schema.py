"""The schema as it is now (``reception/store/schema.sql``) and one meaning per name: the
snapshot's ``districts``, ``weekly`` and ``loads`` have the columns of the contract views."""

from __future__ import annotations

import duckdb
import pytest

from reception import config
from reception.reference.districts import Matcher
from reception.store import db, schema

CONTRACT_RELATIONS = ("districts", "weekly", "loads")


def columns(path, relation: str) -> list[tuple[str, str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [(name, kind) for name, kind, *_ in
                con.execute(f"DESCRIBE {relation}").fetchall()]  # noqa: S608 (constants)
    finally:
        con.close()


def test_schema_sql_is_current():
    assert schema.SCHEMA_FILE.read_text(encoding="utf-8") == schema.current_schema(), (
        "reception/store/schema.sql is stale: run `python -m reception.store.schema`")


def test_schema_sql_documents_which_kind_of_report_wins_a_district_week():
    text = schema.SCHEMA_FILE.read_text(encoding="utf-8")
    before_macro = text[:text.index("CREATE MACRO current_rows_from")]
    assert "district totals and facility rows never add up" in before_macro


@pytest.mark.parametrize("relation", CONTRACT_RELATIONS)
def test_snapshot_relation_has_the_columns_of_the_contract_view(demo_db, relation):
    assert columns(config.snapshot_path(demo_db), relation) == columns(demo_db, relation)


def test_matcher_reads_the_same_districts_from_database_and_snapshot(demo_db):
    found = []
    for path in (demo_db, config.snapshot_path(demo_db)):
        con = duckdb.connect(str(path), read_only=True)
        try:
            found.append(Matcher.from_db(con))
        finally:
            con.close()
    assert found[0] == found[1] and len(found[0].names) == 22


def test_load_history_reads_alike_from_database_and_snapshot(demo_db):
    histories = []
    for path in (demo_db, config.snapshot_path(demo_db)):
        con = duckdb.connect(str(path), read_only=True)
        try:
            histories.append(db.load_history(con))
        finally:
            con.close()
    assert histories[0].equals(histories[1])
    assert histories[0].districts.tolist() == [22]
    assert {"load_id", "sha256", "status", "errors", "warnings"} <= set(histories[0].columns)
