"""``python -m etl``: commands, messages and exit codes as in CONTRACT.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl.cli import main
from tests.conftest import run_etl
from tests.etl_support import HEADER_DE, csv_bytes, query

GOOD = csv_bytes([HEADER_DE, ["16067000", "Gotha, Landkreis", "KW 45/2024", "12", "3", "1.250",
                              "1.100"]], encoding="cp1252")
BAD = csv_bytes([HEADER_DE, ["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"],
                 ["16067", "Gotha", "KW 45/2024", "-4", "3", "1.250", "1.100"]])


@pytest.fixture
def fresh_db(store_db: Path) -> Path:
    """Each test taking ``fresh_db`` here runs against the DuckDB file and a PostgreSQL store."""
    return store_db


@pytest.fixture
def files(tmp_path):
    good, bad = tmp_path / "meldung_kw45.csv", tmp_path / "kaputt.csv"
    good.write_bytes(GOOD)
    bad.write_bytes(BAD)
    return good, bad


def test_init_creates_schema_and_reference_and_can_run_again(tmp_path, monkeypatch, capsys):
    db_path = tmp_path / "neu" / "reception.duckdb"
    monkeypatch.setenv("RECEPTION_DB", str(db_path))
    assert main(["init"]) == 0
    assert main(["init"]) == 0
    assert "22 Kreise" in capsys.readouterr().out
    assert query(db_path, "SELECT count(*), count(*) FILTER (WHERE kind = 'kreisfreie Stadt') "
                          "FROM districts") == [(22, 5)]
    assert query(db_path, "SELECT round(sum(share_percent), 6) FROM distribution_key") == [(100.0,)]
    assert db_path.with_name(db_path.name + ".snapshot").exists()


def test_ingest_loads_a_file_and_exits_0(fresh_db, files, capsys):
    good, _ = files
    assert main(["ingest", str(good), "--user", "mueller"]) == 0
    out = capsys.readouterr().out
    assert "meldung_kw45.csv: geladen als Load 1 (1 Zeilen, 1 Kreise, 1 Wochen, 0 Werte ersetzt)" in out
    assert query(fresh_db, "SELECT loaded_by, source FROM loads") == [("mueller", "cli")]


def test_ingest_same_file_again_says_so_and_exits_0(fresh_db, files, capsys):
    good, _ = files
    assert main(["ingest", str(good)]) == 0
    assert main(["ingest", str(good)]) == 0
    assert "bereits geladen als Load 1" in capsys.readouterr().out


def test_ingest_rejected_file_prints_every_problem_and_exits_1(fresh_db, files, capsys):
    good, bad = files
    assert main(["ingest", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert 'kaputt.csv: Zeile 3, Spalte Zugänge: "-4" ist negativ' in err
    assert "kaputt.csv: abgelehnt, nichts geladen (1 Fehler)" in err
    # the good file of the same call is loaded, the bad one not at all
    assert query(fresh_db, "SELECT file_name, status FROM load_log ORDER BY load_id") == [
        ("meldung_kw45.csv", "loaded"), ("kaputt.csv", "rejected")]
    assert query(fresh_db, "SELECT ags FROM current_rows") == [("16067",)]


def test_ingest_prints_the_first_warnings_and_how_many_there_are(fresh_db, tmp_path, capsys):
    header = ["Kreisschlüssel", "Woche", "Unterkunft", "Kapazität", "Belegung"]
    crowded = tmp_path / "voll.csv"
    crowded.write_bytes(csv_bytes([header] + [["16051", "2024-W45", f"Haus {n}", "1.000", "1.001"]
                                              for n in range(1234)]))
    assert main(["ingest", str(crowded)]) == 0
    lines = capsys.readouterr().out.splitlines()
    warnings = [line for line in lines if "Überbelegung" in line]
    assert len(warnings) == 20 and warnings[0].startswith("voll.csv: Zeile 2, Spalte Belegung")
    assert "voll.csv: 1.234 Warnungen insgesamt, die ersten 20 stehen oben" in lines
    assert any("geladen als Load 1 (1.234 Zeilen" in line for line in lines)


def test_ingest_in_english_with_lang_en(fresh_db, files, capsys):
    _, bad = files
    assert main(["--lang", "en", "ingest", str(bad)]) == 1
    err = capsys.readouterr().err
    assert 'kaputt.csv: Line 3, column Zugänge: "-4" is negative' in err
    assert "kaputt.csv: rejected, nothing loaded (1 errors)" in err


def test_lang_en_in_the_environment_switches_to_english(fresh_db, files, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert main(["ingest", str(files[1])]) == 1
    assert "is negative" in capsys.readouterr().err


def test_ingest_missing_file_exits_2_and_loads_nothing(fresh_db, files, tmp_path, capsys):
    good, _ = files
    assert main(["ingest", str(good), str(tmp_path / "gibtsnicht.csv")]) == 2
    assert "gibtsnicht.csv: Datei nicht gefunden" in capsys.readouterr().err
    assert query(fresh_db, "SELECT count(*) FROM load_log") == [(0,)]


@pytest.mark.parametrize("argv", [[], ["ingest"], ["frobnicate"], ["rollback", "eins"],
                                  ["--lang", "fr", "loads"]])
def test_usage_errors_exit_2(fresh_db, argv):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2


def test_loads_lists_the_history(fresh_db, files, capsys):
    good, bad = files
    main(["ingest", str(good), str(bad), "--user", "mueller"])
    capsys.readouterr()
    assert main(["loads"]) == 0
    out = capsys.readouterr().out
    assert "meldung_kw45.csv" in out and "mueller" in out and "rejected" in out


def test_rollback_undoes_a_load_and_unknown_id_exits_1(fresh_db, files, capsys):
    good, _ = files
    main(["ingest", str(good)])
    assert main(["rollback", "1"]) == 0
    assert "Load 1 (meldung_kw45.csv) zurückgenommen" in capsys.readouterr().out
    assert query(fresh_db, "SELECT count(*) FROM current_rows") == [(0,)]
    assert main(["rollback", "1"]) == 0  # not active any more: nothing to do
    assert "nicht aktiv" in capsys.readouterr().out
    assert main(["rollback", "999"]) == 1
    assert "Unbekannte Load-ID 999" in capsys.readouterr().err


def test_command_line_as_a_fresh_process(tmp_path, files):
    good, bad = files
    env = {"RECEPTION_DB": str(tmp_path / "r.duckdb"), "RECEPTION_INBOX": str(tmp_path / "inbox")}
    assert run_etl("init", env=env).returncode == 0
    assert run_etl("ingest", str(good), "--user", "mueller", env=env).returncode == 0
    rejected = run_etl("ingest", str(bad), env=env, check=False)
    assert rejected.returncode == 1
    assert 'Zeile 3, Spalte Zugänge: "-4" ist negativ' in rejected.stderr
    assert run_etl("ingest", env=env, check=False).returncode == 2
    assert run_etl("rollback", "999", env=env, check=False).returncode == 1
    assert run_etl("loads", env=env).returncode == 0


ALL_COMMANDS = [["init"], ["ingest"], ["weekly"], ["loads"], ["rollback"], ["backup"],
                ["restore"], ["user"], ["user", "add"], ["user", "list"], ["user", "remove"],
                ["user", "passwd"], ["forecast"]]


@pytest.fixture(autouse=True)
def _german_unless_asked(monkeypatch):
    """Help and messages follow LANG: these tests read the German ones unless they ask."""
    monkeypatch.delenv("LANG", raising=False)


def help_of(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("argv", ALL_COMMANDS, ids=" ".join)
def test_every_command_help_has_a_worked_example_and_its_exit_codes(argv, capsys):
    text = help_of(argv, capsys)
    example = text.split("Beispiel:\n", 1)[1]
    assert example.startswith("  $ ") and "python -m etl " + " ".join(argv) in example
    exits = text.split("Exit-Status:\n", 1)[1]
    assert exits.startswith("  0  ") and re.search(r"\n  2  .*Aufruf falsch", exits)


@pytest.mark.parametrize("argv", ALL_COMMANDS, ids=" ".join)
def test_every_command_help_is_english_with_lang_en(argv, capsys):
    german = help_of(argv, capsys)
    text = help_of(["--lang", "en", *argv], capsys)
    assert text != german and "Beispiel" not in text and "Vorgabe" not in text
    example = text.split("Example:\n", 1)[1]
    assert example.startswith("  $ ") and argv[-1] in example
    exits = text.split("Exit status:\n", 1)[1]
    assert exits.startswith("  0  ") and re.search(r"\n  2  .*wrong call", exits)


def test_help_follows_lang_from_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert "Examples:\n  python -m etl init --demo" in help_of([], capsys)
    assert "Beispiele:" in help_of(["--lang", "de"], capsys)


def test_top_level_help_lists_every_command_without_markup(capsys):
    text = help_of([], capsys)
    assert "``" not in text and "::" not in text and ":class:" not in text
    for argv in ALL_COMMANDS:
        assert f"\n    {argv[0]} " in text
    assert "Beispiele:\n  python -m etl init --demo" in text


def test_ingest_help_names_its_files_and_shows_an_example(capsys):
    text = help_of(["ingest"], capsys)
    assert "usage: python -m etl ingest [-h] [--user NAME] [--confirm] FILE [FILE ...]" in text
    assert "$ python -m etl ingest meldung_kw45.csv kaputt.csv --user mueller" in text


def test_loads_csv_is_machine_readable(fresh_db, files, capsys):
    import csv
    import io

    main(["ingest", str(files[0]), str(files[1]), "--user", "mueller"])
    capsys.readouterr()
    assert main(["loads", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["load_id"], r["file_name"], r["status"], r["loaded_by"]) for r in rows] == [
        ("1", "meldung_kw45.csv", "loaded", "mueller"), ("2", "kaputt.csv", "rejected", "mueller")]
    assert rows[1]["errors"] == "1" and rows[0]["districts"] == "1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", rows[0]["loaded_at"])
    assert rows[0]["rolled_back_at"] == ""


def test_loads_json_is_machine_readable(fresh_db, files, capsys):
    import json

    main(["ingest", str(files[0])])
    main(["rollback", "1", "--user", "chef"])
    capsys.readouterr()
    assert main(["loads", "--json"]) == 0
    [load] = json.loads(capsys.readouterr().out)
    assert load["load_id"] == 1 and load["status"] == "rolled_back"
    assert load["rolled_back_by"] == "chef" and len(load["sha256"]) == 64
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", load["rolled_back_at"])


def test_loads_of_an_empty_history_in_json_is_an_empty_list(fresh_db, capsys):
    assert main(["loads", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"


def test_loads_takes_one_format_only(fresh_db):
    with pytest.raises(SystemExit) as stop:
        main(["loads", "--csv", "--json"])
    assert stop.value.code == 2


@pytest.mark.parametrize(("option", "content", "says"), [
    ("--districts", "ags,name\n16051,Erfurt\n", "Spalten fehlen: kind, population"),
    ("--districts", "ags,name,kind,population\n16051,Erfurt,Bezirk,1\n", "unbekannte Art"),
    ("--districts", None, "Kreisreferenz nicht gefunden"),
    ("--key", "ags;share_percent\n16051;10\n", "Spalten fehlen: ags, share_percent"),
    ("--key", "ags,share_percent\nErfurt,10\n", "5-stelligen Kreisschlüssel"),
    ("--key", "ags,share_percent\n16051,viel\n", "keine Zahl"),
])
def test_init_with_a_bad_reference_file_says_why_exits_1_and_changes_nothing(
        fresh_db, tmp_path, option, content, says):
    bad = tmp_path / "bad.csv"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    before = query(fresh_db, "SELECT count(*) FROM districts UNION ALL "
                             "SELECT count(*) FROM distribution_key")
    result = run_etl("init", option, str(bad), env={"RECEPTION_DB": str(fresh_db)}, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Referenzdatei abgelehnt, nichts geändert: ")
    assert says in result.stderr and "bad.csv" in result.stderr
    assert query(fresh_db, "SELECT count(*) FROM districts UNION ALL "
                           "SELECT count(*) FROM distribution_key") == before
