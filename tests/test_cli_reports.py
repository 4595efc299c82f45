"""``python -m etl ingest`` with the report shapes of issue 12: people read only the project's
own sentences (German, English with --lang en); machines get JSON lines with --log-json."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_etl
from tests.corpus.make_corpus import CASES


def write(folder: Path, *names: str) -> list[str]:
    paths = []
    for name in names:
        path = folder / name
        path.write_bytes(CASES[name][0]())
        paths.append(str(path))
    return paths


def test_ingest_prints_only_plain_sentences_and_no_event_lines(fresh_db: Path,
                                                               tmp_path: Path) -> None:
    files = write(tmp_path, "meldung.ods", "csv_named.xlsx", "mit_kennwort.xlsx", "meldung.xls")
    result = run_etl("ingest", *files, check=False)
    assert result.returncode == 1
    assert "mit_kennwort.xlsx: Die Datei ist mit einem Kennwort geschützt; bitte ohne Kennwort " \
           "speichern und erneut senden" in result.stderr
    assert result.stdout.count("geladen als Load") == 3  # .ods, CSV named .xlsx, .xls
    for stream in (result.stdout, result.stderr):
        assert "{" not in stream and "Traceback" not in stream and "Warning" not in stream
        assert "Error" not in stream


def test_ingest_in_english_and_with_a_json_log(fresh_db: Path, tmp_path: Path) -> None:
    files = write(tmp_path, "meldung.xlsx", "leeres_feld_nach_woche.csv")
    log = tmp_path / "ingest.jsonl"
    result = run_etl("--lang", "en", "--log-json", str(log), "ingest", *files, check=False)
    assert result.returncode == 1
    assert ('leeres_feld_nach_woche.csv: Line 2, column H: "640" lies right of the header row, '
            "which ends with column G (Belegung)") in result.stderr
    assert "{" not in result.stderr
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    events = [r for r in records if r["event"] == "ingest"]
    assert [(r["file"], r["status"]) for r in events] == [
        ("meldung.xlsx", "loaded"), ("leeres_feld_nach_woche.csv", "rejected")]
    assert events[0]["rows"] == 22 and len(events[0]["sha256"]) == 64
