"""``python -m etl forecast FILE [--horizon H]`` as in CONTRACT.md: CSV in, CSV out, exit 0/1/2."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from etl.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *argv: str) -> tuple[int, list[dict], str]:
    status = main(["forecast", *argv])
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out))) if status == 0 else []
    return status, rows, captured.err


def test_two_weekly_series_get_h_rows_each_from_their_own_end(tmp_path, capsys):
    path = tmp_path / "zugaenge.csv"
    lines = ["series,date,value"]
    lines += [f"Erfurt,2024-01-{d:02d},10" for d in (1, 8, 15, 22, 29)]
    lines += [f"Gotha,2024-02-{d:02d},4" for d in (5, 12, 19)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, rows, _ = run(capsys, str(path), "--horizon", "3")
    assert status == 0
    assert list(rows[0]) == ["series", "date", "forecast", "lower", "upper"]
    assert [(r["series"], r["date"]) for r in rows] == [
        ("Erfurt", "2024-02-05"), ("Erfurt", "2024-02-12"), ("Erfurt", "2024-02-19"),
        ("Gotha", "2024-02-26"), ("Gotha", "2024-03-04"), ("Gotha", "2024-03-11")]
    assert {r["forecast"] for r in rows if r["series"] == "Erfurt"} == {"10.0"}
    assert rows[3]["lower"] == "4.0" and rows[3]["upper"] == "4.0"  # constant: no spread


def test_one_monthly_series_without_a_series_column_defaults_to_8_rows(capsys):
    status, rows, _ = run(capsys, str(ROOT / "data" / "series" / "asylum_applicants_de_monthly_eurostat.csv"))
    assert status == 0 and len(rows) == 8
    assert rows[0]["date"] == "2019-05-01" and rows[-1]["date"] == "2019-12-01"
    assert {r["series"] for r in rows} == {""}
    for row in rows:
        assert float(row["lower"]) <= float(row["forecast"]) <= float(row["upper"])
    widths = [float(r["upper"]) - float(r["lower"]) for r in rows]
    assert widths[-1] > widths[0]


@pytest.mark.parametrize("content, message", [
    ("x,y\n1,2\n", "Spalten date und value"),
    ("date,value\n2024-01-01,3\nkein Datum,4\n", "Zeile 3"),
    ("date,value\n2024-01-01,3\n2024-01-08,-1\n", "Zeile 3"),
    ("date,value\n2024-01-01,3\n2024-01-04,4\n", "weder wöchentlich"),
    ("date,value\n2024-01-01,3\n2024-01-01,4\n", "zweimal"),
])
def test_a_bad_file_exits_1_with_a_message(tmp_path, capsys, content, message):
    path = tmp_path / "kaputt.csv"
    path.write_text(content, encoding="utf-8")
    status, _, err = run(capsys, str(path))
    assert status == 1 and message in err


def test_usage_errors_exit_2(tmp_path, capsys):
    assert run(capsys, str(tmp_path / "fehlt.csv"))[0] == 2
    path = tmp_path / "ok.csv"
    path.write_text("date,value\n2024-01-01,3\n", encoding="utf-8")
    assert run(capsys, str(path), "--horizon", "0")[0] == 2
    with pytest.raises(SystemExit) as exit_:
        main(["forecast"])
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        main(["forecast", str(path), "--horizon", "acht"])
    assert exit_.value.code == 2
