"""Spreadsheets (.xlsx, .xlsb, .xls, .ods) as rows of text cells, at a bounded cost.

Read with ``python-calamine`` (Rust calamine): it reads only the cells that hold values, so a
formatted empty cell at XFD1048576 costs nothing (openpyxl copied the whole declared range
into Python lists: 10 GB for a 6 KB file). calamine does build one dense block from the first to
the last cell with a value, so a single value far away would still ask for billions of cells
(and abort the process). Hence, before calamine sees a file:

- ``.xlsx`` and ``.ods``: ``survey`` streams each sheet's XML once (expat, no tree kept) and
  finds the extent of the cells with values and the formula cells without a computed value.
  A file whose extent exceeds ``cell_budget`` is refused before anything is allocated.
- ``.xls`` and ``.xlsb`` (binary records, no cheap survey): calamine runs in a child process
  with an address-space limit (``memory_limit``) and a time limit; a file that needs more is
  refused with the same sentence, and the parent never holds more than the rows it gets back.

Then ``read_table`` takes the first worksheet whose first rows hold a recognisable header and
returns its header and the rows below it, each cut at the header's width (a filled cell beyond
the header is noted, not dropped: see ``Table.beyond``).
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError, XMLPullParser

from reception.ingest.headers import HEADER_SEARCH_LINES, find_header, labelled_width

CELLS_FIXED = 4_000_000  # dense cells any file may have (calamine: 32 bytes a cell)
XML_FIXED = 64 << 20  # bytes of sheet XML any file may unpack to
MEMORY_FIXED = 300 << 20  # the bound of CONTRACT/issue 12: 20x the file's size + 300 MB
CHILD_SECONDS = 60
BEYOND_LISTED = 1000
FORMULAS_LISTED = 10


class Refused(Exception):
    """The file cannot be read as a table; ``code`` names the plain sentence."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def cell_budget(size: int) -> int:
    """Dense cells a file of ``size`` bytes may ask for: within 20x its size + 300 MB."""
    return CELLS_FIXED + size // 2


def memory_limit(size: int) -> int:
    return MEMORY_FIXED + 20 * size


@dataclass
class SheetSurvey:
    name: str
    rows: int = 0  # extent of the cells with values (0 when none)
    columns: int = 0
    formula_cells: list[str] = field(default_factory=list)
    formula_count: int = 0


@dataclass
class Table:
    """The header and body of the sheet that was read; lines count from the sheet's first row."""

    sheet: str
    sheet_index: int
    sheets: int
    header_line: int
    labels: list[str | None]
    lines: list[int] = field(default_factory=list)
    body: list[list[str | None]] = field(default_factory=list)  # cut at the header's width
    beyond: list[tuple[int, str, str]] = field(default_factory=list)  # (line, cell, value)
    beyond_count: int = 0
    formula_cells: list[str] = field(default_factory=list)
    formula_count: int = 0


def column_letter(index: int) -> str:
    """0 -> 'A', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def cell_text(value: object) -> str | None:
    """A cell as text the validator parses: whole floats without '.0', others German."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    text = str(value)
    if "\n" in text or "\r" in text:  # Alt+Enter in a cell: one line, as on the careful CSV road
        text = " ".join(text.splitlines())
    return text


# ---------------------------------------------------------------- survey (.xlsx, .ods)
#
# The survey works row by row on the raw XML with regular expressions (no element objects):
# per row a few searches in C, and only rows with formulas or (.ods) values look at their
# cells. 3 million formatted empty cells take about a second, not the half minute of an
# element parser.

def _stream(part: io.BufferedIOBase, budget: list[int], end_tag: bytes) -> Iterable[bytes]:
    """The part's XML in pieces that end after an ``end_tag`` (so that no row is cut)."""
    rest = b""
    while True:
        chunk = part.read(4 << 20)
        budget[0] -= len(chunk)
        if budget[0] < 0:
            raise Refused("file_too_complex")
        if not chunk:
            if rest:
                yield rest
            return
        rest += chunk
        cut = rest.rfind(end_tag)
        if cut >= 0:
            cut += len(end_tag)
            yield rest[:cut]
            rest = rest[cut:]


# "up to the row's end tag" unrolled ([^<]* runs in C), not a lazy .*? tried at every byte
_XLSX_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>([^<]*(?:<(?!/(?:\w+:)?row>)[^<]*)*)"
                       rb"</(?:\w+:)?row>)")
_R_ATTR = re.compile(rb'\br="([A-Z]{1,3})?(\d*)"')
_XLSX_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_HAS_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)>")


def _cell_column(content: bytes, position: int, fallback: int) -> int:
    """Column of the cell whose tag is the last one starting before ``position``."""
    start = max(content.rfind(b"<c ", 0, position), content.rfind(b":c ", 0, position),
                content.rfind(b"<c>", 0, position))
    found = _R_ATTR.search(content, start, content.find(b">", start) + 1) if start >= 0 else None
    if found and found.group(1):
        return _column_index(found.group(1).decode())
    return fallback


def _survey_xlsx_part(archive: zipfile.ZipFile, name: str, sheet: str,
                      budget: list[int]) -> SheetSurvey:
    survey = SheetSurvey(sheet)
    bounds: list = [None] * 4  # min row, max row, min col, max col (0-based)
    row = -1
    with archive.open(name) as part:
        for piece in _stream(part, budget, b"row>"):
            for match in _XLSX_ROW.finditer(piece):
                attrs, content = match.group(1), match.group(2) or b""
                number = _R_ATTR.search(attrs)
                row = int(number.group(2)) - 1 if number and number.group(2) else row + 1
                first = _HAS_VALUE.search(content)
                if b"<f" in content or b":f" in content:
                    _formulas(survey, content, row)
                if first is None:
                    continue
                last = max(content.rfind(b"<v>"), content.rfind(b"<is>"), content.rfind(b":v>"),
                           content.rfind(b":is>"))
                _extend(bounds, row, _cell_column(content, first.start(), 0))
                _extend(bounds, row, _cell_column(content, last, content.count(b"<c") - 1))
    _set_extent(survey, bounds)
    return survey


def _formulas(survey: SheetSurvey, content: bytes, row: int) -> None:
    """The formula cells of a row that carry no computed value."""
    for position, cell in enumerate(_XLSX_CELL.finditer(content)):
        inner = cell.group(2) or b""
        if (b"<f" in inner or b":f" in inner) and not _HAS_VALUE.search(inner):
            ref = _R_ATTR.search(cell.group(1))
            column = (_column_index(ref.group(1).decode()) if ref and ref.group(1) else position)
            survey.formula_count += 1
            if len(survey.formula_cells) < FORMULAS_LISTED:
                survey.formula_cells.append(f"{column_letter(column)}{row + 1}")


def _extend(bounds: list, row: int, col: int) -> None:
    if bounds[0] is None:
        bounds[:] = [row, row, col, col]
        return
    bounds[0], bounds[1] = min(bounds[0], row), max(bounds[1], row)
    bounds[2], bounds[3] = min(bounds[2], col), max(bounds[3], col)


def _set_extent(survey: SheetSurvey, bounds: list) -> None:
    if bounds[0] is not None:
        survey.rows = bounds[1] - bounds[0] + 1
        survey.columns = bounds[3] - bounds[2] + 1


def _xlsx_sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part name) in workbook order."""
    def parse(name: str) -> list:
        parser = XMLPullParser(events=("start",))
        parser.feed(archive.read(name)[: 16 << 20])
        return [element for _, element in parser.read_events()]

    targets = {}
    rels = "xl/_rels/workbook.xml.rels"
    if rels in archive.namelist():
        for element in parse(rels):
            if _local(element.tag) == "Relationship":
                target = element.get("Target") or ""
                target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                targets[element.get("Id")] = os.path.normpath(target).replace("\\", "/")
    sheets = []
    for element in parse("xl/workbook.xml"):
        if _local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            sheets.append((element.get("name") or "", targets.get(rid, "")))
    return sheets


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


_ODS_TOKEN = re.compile(
    rb'<table:table\b(?![-\w])([^>]*)>'
    rb'|<table:table-row\b([^>]*?)(?:/>|>([^<]*(?:<(?!/table:table-row>)[^<]*)*)'
    rb'</table:table-row>)')
_ODS_CELL = re.compile(
    rb"<table:(?:covered-)?table-cell\b([^>]*?)(?:/>|>(.*?)</table:(?:covered-)?table-cell>)",
    re.S)
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="(\d+)"')
_ODS_COLUMNS = re.compile(rb'table:number-columns-repeated="(\d+)"')


def _repeat(pattern: re.Pattern, attrs: bytes) -> int:
    found = pattern.search(attrs)
    return max(int(found.group(1)), 1) if found else 1


def _survey_ods(archive: zipfile.ZipFile, budget: list[int]) -> list[SheetSurvey]:
    surveys: list[SheetSurvey] = []
    bounds: list = [None] * 4
    row = 0
    with archive.open("content.xml") as part:
        for piece in _stream(part, budget, b"table-row>"):
            for match in _ODS_TOKEN.finditer(piece):
                if match.group(1) is not None:  # a new sheet
                    if surveys:
                        _set_extent(surveys[-1], bounds)
                    name = _ODS_NAME.search(match.group(1))
                    surveys.append(SheetSurvey(name.group(1).decode("utf-8", "replace")
                                               if name else ""))
                    bounds, row = [None] * 4, 0
                    continue
                repeat = _repeat(_ODS_ROWS, match.group(2))
                content = match.group(3) or b""
                if surveys and (b"value-type" in content or b"<text:" in content
                                or b"table:formula" in content):
                    _ods_row(surveys[-1], bounds, content, row, repeat)
                row += repeat
    if surveys:
        _set_extent(surveys[-1], bounds)
    return surveys


def _ods_row(survey: SheetSurvey, bounds: list, content: bytes, row: int, repeat: int) -> None:
    col = 0
    for cell in _ODS_CELL.finditer(content):
        attrs, inner = cell.group(1), cell.group(2) or b""
        width = _repeat(_ODS_COLUMNS, attrs)
        if b"value-type" in attrs or b"<text:" in inner:
            _extend(bounds, row, col)
            _extend(bounds, row + repeat - 1, col + width - 1)
        elif b"table:formula" in attrs:
            survey.formula_count += 1
            if len(survey.formula_cells) < FORMULAS_LISTED:
                survey.formula_cells.append(f"{column_letter(col)}{row + 1}")
        col += width


def survey(data: bytes, kind: str) -> list[SheetSurvey]:
    """The sheets of an .xlsx or .ods in workbook order, with extents and formula cells.
    Raises ``Refused`` for a file too large to read within the bound or not well formed."""
    budget = [XML_FIXED + 100 * len(data)]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if kind == "ods":
                surveys = _survey_ods(archive, budget)
            else:
                names = set(archive.namelist())
                surveys = [_survey_xlsx_part(archive, part, name, budget)
                           if part in names else SheetSurvey(name)
                           for name, part in _xlsx_sheet_parts(archive)]
    except Refused:
        raise
    except (ParseError, zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError,
            RuntimeError, NotImplementedError, zipfile.LargeZipFile) as error:
        raise Refused("file_damaged") from error
    if any(s.rows * s.columns > cell_budget(len(data)) for s in surveys):
        raise Refused("file_too_complex")
    return surveys


# ---------------------------------------------------------------- reading

def _open(data: bytes):
    import python_calamine

    return python_calamine.load_workbook(io.BytesIO(data))


def _worksheets(book) -> list[tuple[int, str]]:
    import python_calamine

    out = []
    for index, meta in enumerate(book.sheets_metadata):
        if meta.typ in (python_calamine.SheetTypeEnum.WorkSheet,):
            out.append((index, meta.name))
    return out


def _extract(book, surveys: dict[str, SheetSurvey] | None,
             header_finder: Callable = find_header) -> Table:
    sheets = _worksheets(book)
    for position, (index, name) in enumerate(sheets):
        sheet = book.get_sheet_by_index(index)
        start = sheet.start
        if start is None:
            continue
        first_row, first_col = start
        head: list[list[str | None]] = []
        rows = iter(sheet.iter_rows())
        for raw in rows:
            head.append(_texts(raw, first_col))
            if len(head) >= HEADER_SEARCH_LINES:
                break
        found = header_finder(head)
        if found is None:
            continue
        header_index, _ = found
        labels = head[header_index]
        width = labelled_width(labels)
        found_survey = (surveys or {}).get(name) or SheetSurvey(name)
        table = Table(name, position, len(sheets), first_row + header_index + 1, labels[:width],
                      formula_cells=found_survey.formula_cells,
                      formula_count=found_survey.formula_count)
        offset = first_row + 1
        for number, cells in enumerate(head[header_index + 1:], start=header_index + 1):
            _add(table, offset + number, cells, width)
        for number, raw in enumerate(rows, start=len(head)):
            _add(table, offset + number, _texts(raw, first_col), width)
        return table
    raise Refused("no_header_in_sheets", sheets=len(sheets))


def _texts(raw: list, first_col: int) -> list[str | None]:
    cells = [None] * first_col + [cell_text(v) for v in raw]
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def _add(table: Table, line: int, cells: list[str | None], width: int) -> None:
    if not cells:
        return
    if len(cells) > width:
        extra = next(((pos, c) for pos, c in enumerate(cells[width:], start=width)
                      if c is not None and c.strip()), None)
        if extra is not None:
            table.beyond_count += 1
            if len(table.beyond) < BEYOND_LISTED:
                table.beyond.append((line, f"{column_letter(extra[0])}{line}", extra[1]))
        cells = cells[:width]
    table.lines.append(line)
    table.body.append(cells)


def read_table(data: bytes, kind: str) -> Table:
    """The first sheet with a header of the spreadsheet ``data`` (``kind`` from ``sniff``).
    Raises ``Refused`` with the code of a plain sentence when it cannot be read."""
    if kind in ("xls", "xlsb"):
        return _read_in_child(data, kind)
    surveys = {s.name: s for s in survey(data, kind)}
    return _read_book(data, surveys)


def _read_book(data: bytes, surveys: dict[str, SheetSurvey] | None) -> Table:
    import python_calamine

    try:
        with _open(data) as book:
            return _extract(book, surveys)
    except Refused:
        raise
    except python_calamine.PasswordError as error:
        raise Refused("file_encrypted") from error
    except MemoryError as error:
        raise Refused("file_too_complex") from error
    except Exception as error:  # calamine raises its own kinds and plain ones on broken files
        if "password" in str(error).lower() or "encrypt" in str(error).lower():
            raise Refused("file_encrypted") from error
        if "limit" in str(error).lower():
            raise Refused("file_too_complex") from error
        raise Refused("file_damaged") from error


# ---------------------------------------------------------------- child process (.xls, .xlsb)

def _read_in_child(data: bytes, kind: str) -> Table:
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "RUST_BACKTRACE": "0"}
    seconds = CHILD_SECONDS + len(data) // (1 << 20) * 5
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from reception.ingest.spreadsheets import child_main; "
             f"child_main({memory_limit(len(data))})"],
            input=data, capture_output=True, timeout=seconds, env=env, check=False)
    except subprocess.TimeoutExpired as error:
        raise Refused("file_too_complex") from error
    if done.returncode != 0:
        # killed by the memory limit (abort, MemoryError) or broken beyond reading
        raise Refused("file_too_complex" if done.returncode < 0 or b"memory" in done.stderr.lower()
                      else "file_damaged")
    answer = json.loads(done.stdout)
    if "refused" in answer:
        raise Refused(answer["refused"], **answer.get("params", {}))
    table = Table(**answer["table"])
    table.beyond = [tuple(b) for b in table.beyond]
    return table


def child_main(limit: int) -> None:
    """In the child: read stdin as a workbook within ``limit`` bytes of address space, print
    the table (or the refusal) as JSON."""
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = sys.stdin.buffer.read()
    try:
        answer: dict = {"table": asdict(_read_book(data, None))}
    except Refused as refused:
        answer = {"refused": refused.code, "params": refused.params}
    sys.stdout.write(json.dumps(answer))
