"""Plausibility findings (CONTRACT.md, "Plausibility findings"; issue 23): each finding at and
around its thresholds, on the SQL of ``reception.ingest.plausibility`` over a small store; then
the write path (CLI, inbox, upload) against both stores."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from reception.ingest.headers import MEASURES
from reception.ingest.plausibility import find, findings_frame, history_rules
from reception.ingest.rules import HISTORY_COLUMNS, history_sql

WEEK = date(2024, 11, 4)  # KW 45/2024
EARLIER = WEEK - timedelta(weeks=1)
DEFAULTS = {"jump_factor": 3.0, "jump_min_difference": 50, "balance_min_difference": 50,
            "balance_min_share": 0.30, "old_week_weeks": 8}
BASE = {"arrivals": 20, "departures": 10, "capacity": 1250, "occupied": 1000}


def _table(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict]) -> None:
    columns = ["line INTEGER", "ags VARCHAR", "week DATE", "facility VARCHAR",
               *(f"{m} INTEGER" for m in MEASURES)]
    con.execute(f"CREATE TABLE {name} ({', '.join(columns)})")
    for number, row in enumerate(rows, start=2):
        values = [row.get("line", number), row.get("ags", "16061"), row.get("week", WEEK),
                  row.get("facility", ""), *(row.get(m) for m in MEASURES)]
        con.execute(f"INSERT INTO {name} VALUES ({', '.join('?' * len(values))})", values)  # noqa: S608 (test table names)


def findings(store: list[dict], incoming: list[dict], thresholds: dict | None = None):
    con = duckdb.connect()
    _table(con, "store_rows", [{"week": EARLIER, **row} for row in store])
    _table(con, "incoming", incoming)
    found = find(con, "incoming", {"capacity": "Kapazität", "occupied": "Belegung"},
                 {**DEFAULTS, **(thresholds or {})}, store="store_rows")
    con.close()
    return found


def codes(store: list[dict], incoming: list[dict], thresholds: dict | None = None) -> list:
    return [(p.code, p.column) for p in findings(store, incoming, thresholds)]


# ---------------------------------------------------------------- jump

@pytest.mark.parametrize(("earlier", "now", "found"), [
    (1250, 3750, True),   # three times, 2500 apart
    (1250, 3749, False),  # just under three times
    (1250, 416, True),    # a third or less (416 * 3 = 1248)
    (1250, 417, False),   # 417 * 3 = 1251: more than a third
    (25, 75, True),       # three times and exactly 50 apart
    (24, 72, False),      # three times but only 48 apart
    (0, 50, True),        # from nothing: three times nought, 50 apart
    (0, 49, False),
])
def test_jump_at_and_around_its_thresholds(earlier, now, found) -> None:
    result = codes([{**BASE, "capacity": earlier, "occupied": 0, "arrivals": 0,
                     "departures": 0}],
                   [{**BASE, "capacity": now, "occupied": 0, "arrivals": 0, "departures": 0}])
    assert (("jump", "Kapazität") in result) == found, result


def test_jump_names_line_column_value_and_the_earlier_value_with_its_week() -> None:
    found = findings([BASE], [{**BASE, "capacity": 12500, "line": 7}])
    [jump] = [p for p in found if p.code == "jump"]
    assert (jump.line, jump.column, jump.value, jump.earlier, jump.earlier_week) == (
        7, "Kapazität", "12500", "1250", "2024-W44")
    assert jump.render() == ("Zeile 7, Spalte Kapazität: 12.500 weicht sprunghaft vom Wert der KW 44/2024 "
                             "ab (1.250; Faktor 3 oder mehr nach oben oder unten) – Tippfehler?")
    frame = findings_frame(found)
    assert list(frame.columns) == ["Zeile", "Spalte", "Wert", "früherer Wert",
                                   "Woche des früheren Werts", "Meldung"]
    assert list(frame.iloc[0, 2:5]) == ["12.500", "1.250", "KW 44/2024"]


def test_finding_texts_show_figures_and_weeks_as_the_pages_do_in_either_language() -> None:
    """Not "12500 ... 2024-W44" (issue 22): German numbers and weeks, English in English."""
    found = findings([BASE], [{**BASE, "capacity": 12500, "occupied": 2500, "line": 7}],
                     {"jump_factor": 2.5})
    texts = {lang: " ".join(p.message(lang) for p in found) for lang in ("de", "en")}
    assert {p.code for p in found} >= {"jump", "balance"}
    for data_form in ("12500", "2024-W44", "1250 ", "2500", "1010"):
        assert data_form not in texts["de"] and data_form not in texts["en"]
    assert all(part in texts["de"] for part in ("12.500", "der KW 44/2024", "(1.250;", "Faktor 2,5",
                                                 "Belegung 2.500", "= 1.010"))
    assert all(part in texts["en"] for part in ("12,500", "of CW 44/2024", "(1,250;", "factor of 2.5",
                                                 "Occupied 2,500", "= 1,010"))
    shown = [list(row) for row in findings_frame(found, "en").iloc[:, 2:5].itertuples(index=False)]
    assert ["12,500", "1,250", "CW 44/2024"] in shown and ["2,500", "1,000", "CW 44/2024"] in shown


@pytest.mark.parametrize("field", ["capacity_unusable", "occupied"])
def test_jump_of_unusable_places_and_occupied(field) -> None:
    earlier = {**BASE, "capacity_unusable": 40}
    now = {**earlier, "departures": 10, field: earlier[field] * 4}
    assert "jump" in [c for c, _ in codes([earlier], [now])]


def test_a_threshold_comes_from_the_settings() -> None:
    now = {**BASE, "capacity": 2600}  # 2.08 times
    assert "jump" not in [c for c, _ in codes([BASE], [now])]
    assert "jump" in [c for c, _ in codes([BASE], [now], {"jump_factor": 2.0})]


# ---------------------------------------------------------------- balance

@pytest.mark.parametrize(("occupied", "found"), [
    (1311, True),   # 1000 + 20 - 10 = 1010; 301 apart: more than 50 and than 30 % of 1000
    (1310, False),  # exactly 300 apart: not more than 30 %
    (709, True),    # 301 below
    (710, False),
])
def test_balance_at_its_share_threshold(occupied, found) -> None:
    result = codes([BASE], [{**BASE, "occupied": occupied}])
    assert (("balance", "Belegung") in result) == found, result


@pytest.mark.parametrize(("occupied", "found"), [(151, True), (150, False), (49, True),
                                                  (50, False)])
def test_balance_at_its_absolute_threshold(occupied, found) -> None:
    earlier = {"arrivals": 0, "departures": 0, "capacity": 400, "occupied": 100}
    result = codes([earlier], [{**earlier, "occupied": occupied}])
    assert (("balance", "Belegung") in result) == found, result


def test_balance_needs_every_figure() -> None:
    for missing in ("arrivals", "departures"):
        now = {**BASE, "occupied": 2000, missing: None}
        assert "balance" not in [c for c, _ in codes([BASE], [now])]
    earlier = {**BASE, "occupied": None}
    assert "balance" not in [c for c, _ in codes([earlier], [{**BASE, "occupied": 2000}])]


def test_balance_message_shows_the_sum() -> None:
    [finding] = [p for p in findings([BASE], [{**BASE, "occupied": 1500}]) if p.code == "balance"]
    assert (finding.value, finding.earlier, finding.earlier_week) == ("1500", "1000", "2024-W44")
    assert "(1.000)" in finding.message() and "= 1.010" in finding.message()


# ---------------------------------------------------------------- stale copy

def test_stale_copy_when_every_figure_repeats_with_movement() -> None:
    assert [c for c, _ in codes([BASE], [dict(BASE)])] == ["stale_copy"]


@pytest.mark.parametrize("change", [{"arrivals": 0, "departures": 0},
                                    {"occupied": 1001}, {"capacity": 1260}])
def test_no_stale_copy_without_movement_or_with_one_figure_changed(change) -> None:
    earlier = {**BASE, **{k: v for k, v in change.items() if k in ("arrivals", "departures")}}
    assert "stale_copy" not in [c for c, _ in codes([earlier], [{**earlier, **change}])]


def test_stale_copy_compares_only_the_figures_the_row_gives() -> None:
    earlier = {**BASE, "capacity_unusable": 40}
    assert "stale_copy" in [c for c, _ in codes([earlier], [dict(BASE)])]
    assert "stale_copy" not in [c for c, _ in codes([BASE], [{**BASE, "capacity_unusable": 40}])]


# ---------------------------------------------------------------- old week

def _history(weeks: int) -> list[dict]:
    return [{**BASE, "week": WEEK - timedelta(weeks=k), "arrivals": 20 + k % 3}
            for k in range(weeks)]


@pytest.mark.parametrize(("back", "found"), [(9, True), (8, False), (52, True)])
def test_old_week_replacing_a_figure_long_before_the_latest(back, found) -> None:
    old = WEEK - timedelta(weeks=back)
    result = findings(_history(60), [{**BASE, "week": old, "arrivals": 5}])
    assert ("old_week" in [p.code for p in result]) == found
    if found:
        [finding] = [p for p in result if p.code == "old_week"]
        year, number, _ = old.isocalendar()
        assert finding.value == f"{year}-W{number:02d}" and finding.earlier == "1000"
        assert f"der KW {number}/{year} (bisher 1.000)" in finding.message()
        assert "Meldung des Kreises (KW 45/2024)" in finding.message()


def test_old_week_needs_a_figure_to_replace() -> None:
    history = [row for row in _history(60) if row["week"] != WEEK - timedelta(weeks=20)]
    result = findings(history, [{**BASE, "week": WEEK - timedelta(weeks=20), "arrivals": 5}])
    assert "old_week" not in [p.code for p in result]


# ---------------------------------------------------------------- no findings

def test_a_districts_first_report_has_no_findings() -> None:
    other = {**BASE, "ags": "16051"}
    assert codes([other], [{**BASE, "capacity": 99999, "occupied": 5}]) == []


@pytest.mark.parametrize("rule", [r.code for r in history_rules()])
def test_no_history_rule_fires_without_a_figure_in_the_store(rule) -> None:
    """What lets ``find`` skip a store without a load in force: a row with no earlier week,
    no latest week and nothing to replace (the store's columns NULL) meets no history rule,
    whatever its own figures."""
    con = duckdb.connect()
    _table(con, "row_seen", [{**BASE, "capacity_unusable": 0, "occupied_entitled": 0,
                              "arrivals_asylum": 0, "announced": 0}])
    store_columns = ", ".join(f"NULL::{'DATE' if c.endswith('week') else 'INTEGER'} AS {c}"
                              for c in HISTORY_COLUMNS if c.startswith(("prev_", "latest",
                                                                        "replaced")))
    rule_of = next(r for r in history_rules() if r.code == rule)
    for target in rule_of.fields:
        condition = history_sql(rule_of, target, DEFAULTS)[0]
        assert con.execute(f"SELECT count(*) FILTER (WHERE {condition}) FROM "  # noqa: S608
                           f"(SELECT *, {store_columns} FROM row_seen)").fetchall() == [(0,)]


def test_a_store_without_a_load_in_force_gives_no_findings_and_is_not_scanned() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE load_log (load_id INTEGER, status VARCHAR)")
    con.execute("INSERT INTO load_log VALUES (1, 'rolled_back')")
    # a store whose view would fail if it were read: with no load in force it is not
    con.execute("CREATE VIEW current_rows AS SELECT error('read') AS ags")
    _table(con, "incoming", [BASE])
    assert not find(con, "incoming", thresholds=DEFAULTS)
    con.execute("INSERT INTO load_log VALUES (2, 'loaded')")
    with pytest.raises(duckdb.Error):
        find(con, "incoming", thresholds=DEFAULTS)


def test_rows_that_only_announce_have_no_findings() -> None:
    announce = {"announced": 5000, "week": WEEK + timedelta(weeks=4)}
    old_announce = {"announced": 5000, "week": WEEK - timedelta(weeks=30)}
    assert codes(_history(60), [announce, old_announce]) == []


def test_a_facility_is_compared_with_itself() -> None:
    store = [{**BASE, "facility": "GU A"}, {**BASE, "facility": "GU B", "capacity": 100,
                                            "occupied": 90}]
    assert codes(store, [{**BASE, "facility": "GU A", "arrivals": 21}]) == []
    assert ("jump", "Kapazität") in codes(store, [{**BASE, "facility": "GU B", "arrivals": 21}])


def test_the_latest_earlier_week_is_compared_not_the_first() -> None:
    store = [{**BASE, "week": EARLIER - timedelta(weeks=1), "capacity": 100},
             {**BASE, "week": EARLIER}]
    assert codes(store, [{**BASE, "arrivals": 21}]) == []


# ---------------------------------------------------------------- the write path, both stores

HEADER = "Kreisschlüssel;Woche;Zugänge;Abgänge;Kapazität;Belegung\n"


def report(week: int, capacity: int, occupied: int, arrivals: int = 15) -> bytes:
    return (HEADER + f"16061;KW {week}/2024;{arrivals};5;{capacity};{occupied}\n").encode()


def _write(folder, name: str, data: bytes):
    path = folder / name
    path.write_bytes(data)
    return path


def test_cli_refuses_findings_unless_confirmed_and_records_who(store_db, tmp_path, capsys):
    """Against the DuckDB and the PostgreSQL store: the same findings, the same refusal."""
    from etl.cli import main
    from tests.etl_support import query

    first = _write(tmp_path, "kw44.csv", report(44, 1250, 740))
    typo = _write(tmp_path, "kw45.csv", report(45, 12500, 750))
    assert main(["ingest", str(first), "--user", "mueller"]) == 0
    capsys.readouterr()
    assert main(["ingest", str(typo), "--user", "mueller"]) == 1
    err = capsys.readouterr().err
    assert "Zeile 2, Spalte Kapazität: 12.500" in err and "KW 44/2024 ab (1.250" in err
    assert "--confirm" in err
    assert query(store_db, "SELECT count(*) FROM current_rows")[0][0] == 1
    assert main(["ingest", str(typo), "--user", "schulz", "--confirm"]) == 0
    assert "bestätigt von schulz" in capsys.readouterr().out
    assert query(store_db, "SELECT file_name, status, confirmed_by FROM loads ORDER BY load_id") \
        == [("kw44.csv", "loaded", None), ("kw45.csv", "rejected", None),
            ("kw45.csv", "loaded", "schulz")]
    assert query(store_db, "SELECT capacity FROM current_rows WHERE week = DATE '2024-11-04'") \
        == [(12500,)]


def test_confirm_without_findings_records_no_confirmation(store_db, tmp_path):
    from etl.cli import main
    from tests.etl_support import query

    assert main(["ingest", str(_write(tmp_path, "a.csv", report(44, 1250, 740)))]) == 0
    assert main(["ingest", str(_write(tmp_path, "b.csv", report(45, 1250, 750))),
                 "--confirm"]) == 0
    assert query(store_db, "SELECT confirmed_by FROM loads ORDER BY load_id") == [(None,),
                                                                                 (None,)]


def test_weekly_run_rejects_a_file_with_findings_saying_how_to_confirm(fresh_db, tmp_path):
    from etl.cli import main
    from reception import config

    assert main(["ingest", str(_write(tmp_path, "kw44.csv", report(44, 1250, 740)))]) == 0
    inbox = config.inbox_path()
    inbox.mkdir(parents=True, exist_ok=True)
    _write(inbox, "kw45.csv", report(45, 1250, 1750))
    assert main(["weekly"]) == 1
    [rejected] = list((inbox / "rejected").glob("*_kw45.csv"))
    import csv

    errors = rejected.with_name(rejected.name + ".errors.csv").read_text("utf-8-sig")
    rows = list(csv.DictReader(errors.splitlines(), delimiter=";"))
    [balance] = [r for r in rows if r["code"] == "balance"]
    assert (balance["Zeile"], balance["Spalte"], balance["Wert"], balance["früherer Wert"],
            balance["Woche des früheren Werts"]) == ("2", "Belegung", "1750", "740", "KW 44/2024")
    [confirm] = [r for r in rows if r["code"] == "unconfirmed_findings"]
    assert f'python -m etl ingest --confirm "{rejected}"' in confirm["Meldung"]


def test_upload_loads_findings_only_confirmed_with_the_comment(fresh_db, tmp_path, monkeypatch):
    from reception import accounts
    from reception.web import upload
    from tests.etl_support import query

    monkeypatch.setenv("RECEPTION_ACCOUNTS", str(tmp_path / "accounts.json"))
    accounts.add_user("mueller", "richtig-geheim-42", "officer", "16061")
    user = accounts.get_user("mueller")
    today = date(2024, 12, 31)
    upload.load_preview(upload.preview_file(report(44, 1250, 740), "kw44.csv", user, today), user)
    preview = upload.preview_file(report(45, 1250, 1750), "kw45.csv", user, today)
    assert preview.ok and [p.code for p in preview.findings] == ["balance"]
    assert preview.findings_frame().iloc[0]["früherer Wert"] == "740"
    with pytest.raises(upload.NeedsConfirmation):
        upload.load_preview(preview, user)
    result = upload.load_preview(preview, user, confirmed=True, comment=" Umzug aus Gera ")
    assert result.status == "loaded"
    assert query(fresh_db, "SELECT confirmed_by, confirm_comment, source FROM load_log "
                           "WHERE status = 'loaded' ORDER BY load_id") == [
        (None, None, "upload"), ("mueller", "Umzug aus Gera", "upload")]
    history = upload.history()
    assert history.iloc[0]["confirm_comment"] == "Umzug aus Gera"


# ---------------------------------------------------------------- false alarms on the demo data

def test_replaying_the_demo_raises_findings_on_at_most_one_percent_of_rows(demo_db) -> None:
    """Every district-week of the shipped demo (``etl init --demo``, today) as if reported
    anew: checked against the store as it stood before that week (the weeks before it), through
    the same SQL as a load. False alarms matter as much as misses (issue 23)."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        con.execute("CREATE TEMP TABLE replayed AS SELECT * FROM current_rows")
        weeks = [w for (w,) in con.execute(
            "SELECT DISTINCT week FROM replayed ORDER BY week").fetchall()]
        flagged: set[int] = set()
        by_code: dict[str, int] = {}
        for week in weeks:
            con.execute("CREATE OR REPLACE TEMP TABLE replay_store AS "
                        "SELECT * FROM replayed WHERE week < ?", [week])
            con.execute("CREATE OR REPLACE TEMP TABLE replay_rows AS "
                        "SELECT * FROM replayed WHERE week = ?", [week])
            found = find(con, "replay_rows", thresholds=DEFAULTS, store="replay_store")
            assert found.count == len(found.problems)  # all listed: every row is counted
            flagged |= {p.line for p in found}
            for p in found:
                by_code[p.code] = by_code.get(p.code, 0) + 1
        rows = con.execute("SELECT count(*) FROM replayed").fetchall()[0][0]
    finally:
        con.close()
    rate = len(flagged) / rows
    assert rows > 5000 and len(weeks) > 100
    assert rate <= 0.01, (f"{len(flagged)} of {rows} demo rows ({rate:.2%}) have findings: "
                          f"{by_code}")
    print(f"demo replay: {len(flagged)} of {rows} rows ({rate:.2%}) with findings, {by_code}")
