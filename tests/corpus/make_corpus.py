"""The report corpus of issue 12: report files in the shapes districts really send, each with
its expected outcome.

    python tests/corpus/make_corpus.py DIR      # writes DIR/<file> and DIR/manifest.json

``CASES`` maps a file name to (bytes builder, expected outcome). The outcome is either
``{"rows": N}`` (loads N rows; ``"arrivals": S`` their sum, ``"warning": CODE`` a warning it
must carry) or ``{"code": CODE, "line": L}`` (refused; the first error has that code and line,
``None`` where the problem is the whole file). Names are what a data officer would call the
file; the reader never looks at them (a CSV named ``.xlsx`` is one of the cases).
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DISTRICTS = [tuple(line.split(",")[:2]) for line in
             (ROOT / "data" / "districts_thueringen.csv").read_text(encoding="utf-8").splitlines()[1:]
             if line.strip()]
DE = ["Kreisschlüssel", "Kreis", "Woche", "Zugänge", "Abgänge", "Kapazität", "Belegung"]
WEEK = "KW 45/2024"


def rows22(arrivals: int = 10) -> list[list[object]]:
    """The 22 Thuringian districts, one row each; arrivals 10, 11, ... (sum 22*10 + 231)."""
    return [[ags, name, WEEK, arrivals + i, 3, 1250, 1100] for i, (ags, name) in
            enumerate(DISTRICTS)]


SUM22 = sum(10 + i for i in range(len(DISTRICTS)))


def text(rows: list[list[object]], delimiter: str = ";", newline: str = "\n",
         encoding: str = "utf-8") -> bytes:
    def cell(value: object) -> str:
        value = "" if value is None else str(value)
        if any(ch in value for ch in (delimiter, "\n", "\r", '"')):
            return '"' + value.replace('"', '""') + '"'
        return value
    return (newline.join(delimiter.join(cell(c) for c in row) for row in rows)
            + newline).encode(encoding)


def raw(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---------------------------------------------------------------- spreadsheet writers

def xlsx(rows: list[list[object]], first: list[list[object]] | None = None,
         far: str | None = None, formula: bool = False) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    if first is not None:  # notes on the first sheet, the report on the second
        sheet.title = "Hinweise"
        for row in first:
            sheet.append(row)
        sheet = book.create_sheet("Meldung")
    else:
        sheet.title = "Meldung"
    for row in rows:
        sheet.append(row)
    if far == "format":  # Excel's and Gnumeric's formatted empty cell at the sheet's end
        sheet.cell(1048576, 16384).font = Font(bold=True)
    elif far == "value":
        sheet.cell(1048576, 16384, "x")
    if formula:  # as scripts write formulas: no cached value in the file
        sheet.cell(3, 6, "=F2+10")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ods(rows: list[list[object]], first: list[list[object]] | None = None,
        repeat: bool = False, far: bool = False, formula: bool = False) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()

    def table(name: str, content: list[list[object]]) -> Table:
        sheet = Table(name=name)
        for number, row in enumerate(content, start=1):
            element = TableRow()
            for position, value in enumerate(row):
                if formula and number == 3 and position == 5:
                    element.addElement(TableCell(formula="of:=[.F2]+10"))
                elif value is None or value == "":
                    element.addElement(TableCell())
                elif isinstance(value, (int, float)):
                    cell = TableCell(valuetype="float", value=value)
                    cell.addElement(P(text=str(value)))
                    element.addElement(cell)
                else:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=str(value)))
                    element.addElement(cell)
            if repeat:
                element.addElement(TableCell(numbercolumnsrepeated=16000))
            sheet.addElement(element)
        if repeat:  # LibreOffice's formatted rest of the sheet
            rest = TableRow(numberrowsrepeated=1048000)
            rest.addElement(TableCell(numbercolumnsrepeated=16384))
            sheet.addElement(rest)
        if far:
            row = TableRow(numberrowsrepeated=1)
            row.addElement(TableCell(numbercolumnsrepeated=16000))
            cell = TableCell(valuetype="string")
            cell.addElement(P(text="x"))
            row.addElement(cell)
            sheet.addElement(row)
        return sheet

    if first is not None:
        doc.spreadsheet.addElement(table("Hinweise", first))
    doc.spreadsheet.addElement(table("Meldung", rows))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def xls(rows: list[list[object]], far: bool = False) -> bytes:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Meldung")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    if far:
        sheet.write(65535, 255, "x")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def encrypted(data: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("geheim", out)
    return out.getvalue()


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# ---------------------------------------------------------------- the cases

TITLE = [["Meldung Unterbringung KW 45/2024"], []]
ONE = [["16051", "Erfurt", WEEK, 25, 10, 800, 640]]


def loads(rows: int, **more: object) -> dict:
    return {"rows": rows, **more}


def refused(code: str, line: int | None = None) -> dict:
    return {"code": code, "line": line}


CASES: dict[str, tuple[Callable[[], bytes], dict]] = {
    # --- CSV as office software exports it
    "semikolon_utf8.csv": (lambda: text([DE] + rows22()), loads(22, arrivals=SUM22)),
    "excel_windows1252.csv": (lambda: text([DE] + rows22(), encoding="cp1252"), loads(22)),
    "mit_bom.csv": (lambda: text([DE] + rows22(), encoding="utf-8-sig"), loads(22)),
    "utf16_tab.txt": (lambda: text([DE] + rows22(), "\t", "\r\n", "utf-16"), loads(22)),
    "komma_crlf.csv": (lambda: text([DE] + rows22(), ",", "\r\n"), loads(22)),
    "nur_cr.csv": (lambda: text([DE] + rows22(), ";", "\r"), loads(22)),
    "titelzeilen.csv": (lambda: text(TITLE + [DE] + rows22()), loads(22)),
    "summenzeile.csv": (lambda: text([DE] + rows22() + [["Summe", "", "", SUM22, 66, 0, 0]]),
                        loads(22)),
    "bemerkung_mit_zeilenumbruch.csv": (
        lambda: text([DE + ["Bemerkung"]] + [r + ["Zeile eins\nZeile zwei"] for r in rows22()]),
        loads(22, arrivals=SUM22)),
    "zeilenumbruch_dann_fehler.csv": (  # record 2 spans lines 2-3: the bad cell is on line 4
        lambda: text([DE + ["Bemerkung"], ONE[0] + ["Alt+Enter\nim Feld"],
                      ["16052", "Gera", WEEK, "viele", 1, 300, 200, ""]]),
        refused("not_a_number", 4)),
    "unterkunft_mit_zeilenumbruch.csv": (
        lambda: text([["Kreisschlüssel", "Woche", "Unterkunft", "Zugänge", "Kapazität"],
                      ["16051", WEEK, "GU\nNord", 5, 100], ["16051", WEEK, "GU Süd", 2, 50]]),
        loads(2)),
    "duenne_leerzeichen.csv": (lambda: text([DE, ["16051", "Erfurt", WEEK, 1, 0,
                                                  "1\u2009250", "1\u2009100"]]), loads(1)),
    "schmales_geschuetztes_leerzeichen.csv": (
        lambda: text([DE, ["16051", "Erfurt", WEEK, 1, 0, "1\u202f250", "1\u202f100"]]), loads(1)),
    "geschuetztes_leerzeichen.csv": (
        lambda: text([DE, ["16051", "Erfurt", WEEK, 1, 0, "1\u00a0250", "1\u00a0100"]]), loads(1)),
    "english_underscores.csv": (
        lambda: text([["district_key", "iso_week", "arrivals", "departures", "capacity",
                       "occupied"], ["16051", "2024-W45", 1, 0, 10, 5]], ","), loads(1)),
    "english_spaces.csv": (
        lambda: text([["District Key", "ISO Week", "Arrivals", "Facility Type", "Capacity"],
                      ["16051", "2024-W45", 1, "GU", 10]], ","), loads(1)),
    "csv_named.xlsx": (lambda: text([DE] + rows22()), loads(22)),
    "csv_named.ods": (lambda: text([DE] + rows22(), ","), loads(22)),
    "trennzeichen_am_zeilenende.csv": (lambda: raw([";".join(DE) + ";"] + [
        ";".join(map(str, r)) + ";" for r in rows22()]), loads(22)),
    "leere_spalten_am_ende.csv": (lambda: raw([";".join(DE) + ";;;"] + [
        ";".join(map(str, r)) + ";;;" for r in rows22()]), loads(22)),
    "leerzeilen.csv": (lambda: raw([";".join(DE), "", ";".join(map(str, ONE[0])), "   ", ""]),
                       loads(1)),
    "leeres_feld_nach_woche.csv": (  # would shift every figure one column to the right
        lambda: raw([";".join(DE), "16051;Erfurt;KW 45/2024;;25;10;800;640",
                     "16052;Gera;KW 45/2024;7;2;300;310"]), refused("cells_beyond_header", 2)),
    "zehntes_feld.csv": (
        lambda: raw([";".join(DE), "16051;Erfurt;KW 45/2024;25;10;800;640",
                     "16052;Gera;KW 45/2024;7;2;300;310;;99"]), refused("cells_beyond_header", 3)),
    "zelle_unter_leerer_ueberschrift.csv": (
        lambda: raw([";".join(DE) + ";", "16051;Erfurt;KW 45/2024;25;10;800;640;9"]),
        refused("cells_beyond_header", 2)),
    "woche_und_datum_passen.csv": (
        lambda: text([["Kreisschlüssel", "Woche", "Stichtag", "Zugänge"],
                      ["16051", WEEK, "04.11.2024", 1], ["16052", WEEK, "10.11.2024", 2]]),
        loads(2)),
    "woche_und_datum_widersprechen.csv": (
        lambda: text([["Kreisschlüssel", "Woche", "Stichtag", "Zugänge"],
                      ["16051", WEEK, "04.11.2024", 1], ["16052", WEEK, "11.11.2024", 2]]),
        refused("week_date_mismatch", 3)),
    "woche_und_datum_widersprechen.xlsx": (
        lambda: xlsx([["Kreisschlüssel", "Woche", "Datum", "Zugänge"],
                      ["16051", WEEK, __import__("datetime").date(2024, 10, 28), 1]]),
        refused("week_date_mismatch", 2)),
    "doppelte_spalte.csv": (
        lambda: text([["Kreis", "Woche", "Zugänge", "Zuweisungen"], ["Erfurt", WEEK, 1, 2]]),
        refused("duplicate_column", 1)),
    "anfuehrungszeichen_offen.csv": (
        lambda: raw([";".join(DE), '16051;Erfurt;KW 45/2024;"25;10;800;640',
                     "16052;Gera;KW 45/2024;7;2;300;310"]), refused("unclosed_quote", 2)),
    "negativ_mit_titel.csv": (lambda: text(TITLE + [DE, ONE[0], ["16052", "Gera", WEEK, -4, 1,
                                                                 300, 200]]),
                              refused("negative", 5)),
    "unbekannter_kreis.csv": (lambda: text([DE, ["99999", "Atlantis", WEEK, 1, 1, 10, 5]]),
                              refused("unknown_district", 2)),
    # --- Excel (.xlsx)
    "meldung.xlsx": (lambda: xlsx([DE] + rows22()), loads(22, arrivals=SUM22)),
    "formatierte_letzte_zelle.xlsx": (lambda: xlsx(TITLE + [DE] + rows22(), far="format"),
                                      loads(22)),
    "wert_in_letzter_zelle.xlsx": (lambda: xlsx([DE] + rows22(), far="value"),
                                   refused("file_too_complex")),
    "formel_ohne_wert.xlsx": (lambda: xlsx([DE] + rows22(), formula=True),
                              refused("formula_without_value")),
    "zweites_blatt.xlsx": (lambda: xlsx([DE] + rows22(), first=[["Bitte Blatt 2 ausfüllen"]]),
                           loads(22, warning="sheet_used")),
    "zelle_rechts_der_kopfzeile.xlsx": (
        lambda: xlsx([DE, ONE[0] + [None, "Notiz"]]), refused("cells_beyond_header", 2)),
    "text_statt_zahl.xlsx": (lambda: xlsx([DE, ONE[0], ["16052", "Gera", WEEK, "viele", 0, 10,
                                                        5]]), refused("not_a_number", 3)),
    "titelzeilen_fehler.xlsx": (lambda: xlsx(TITLE + [DE, ["16052", "Gera", WEEK, -4, 0, 10,
                                                           5]]), refused("negative", 4)),
    "datum_als_exceldatum.xlsx": (
        lambda: xlsx([["Kreisschlüssel", "Stichtag", "Zugänge"],
                      ["16051", __import__("datetime").date(2024, 11, 4), 3]]), loads(1)),
    "zeilenumbruch_in_zelle.xlsx": (
        lambda: xlsx([["Kreisschlüssel", "Woche", "Unterkunft", "Zugänge"],
                      ["16051", WEEK, "GU\nNord", 5]]), loads(1)),
    "mit_kennwort.xlsx": (lambda: encrypted(xlsx([DE] + rows22())), refused("file_encrypted")),
    "abgeschnitten.xlsx": (lambda: xlsx([DE] + rows22())[:2000], refused("file_damaged")),
    # --- LibreOffice Calc (.ods)
    "meldung.ods": (lambda: ods([DE] + rows22()), loads(22, arrivals=SUM22)),
    "wiederholte_leere_zellen.ods": (lambda: ods(TITLE + [DE] + rows22(), repeat=True),
                                     loads(22)),
    "wert_weit_draussen.ods": (lambda: ods([DE] + rows22(), repeat=True, far=True),
                               refused("file_too_complex")),
    "zweites_blatt.ods": (lambda: ods([DE] + rows22(), first=[["Hinweise"]]),
                          loads(22, warning="sheet_used")),
    "formel_ohne_wert.ods": (lambda: ods([DE] + rows22(), formula=True),
                             refused("formula_without_value")),
    "fehler_zeile.ods": (lambda: ods([DE, ONE[0], ["16052", "Gera", WEEK, 1, 0, "x", 5]]),
                         refused("not_a_number", 3)),
    # --- Excel 97-2003 (.xls)
    "meldung.xls": (lambda: xls([DE] + rows22()), loads(22, arrivals=SUM22)),
    "titelzeilen.xls": (lambda: xls(TITLE + [DE] + rows22()), loads(22)),
    "wert_weit_draussen.xls": (lambda: xls([DE] + rows22(), far=True),
                               refused("file_too_complex")),
    # --- not a report at all
    "leer.csv": (lambda: b"", refused("empty_file")),
    "bericht.zip": (lambda: zipped({"bericht.txt": "kein Excel"}), refused("file_zip_archive")),
    "meldung_als_zip.xlsx": (lambda: zipped({"meldung.csv": "a;b\n"}), refused("file_zip_archive")),
    "brief.docx": (lambda: zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}),
                   refused("file_document")),
    "scan.pdf": (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 8, refused("file_document")),
    "foto.csv": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, refused("file_binary")),
    "zufall.xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8,
                   refused("file_damaged")),
    "anschreiben.txt": (lambda: b"Sehr geehrte Damen und Herren,\nanbei die Meldung.\n",
                        refused("no_header", 1)),
}


def build(folder: Path) -> dict[str, dict]:
    """Write every case into ``folder`` with ``manifest.json``; returns the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name, (make, expected) in CASES.items():
        (folder / name).write_bytes(make())
        manifest[name] = expected
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False),
                                          encoding="utf-8")
    return manifest


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus"))
