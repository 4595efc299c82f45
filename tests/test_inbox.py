"""The weekly inbox run: loaded files to archive/, rejected ones to rejected/ with a report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from etl.cli import main
from tests.conftest import ROOT
from tests.etl_support import HEADER_DE, csv_bytes, query, xlsx_bytes

GOOD = csv_bytes([HEADER_DE, ["16051", "Erfurt", "2024-W45", "25", "10", "800", "640"]])
BAD = csv_bytes([HEADER_DE, ["16051", "Erfurt", "2024-W45", "25", "10", "800", "640"],
                 ["16067", "Gotha", "KW 45/2024", "-4", "3", "1.250", "1.100"]])


def inbox_of(db_path: Path) -> Path:
    inbox = Path(os.environ["RECEPTION_INBOX"])
    inbox.mkdir(parents=True, exist_ok=True)
    return inbox


def test_weekly_run_archives_loaded_files_and_exits_0(fresh_db):
    inbox = inbox_of(fresh_db)
    (inbox / "erfurt_kw45.csv").write_bytes(GOOD)
    (inbox / "gera_kw45.xlsx").write_bytes(
        xlsx_bytes([HEADER_DE, ["16052", "Gera", "2024-W45", 7, 2, 300, 310]]))
    assert main(["weekly"]) == 0
    archived = sorted(p.name for p in (inbox / "archive").iterdir())
    assert [name.split("_", 1)[1] for name in archived] == ["erfurt_kw45.csv", "gera_kw45.xlsx"]
    assert all(name[:8].isdigit() for name in archived)  # prefixed with the time of the run
    assert not [p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")]
    assert query(fresh_db, "SELECT file_name, source, status FROM loads ORDER BY load_id") == [
        ("erfurt_kw45.csv", "inbox", "loaded"), ("gera_kw45.xlsx", "inbox", "loaded")]
    # the app reads the snapshot: the run published it after its last load
    snapshot = fresh_db.with_name(fresh_db.name + ".snapshot")
    assert query(snapshot, "SELECT count(*) FROM loads") == [(2,)]


def test_weekly_run_moves_rejected_file_with_error_report_and_exits_1(fresh_db, capsys):
    inbox = inbox_of(fresh_db)
    (inbox / "a_gut.csv").write_bytes(GOOD)
    (inbox / "b_kaputt.csv").write_bytes(BAD)
    assert main(["weekly"]) == 1
    rejected = sorted(p.name for p in (inbox / "rejected").iterdir())
    assert len(rejected) == 2
    data_file, report_file = rejected
    assert data_file.endswith("_b_kaputt.csv") and report_file == data_file + ".errors.csv"
    assert (inbox / "rejected" / data_file).read_bytes() == BAD
    report = pd.read_csv(inbox / "rejected" / report_file, sep=None, engine="python",
                         encoding="utf-8-sig", dtype=str)
    # a value that starts like a formula is defused for spreadsheets
    assert report.iloc[0].tolist() == ["3", "Zugänge", "'-4", "Fehler", '"-4" ist negativ', "negative"]
    assert [p.name.split("_", 1)[1] for p in (inbox / "archive").iterdir()] == ["a_gut.csv"]
    assert 'Zeile 3, Spalte Zugänge: "-4" ist negativ' in capsys.readouterr().err
    # nothing of the rejected file is in force
    assert query(fresh_db, "SELECT count(*) FROM current_rows") == [(1,)]


def test_weekly_run_reports_in_english_with_lang_en(fresh_db):
    inbox = inbox_of(fresh_db)
    (inbox / "kaputt.csv").write_bytes(BAD)
    assert main(["--lang", "en", "weekly"]) == 1
    report = pd.read_csv(next((inbox / "rejected").glob("*.errors.csv")), sep=None,
                         engine="python", encoding="utf-8-sig", dtype=str)
    assert report.columns.tolist()[:5] == ["Line", "Column", "Value", "Severity", "Message"]
    assert report.Message.tolist() == ['"-4" is negative']


def test_weekly_run_archives_an_already_loaded_file_as_duplicate(fresh_db):
    inbox = inbox_of(fresh_db)
    (inbox / "kw45.csv").write_bytes(GOOD)
    assert main(["weekly"]) == 0
    (inbox / "kw45_nochmal.csv").write_bytes(GOOD)
    assert main(["weekly"]) == 0
    assert len(list((inbox / "archive").iterdir())) == 2
    assert query(fresh_db, "SELECT count(*) FROM load_log") == [(1,)]


def test_weekly_run_on_an_empty_inbox_exits_0(fresh_db, capsys):
    inbox_of(fresh_db)
    assert main(["weekly"]) == 0
    assert "ist leer" in capsys.readouterr().out


def test_weekly_run_leaves_other_files_alone(fresh_db):
    inbox = inbox_of(fresh_db)
    (inbox / "notiz.pdf").write_bytes(b"%PDF-1.4")
    (inbox / ".versteckt.csv").write_bytes(GOOD)
    assert main(["weekly"]) == 0
    assert sorted(p.name for p in inbox.iterdir() if p.is_file() and p.name != ".weekly.lock") == [
        ".versteckt.csv", "notiz.pdf"]


def test_two_weekly_runs_started_together_process_each_file_once(fresh_db):
    inbox = inbox_of(fresh_db)
    names = []
    for i in range(6):
        name = f"kreis_{i}.csv"
        names.append(name)
        ags = f"160{51 + i}" if i < 5 else "16061"
        (inbox / name).write_bytes(csv_bytes([["AGS", "Woche", "Zugänge"], [ags, "2024-W45", str(i)]]))
    (inbox / "z_kaputt.csv").write_bytes(BAD)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.Popen([sys.executable, "-m", "etl", "weekly"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outcomes = [(run.wait(timeout=120), run.stderr.read().decode()) for run in runs]
    for run in runs:
        run.stdout.close()
        run.stderr.close()
    # one run found the files, the other an empty inbox
    assert sorted(code for code, _ in outcomes) == [0, 1], outcomes
    archived = sorted(p.name.split("_", 1)[1] for p in (inbox / "archive").iterdir())
    assert archived == names
    assert len(list((inbox / "rejected").glob("*_z_kaputt.csv"))) == 1
    assert query(fresh_db, "SELECT file_name, count(*) FROM load_log GROUP BY 1 ORDER BY 1") == [
        *[(name, 1) for name in names], ("z_kaputt.csv", 1)]
    # nothing is left behind in the inbox (the lock file is hidden)
    assert not [p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")]
