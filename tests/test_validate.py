"""Each kind of error: the exact message (line and column), and that nothing of the file loads."""

from __future__ import annotations

import pytest

from tests.etl_support import (
    HEADER_DE,
    assert_loaded,
    counts,
    csv_bytes,
    ingest,
    query,
    rendered,
    xlsx_bytes,
)

GOOD = ["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"]
EXPECT = "(erwartet z. B. {})"


def reject(rows: list[list[str]], name: str = "meldung.csv", lang: str = "de") -> list[str]:
    result = ingest(csv_bytes(rows), name)
    assert result.status == "rejected"
    assert result.load_id is not None  # the rejection is in the load log
    return rendered(result, lang)


def test_negative_count_names_line_column_and_value(fresh_db):
    rows = [HEADER_DE, GOOD, ["16067", "Gotha", "KW 45/2024", "-4", "3", "1.250", "1.100"]]
    assert reject(rows) == ['Zeile 3, Spalte Zugänge: "-4" ist negativ']


def test_messages_switch_to_english(fresh_db):
    rows = [HEADER_DE, GOOD, ["16067", "Gotha", "KW 45/2024", "-4", "3", "1.250", "1.100"]]
    assert reject(rows, lang="en") == ['Line 3, column Zugänge: "-4" is negative']


@pytest.mark.parametrize("cells, message", [
    (["", "Atlantis"], 'Zeile 2, Spalte Kreis: "Atlantis" ist kein bekannter Kreis'),
    (["16099", ""], 'Zeile 2, Spalte Kreisschlüssel: "16099" ist kein bekannter Kreis'),
    (["", "Gothaa"], 'Zeile 2, Spalte Kreis: "Gothaa" ist kein bekannter Kreis – meinten Sie Gotha?'),
    (["16067", "Gera"],
     'Zeile 2, Spalte Kreis: Kreisschlüssel 16067 (Gotha) passt nicht zum Kreis "Gera"'),
])
def test_unknown_or_contradictory_district_is_rejected(fresh_db, cells, message):
    assert reject([HEADER_DE, [*cells, "KW 45/2024", "1", "0", "10", "5"]]) == [message]


@pytest.mark.parametrize("header, value", [("Kreis", "Eisenach"), ("Kreisschlüssel", "16056"),
                                           ("Kreis", "Stadt Eisenach")])
def test_eisenach_message_says_it_belongs_to_wartburgkreis(fresh_db, header, value):
    messages = reject([[header, "Woche", "Zugänge"], [value, "KW 45/2024", "3"]])
    assert messages == [
        f'Zeile 2, Spalte {header}: "{value}" gibt es nicht mehr: Eisenach gehört seit 01.07.2021 '
        "zu Wartburgkreis (16063); bitte unter Wartburgkreis melden"]


@pytest.mark.parametrize("value, message", [
    ("zwölf", '"zwölf" ist keine Zahl'),
    ("12 Personen", '"12 Personen" ist keine Zahl'),
    ("1.25", '"1.25" ist keine ganze Zahl'),
    ("2,5", '"2,5" ist keine ganze Zahl'),
    ("99999999999", '"99999999999" ist unplausibel groß'),
])
def test_unparseable_number_is_rejected(fresh_db, value, message):
    rows = [["AGS", "Woche", "Zugänge"], ["16051", "KW 45/2024", value]]
    assert reject(rows) == [f"Zeile 2, Spalte Zugänge: {message}"]


@pytest.mark.parametrize("value", ["31.02.2024", "2024-13-01", "gestern", "04.11.0024"])
def test_unparseable_date_is_rejected(fresh_db, value):
    rows = [["AGS", "Datum", "Zugänge"], ["16051", value, "2"]]
    assert reject(rows) == [f'Zeile 2, Spalte Datum: "{value}" ist kein gültiges Datum '
                            + EXPECT.format("04.11.2024 oder 2024-11-04")]


@pytest.mark.parametrize("value", ["KW 54/2024", "2024-W53", "nächste Woche", "45/1899"])
def test_unparseable_week_is_rejected(fresh_db, value):
    rows = [["AGS", "Woche", "Zugänge"], ["16051", value, "2"]]
    assert reject(rows) == [f'Zeile 2, Spalte Woche: "{value}" ist keine gültige Kalenderwoche '
                            + EXPECT.format("KW 45/2024 oder 2024-W45")]


def test_week_53_exists_only_in_long_years(fresh_db):
    rows = [["AGS", "Woche", "Zugänge"], ["16051", "2020-W53", "2"]]
    assert_loaded(ingest(csv_bytes(rows)))


def test_duplicate_rows_for_the_same_key_are_rejected(fresh_db):
    rows = [["AGS", "Woche", "Zugänge"], ["16051", "KW 45/2024", "2"], ["16052", "KW 45/2024", "2"],
            ["16051", "2024-W45", "3"]]
    assert reject(rows) == ["Zeile 4: Doppelte Zeile: 16051 / 2024-11-04 steht schon in Zeile 2"]


def test_duplicate_facility_rows_name_the_facility(fresh_db):
    rows = [["AGS", "Woche", "Unterkunft", "Belegung"], ["16051", "KW 45/2024", "GU Nord", "2"],
            ["16051", "KW 45/2024", "GU Süd", "2"], ["16051", "KW 45/2024", "GU Nord", "3"]]
    assert reject(rows) == [
        "Zeile 4: Doppelte Zeile: 16051 / 2024-11-04 / GU Nord steht schon in Zeile 2"]


def test_missing_district_or_week_in_a_row_is_rejected(fresh_db):
    rows = [HEADER_DE, ["", "", "KW 45/2024", "1", "0", "10", "5"],
            ["16051", "Erfurt", "", "1", "0", "10", "5"]]
    assert reject(rows) == ["Zeile 2, Spalte Kreis: Kreis fehlt",
                            "Zeile 3, Spalte Woche: Woche bzw. Datum fehlt"]


def test_every_problem_of_a_file_is_reported_at_once(fresh_db):
    rows = [HEADER_DE, ["16067", "Gotha", "KW 45/2024", "-4", "x", "10", "5"],
            ["", "Atlantis", "KW 99/2024", "1", "0", "10", "5"], GOOD]
    assert sorted(reject(rows)) == sorted([
        'Zeile 2, Spalte Abgänge: "x" ist keine Zahl',
        'Zeile 2, Spalte Zugänge: "-4" ist negativ',
        'Zeile 3, Spalte Woche: "KW 99/2024" ist keine gültige Kalenderwoche '
        + EXPECT.format("KW 45/2024 oder 2024-W45"),
        'Zeile 3, Spalte Kreis: "Atlantis" ist kein bekannter Kreis',
    ])


@pytest.mark.parametrize("data, name, message", [
    (b"", "leer.csv", "Die Datei ist leer"),
    (b"\r\n  \r\n", "leer.csv", "Die Datei ist leer"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "bild.csv",
     "Die Datei ist keine Tabelle (weder CSV noch Excel- oder LibreOffice-Tabelle)"),
    (b"PK\x03\x04kaputt", "meldung.xlsx",
     "Die Datei ist beschädigt und lässt sich nicht lesen; bitte in Excel oder LibreOffice "
     "öffnen, neu speichern und erneut senden"),
    (b"Sehr geehrte Damen und Herren,\nanbei die Meldung.\n", "brief.txt",
     "Zeile 1: Keine Kopfzeile gefunden; erwartet werden Spalten wie Kreis, Woche, Zugänge, "
     "Kapazität, Belegung"),
])
def test_empty_file_or_not_a_table_is_rejected(fresh_db, data, name, message):
    result = ingest(data, name)
    assert result.status == "rejected"
    assert rendered(result) == [message]


@pytest.mark.parametrize("rows, message", [
    ([["AGS", "Zugänge"], ["16051", "2"]], "Zeile 1: Pflichtspalte fehlt: Woche oder Datum"),
    ([["Woche", "Zugänge", "Datum"], ["KW 45/2024", "2", ""]],
     "Zeile 1: Pflichtspalte fehlt: Kreis oder Kreisschlüssel"),
    ([["AGS", "Woche", "Bemerkung"], ["16051", "KW 45/2024", "x"]],
     "Zeile 1: Keine Kennzahl-Spalte gefunden (Zugänge, Abgänge, Kapazität oder Belegung)"),
    ([["AGS", "Woche", "Zugänge"]], "Zeile 1: Die Tabelle enthält keine Datenzeilen"),
    ([["AGS", "Woche", "Zugänge", "Zuweisungen"], ["16051", "KW 45/2024", "1", "2"]],
     'Zeile 1, Spalte Zuweisungen: Die Spalte meint dasselbe wie Spalte "Zugänge"; bitte eine '
     "der beiden entfernen oder umbenennen"),
])
def test_table_without_the_needed_columns_or_rows_is_rejected(fresh_db, rows, message):
    assert reject(rows) == [message]


def test_broken_xlsx_cell_is_reported_with_its_excel_line(fresh_db):
    data = xlsx_bytes([HEADER_DE, [16051, "Erfurt", "KW 45/2024", 1, 0, 10, 5],
                       [16052, "Gera", "KW 45/2024", "viele", 0, 10, 5]])
    result = ingest(data, "meldung.xlsx")
    assert rendered(result) == ['Zeile 3, Spalte Zugänge: "viele" ist keine Zahl']


def test_rejected_file_loads_nothing(fresh_db):
    assert_loaded(ingest(csv_bytes([HEADER_DE, GOOD]), "erste.csv"))
    before = counts(fresh_db)
    weekly_before = query(fresh_db, "SELECT * FROM weekly ORDER BY ags, week")
    rows = [HEADER_DE, ["16052", "Gera", "KW 46/2024", "7", "2", "300", "310"],
            ["16053", "Jena", "KW 46/2024", "7", "2", "300", "310"],
            ["16067", "Gotha", "KW 46/2024", "-4", "3", "1.250", "1.100"]]
    reject(rows, "zweite.csv")
    assert counts(fresh_db) == before
    assert query(fresh_db, "SELECT * FROM weekly ORDER BY ags, week") == weekly_before
    assert query(fresh_db, "SELECT file_name, status, rows FROM loads ORDER BY load_id") == [
        ("erste.csv", "loaded", 1), ("zweite.csv", "rejected", 0)]


def test_every_warning_is_counted_and_the_first_thousand_listed(fresh_db):
    # 1,200 facilities over capacity in one week: the file loads, with 1,200 warnings
    header = ["Kreisschlüssel", "Woche", "Unterkunft", "Kapazität", "Belegung"]
    rows = [header] + [["16051", "2024-W45", f"Haus {n}", "10", "11"] for n in range(1200)]
    result = assert_loaded(ingest(csv_bytes(rows), "voll.csv"))
    validation = result.inspection.validation
    assert validation.warning_count == 1200
    listed = [p for p in validation.problems if p.code == "over_capacity"]
    assert len(listed) == 1000 and [p.line for p in listed[:2]] == [2, 3]
    assert query(fresh_db, "SELECT warnings FROM load_log WHERE load_id = ?",
                 [result.load_id]) == [(1200,)]


@pytest.mark.parametrize("label", ["Summe", "SUMME", "gesamt", "Insgesamt:", "Total", "summe KW 45"])
def test_total_rows_are_left_out_in_any_case(fresh_db, label):
    rows = [HEADER_DE, GOOD, [label, "", "KW 45/2024", "25", "10", "800", "640"]]
    result = assert_loaded(ingest(csv_bytes(rows), f"{label}.csv"))
    assert result.rows == 1


def test_a_facility_that_only_begins_like_a_total_row_is_loaded(fresh_db):
    header = ["Kreisschlüssel", "Woche", "Unterkunft", "Kapazität", "Belegung"]
    rows = [header, ["16051", "2024-W45", "Gesamtschule Nord", "10", "5"],
            ["16051", "2024-W45", "Summerhill", "10", "5"]]
    assert assert_loaded(ingest(csv_bytes(rows), "f.csv")).rows == 2
