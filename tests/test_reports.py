"""Every accepted report format loads, and loads the same figures."""

from __future__ import annotations

from datetime import date

import pytest

from tests.etl_support import (
    HEADER_DE,
    assert_loaded,
    csv_bytes,
    current,
    ingest,
    query,
    rendered,
    xlsx_bytes,
)

MONDAY = date(2024, 11, 4)  # ISO week 45/2024


def test_ingest_accepts_windows1252_semicolon_german_numbers(fresh_db):
    data = csv_bytes([HEADER_DE, ["16067000", "Gotha, Landkreis", "KW 45/2024", "12", "3", "1.250",
                                  "1.100"]], encoding="cp1252")
    assert b"Zug\xe4nge" in data  # really Windows-1252, not UTF-8
    result = assert_loaded(ingest(data))
    assert result.rows == 1
    assert current(fresh_db) == [("16067", MONDAY, "", 12, 3, 1250, 1100)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"], ids=["without_bom", "with_bom"])
def test_ingest_accepts_utf8_with_and_without_bom(fresh_db, encoding):
    data = csv_bytes([HEADER_DE, ["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640"]],
                     encoding=encoding)
    assert data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    assert_loaded(ingest(data))
    assert current(fresh_db) == [("16051", MONDAY, "", 25, 10, 800, 640)]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_ingest_accepts_comma_semicolon_and_tab_delimiters(fresh_db, delimiter):
    data = csv_bytes([HEADER_DE, ["16051", "Erfurt", "2024-W45", "25", "10", "800", "640"],
                      ["16052", "Gera", "2024-W45", "7", "2", "300", "310"]], delimiter=delimiter)
    assert_loaded(ingest(data))
    assert current(fresh_db) == [("16051", MONDAY, "", 25, 10, 800, 640),
                                 ("16052", MONDAY, "", 7, 2, 300, 310)]


def test_ingest_accepts_crlf_line_endings(fresh_db):
    data = csv_bytes([HEADER_DE, ["16051", "Erfurt", "2024-W45", "25", "10", "800", "640"]],
                     newline="\r\n")
    assert_loaded(ingest(data))
    assert current(fresh_db) == [("16051", MONDAY, "", 25, 10, 800, 640)]


def test_ingest_accepts_german_thousands_and_whole_decimal_comma(fresh_db):
    data = csv_bytes([HEADER_DE, ["16051", "Erfurt", "KW 45/2024", "3,0", "0", "1.250", "12.345"]])
    assert_loaded(ingest(data))
    assert current(fresh_db) == [("16051", MONDAY, "", 3, 0, 1250, 12345)]


def test_ingest_accepts_quoted_german_numbers_with_comma_delimiter(fresh_db):
    data = (b'ags,week,arrivals,capacity,occupied\n'
            b'16051,2024-W45,"3,0","1.250","1.000"\n')
    assert_loaded(ingest(data))
    assert current(fresh_db) == [("16051", MONDAY, "", 3, None, 1250, 1000)]


def test_ingest_accepts_english_headers_in_any_case_and_spacing(fresh_db):
    data = b" AGS , Week ,ARRIVALS, Departures ,Capacity,occupied\n16053,2024-W45,5,1,200,150\n"
    assert_loaded(ingest(data))
    assert current(fresh_db) == [("16053", MONDAY, "", 5, 1, 200, 150)]


def test_ingest_matches_headers_written_without_umlauts(fresh_db):
    data = b"Kreisschluessel;Kalenderwoche;Zugaenge;Abgaenge;Kapazitaet;Belegt\n16053;45/2024;5;1;200;150\n"
    assert_loaded(ingest(data))
    assert current(fresh_db) == [("16053", MONDAY, "", 5, 1, 200, 150)]


def test_ingest_reads_first_sheet_of_xlsx(fresh_db):
    data = xlsx_bytes([HEADER_DE, [16067, "Gotha", "KW 45/2024", 12, 3, 1250, 1100],
                       ["16052", "Gera", "KW 45/2024", 4, 0, 300, 280]],
                      extra_sheet=[["Kreis", "Woche", "Zugänge"], ["Atlantis", "KW 1/2024", -1]])
    result = assert_loaded(ingest(data, "meldung.xlsx"))
    assert result.inspection.read.file_kind == "xlsx"
    assert current(fresh_db) == [("16052", MONDAY, "", 4, 0, 300, 280),
                                 ("16067", MONDAY, "", 12, 3, 1250, 1100)]


def test_xlsx_with_title_lines_counts_lines_from_the_first_row(fresh_db):
    data = xlsx_bytes([["Meldung Unterbringung KW 45/2024"], [], HEADER_DE,
                       [16067, "Gotha", "KW 45/2024", -4, 3, 1250, 1100]])
    result = ingest(data, "meldung.xlsx")
    assert result.status == "rejected"
    assert rendered(result) == ['Zeile 4, Spalte Zugänge: "-4" ist negativ']


def test_title_lines_above_header_are_skipped_and_lines_count_from_file_start(fresh_db):
    rows = [["Meldung Unterbringung KW 45/2024"], [], HEADER_DE,
            ["16067", "Gotha", "KW 45/2024", "12", "3", "1.250", "1.100"],
            ["16052", "Gera", "KW 45/2024", "-4", "0", "300", "280"]]
    result = ingest(csv_bytes(rows))
    assert result.status == "rejected"
    assert result.inspection.read.header_line == 3
    assert rendered(result) == ['Zeile 5, Spalte Zugänge: "-4" ist negativ']


def test_line_numbers_stay_right_after_blank_lines_in_the_body(fresh_db):
    rows = [HEADER_DE, ["16067", "Gotha", "KW 45/2024", "1", "0", "10", "5"], [], [],
            ["16052", "Gera", "KW 45/2024", "x", "0", "10", "5"]]
    result = ingest(csv_bytes(rows))
    assert rendered(result) == ['Zeile 5, Spalte Zugänge: "x" ist keine Zahl']


def test_total_row_empty_rows_and_empty_trailing_columns_are_ignored(fresh_db):
    rows = [HEADER_DE + ["", ""],
            ["16051", "Erfurt", "KW 45/2024", "25", "10", "800", "640", "", ""],
            ["", "", "", "", "", "", "", "", ""],
            ["16052", "Gera", "KW 45/2024", "7", "2", "300", "310", "", ""],
            [],
            ["Summe", "", "", "32", "12", "1.100", "950", "", ""]]
    result = assert_loaded(ingest(csv_bytes(rows)))
    assert result.rows == 2
    assert current(fresh_db) == [("16051", MONDAY, "", 25, 10, 800, 640),
                                 ("16052", MONDAY, "", 7, 2, 300, 310)]


def test_gesamt_row_in_the_district_column_is_ignored(fresh_db):
    rows = [["Kreis", "Woche", "Zugänge"], ["Gera", "KW 45/2024", "7"],
            ["Gesamt", "KW 45/2024", "7"]]
    assert assert_loaded(ingest(csv_bytes(rows))).rows == 1


@pytest.mark.parametrize("name, ags", [
    ("Gotha, Landkreis", "16067"), ("Lkr. Gotha", "16067"), ("LK Gotha", "16067"),
    ("Landkreis Gotha", "16067"), ("Stadt Gera", "16052"), ("Gera, Stadt", "16052"),
    ("Gera, kreisfreie Stadt", "16052"), ("Kyffhaeuserkreis", "16065"),
    ("Kyffhäuserkreis", "16065"), ("  SÖMMERDA ", "16068"), ("Saale-Holzland-Kreis", "16074"),
])
def test_usual_forms_of_a_district_name_are_recognised(fresh_db, name, ags):
    data = csv_bytes([["Kreis", "Woche", "Zugänge"], [name, "KW 45/2024", "5"]])
    assert_loaded(ingest(data))
    assert current(fresh_db) == [(ags, MONDAY, "", 5, None, None, None)]


@pytest.mark.parametrize("key", ["16067", "16067000", "16 067"])
def test_five_and_eight_digit_district_keys_are_accepted(fresh_db, key):
    data = csv_bytes([["Kreisschlüssel", "Woche", "Zugänge"], [key, "KW 45/2024", "5"]])
    assert_loaded(ingest(data))
    assert current(fresh_db)[0][0] == "16067"


@pytest.mark.parametrize("week", ["2024-W45", "2024W45", "KW 45/2024", "KW45/2024", "45/2024",
                                  "kw 45/2024", "45.2024"])
def test_week_forms_map_to_the_iso_week_monday(fresh_db, week):
    data = csv_bytes([["AGS", "Woche", "Zugänge"], ["16051", week, "5"]])
    assert_loaded(ingest(data))
    assert current(fresh_db)[0][1] == MONDAY


def test_first_iso_week_of_a_year_can_begin_in_december(fresh_db):
    data = csv_bytes([["AGS", "Woche", "Zugänge"], ["16051", "2025-W01", "5"]])
    assert_loaded(ingest(data))
    assert current(fresh_db)[0][1] == date(2024, 12, 30)


@pytest.mark.parametrize("day", ["2024-11-04", "04.11.2024", "06.11.2024", "2024-11-10",
                                 "10.11.24"])
def test_date_forms_map_to_the_iso_week_monday(fresh_db, day):
    data = csv_bytes([["AGS", "Stichtag", "Zugänge"], ["16051", day, "5"]])
    assert_loaded(ingest(data))
    assert current(fresh_db)[0][1] == MONDAY


def test_xlsx_date_cells_map_to_the_iso_week_monday(fresh_db):
    data = xlsx_bytes([["AGS", "Datum", "Zugänge"], ["16051", date(2024, 11, 7), 5]])
    assert_loaded(ingest(data, "meldung.xlsx"))
    assert current(fresh_db)[0][1] == MONDAY


def test_facility_rows_sum_to_district_figures_in_weekly(fresh_db):
    rows = [HEADER_DE + ["Unterkunft", "Unterkunftsart"],
            ["16067", "Gotha", "KW 45/2024", "5", "1", "200", "180", "GU Am Stadtpark", "GU"],
            ["16067", "Gotha", "KW 45/2024", "3", "0", "50", "55", "Notunterkunft Halle",
             "Notunterkunft"],
            ["16067", "Gotha", "KW 45/2024", "2", "2", "40", "30", "Wohnungen Ohrdruf", "Wohnung"]]
    result = assert_loaded(ingest(csv_bytes(rows)))
    assert result.rows == 3
    assert query(fresh_db, "SELECT arrivals, departures, capacity, occupied, free_places, reported "
                           "FROM weekly WHERE ags = '16067' AND week = ?", [MONDAY]) == [
        (10, 3, 290, 265, 25, True)]
    types = query(fresh_db, "SELECT facility, facility_type FROM current_rows ORDER BY 1")
    assert types == [("GU Am Stadtpark", "GU"), ("Notunterkunft Halle", "Notunterkunft"),
                     ("Wohnungen Ohrdruf", "Wohnung")]


def test_occupied_above_capacity_is_a_warning_and_loads(fresh_db):
    data = csv_bytes([HEADER_DE, ["16052", "Gera", "KW 45/2024", "7", "2", "300", "330"]])
    result = assert_loaded(ingest(data))
    assert rendered(result, severity="warning") == [
        "Zeile 2, Spalte Belegung: Belegung 330 liegt über der Kapazität 300 (Überbelegung)"]
    assert query(fresh_db, "SELECT free_places FROM weekly WHERE ags = '16052'") == [(-30,)]


def test_unrecognised_columns_are_ignored_with_a_warning(fresh_db):
    data = csv_bytes([["AGS", "Woche", "Zugänge", "Bemerkung"], ["16051", "KW 45/2024", "5", "ok"]])
    result = assert_loaded(ingest(data))
    assert result.inspection.read.ignored_columns == ["Bemerkung"]
