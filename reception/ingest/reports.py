"""Reading report files: encoding, delimiter, title lines, header mapping, line numbers.

``read_report`` turns the bytes of a CSV or XLSX file into a DuckDB table (XLSX) or view (CSV)
``raw`` of text cells, one column per recognised canonical field plus ``line`` (the line number as
Excel shows it), in a connection the caller owns. Nothing here judges the values; that is
``reception.ingest.validate``. CSV parsing itself is DuckDB's ``read_csv`` over the whole file (no Python
loop per row), in parallel, into table ``raw_cells`` (cells trimmed, '' as NULL); DuckDB keeps a
file's order on insert, so a row's ``rowid`` there gives its line. The relations made here are
listed in ``reception.ingest`` (the package docstring).

Known limit: line numbers assume no quoted field spans several lines.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field

import duckdb

from reception.ingest.numbers import exact_number_sql, quick_number_sql, trimmed_sql
from reception.ingest.problems import Problem
from reception.reference.districts import UMLAUTS

CANONICAL_ALIASES: dict[str, tuple[str, ...]] = {
    "ags": ("ags", "kreisschluessel", "kreis-schluessel", "kreisnummer", "schluessel",
            "district_key"),
    "district": ("district", "kreis", "landkreis", "gebietskoerperschaft", "name", "kreisname"),
    "week": ("week", "woche", "kalenderwoche", "kw", "meldewoche", "iso_week"),
    "date": ("date", "datum", "stichtag", "meldedatum"),
    "arrivals": ("arrivals", "zugaenge", "zuweisungen", "zugang"),
    "departures": ("departures", "abgaenge", "abgang"),
    "capacity": ("capacity", "kapazitaet", "plaetze", "platzzahl"),
    "occupied": ("occupied", "belegung", "belegt", "belegte plaetze"),
    "facility": ("facility", "unterkunft", "einrichtung"),
    "facility_type": ("facility_type", "art", "unterkunftsart", "type"),
}
ALIAS_TO_CANONICAL = {alias: canon for canon, aliases in CANONICAL_ALIASES.items()
                      for alias in aliases}
MEASURES = ("arrivals", "departures", "capacity", "occupied")
DELIMITERS = (";", "\t", ",")
HEADER_SEARCH_LINES = 30


def header_key(label: str) -> str:
    """``' Zugänge (Personen) '`` -> ``'zugaenge'``: how header labels are compared."""
    text = unicodedata.normalize("NFC", str(label)).strip().strip('"').strip().lower()
    text = re.sub(r"\(.*?\)|\[.*?\]", "", text).translate(UMLAUTS)
    text = re.sub(r"[\s_]+", " ", text).strip(" :.")
    return text.replace(" ", "_") if text in {"facility type", "iso week"} else text


def canonical_for(label: str) -> str | None:
    return ALIAS_TO_CANONICAL.get(header_key(label))


@dataclass
class ReadResult:
    """What was recognised in a file; ``raw`` exists in the connection when ``ok``."""

    file_kind: str = "csv"
    encoding: str | None = None
    delimiter: str | None = None
    header_line: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> header label in the file
    ignored_columns: list[str] = field(default_factory=list)
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    temp_files: list[str] = field(default_factory=list)  # to delete once ``raw`` is consumed
    trimmed: bool = False  # cells of ``raw`` already trimmed, with '' as NULL
    # ``raw`` holds, for each measure, ``<measure>_cell`` (the cell as it was read, untrimmed)
    # instead of the trimmed text ``<measure>``, and ``<measure>_quick``: the quick guess at its
    # number (``numbers.quick_number_sql``), made once, in the parallel read; corrected from
    # table ``number_fix_<measure>`` for the measures in ``corrected``; ``number_cells_<measure>``
    # holds every distinct cell of the measure with its exact number
    numbers: bool = False
    corrected: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


@dataclass(frozen=True)
class OnDisk:
    """Where the bytes of a report also lie on disk, and that file's identity when they were
    read: DuckDB may then read the file itself instead of a temporary copy of the bytes."""

    path: str
    signature: tuple[int, int, int]  # (inode, size, mtime in ns)

    @classmethod
    def of(cls, path: str | os.PathLike) -> OnDisk:
        return cls(str(path), _signature(path))

    def unchanged(self, data: bytes) -> bool:
        try:
            return self.signature == _signature(self.path) and self.signature[1] == len(data)
        except OSError:
            return False


def _signature(path: str | os.PathLike) -> tuple[int, int, int]:
    stat = os.stat(path)
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def read_report(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str,
                on_disk: OnDisk | None = None) -> ReadResult:
    """Parse ``data`` into table ``raw`` in ``con``; problems explain what could not be read.
    ``on_disk``: the file ``data`` was read from, if it still holds exactly these bytes."""
    if not data or data.isspace():
        return ReadResult(problems=[Problem("empty_file")])
    if data[:4] == b"PK\x03\x04" or file_name.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(con, data)
    return _read_csv(con, data, on_disk)


# ---------------------------------------------------------------- header detection (shared)

def _find_header(rows: list[list[str]]) -> tuple[int, list[str | None]] | None:
    """Index of the header among the first rows and the canonical name of each of its cells."""
    best: tuple[int, int, list[str | None]] | None = None
    for index, cells in enumerate(rows[:HEADER_SEARCH_LINES]):
        mapped = [canonical_for(c) if c is not None and str(c).strip() else None for c in cells]
        found = {m for m in mapped if m}
        identifies = found & {"ags", "district", "week", "date"}
        score = len(found)
        if score >= 2 and identifies and (best is None or score > best[1]):
            best = (index, score, mapped)
            if score >= 4:
                break
    return None if best is None else (best[0], best[2])


def _map_columns(
    labels: list[str], mapped: list[str | None], header_line: int, result: ReadResult
) -> list[tuple[int, str]]:
    """(position, canonical) of the used columns; records ignored and doubled columns."""
    used: list[tuple[int, str]] = []
    for position, (label, canonical) in enumerate(zip(labels, mapped)):
        label = (label or "").strip()
        if canonical is None:
            if label:
                result.ignored_columns.append(label)
                result.problems.append(Problem("ignored_column", header_line, label,
                                               severity="warning"))
            continue
        if canonical in result.columns:
            result.problems.append(Problem(
                "duplicate_column", header_line, label,
                params={"canonical": canonical, "other": result.columns[canonical]}))
            continue
        result.columns[canonical] = label
        used.append((position, canonical))
    return used


# ---------------------------------------------------------------- CSV

def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    return "\x00" in sample or controls > max(3, len(sample) // 200)


def _split_line(line: str, delimiter: str) -> list[str]:
    import csv

    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # e.g. a cell above the csv module's field size limit (128 KiB)
        return line.split(delimiter)


def _read_csv(con: duckdb.DuckDBPyConnection, data: bytes,
              on_disk: OnDisk | None = None) -> ReadResult:
    # Where DuckDB can read the file on disk as it is, only the head of the bytes is decoded
    # here (header, delimiter); otherwise the whole text, for a UTF-8 copy.
    reader_encoding = _readable_as_is(data) if on_disk else None
    try:
        if reader_encoding:
            encoding = "utf-8" if reader_encoding == "utf-8" else "windows-1252"
            text = data[:200_000].decode(encoding, errors="replace")
        else:
            text, encoding = _decode(data)
    except UnicodeDecodeError as error:
        return ReadResult(problems=[Problem("not_a_table", params={"detail": str(error)[:80]})])
    result = ReadResult(file_kind="csv", encoding=encoding)
    if _looks_binary(text):
        result.problems.append(Problem("not_a_table", params={"detail": "Binärdaten"}))
        return result
    head_lines = text[:200_000].splitlines()[:HEADER_SEARCH_LINES]
    found = None
    for delimiter in DELIMITERS:
        candidate = _find_header([_split_line(line, delimiter) for line in head_lines])
        if candidate and (found is None or _score(candidate) > _score(found[1])):
            found = (delimiter, candidate)
    if found is None:
        result.problems.append(Problem("no_header", 1))
        return result
    delimiter, (header_index, mapped) = found
    labels = _split_line(head_lines[header_index], delimiter)
    result.delimiter, result.header_line = delimiter, header_index + 1
    used = _map_columns(labels, mapped, result.header_line, result)
    if not result.ok:
        return result
    # line breaks are the same single bytes in the file as characters in the text
    width = len(labels)
    try:
        # DuckDB reads the file the bytes came from where it can read them as they are (no
        # copy to write), and where that file still held these bytes after it was read
        direct = bool(reader_encoding) and on_disk.unchanged(data)
        if direct:
            result.corrected = _read_cells(con, on_disk.path, delimiter, header_index,
                                                width, used, reader_encoding)
            direct = on_disk.unchanged(data)
        if not direct:  # DuckDB reads a UTF-8 copy of the bytes
            if reader_encoding:
                text, encoding = _decode(data)
            body_path = _utf8_file(text, data, encoding)
            result.temp_files.append(body_path)
            result.corrected = _read_cells(con, body_path, delimiter, header_index, width,
                                                used)
        body = data if reader_encoding else text  # line breaks: single bytes in the file
        blank_offsets = ([] if _no_line_skipped(con, body, header_index)
                         else _blank_row_offsets(body, header_index))
        _define_raw_view(con, header_index, blank_offsets)
    except duckdb.Error as error:  # DuckDB's reader cannot parse the file
        result.problems.append(Problem(
            "not_a_table", params={"detail": str(error).splitlines()[0][:160]}))
        return result
    result.trimmed = result.numbers = True
    return result


def _score(candidate: tuple[int, list[str | None]]) -> int:
    return sum(1 for m in candidate[1] if m)


def _utf8_file(text: str, data: bytes, encoding: str) -> str:
    """DuckDB reads UTF-8; every report is handed to it as a UTF-8 temporary file."""
    handle = tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False)
    with handle:
        handle.write(data if encoding == "utf-8" else text.encode("utf-8"))
    return handle.name


_C1_CONTROLS = bytes(range(0x80, 0xA0))


def _readable_as_is(data: bytes) -> str | None:
    """The encoding under which DuckDB reads ``data`` as ``_decode`` would decode it, if there
    is one: UTF-8 without BOM, and Windows-1252 without its characters 0x80-0x9F (the euro
    sign, curly quotes, dashes), which is Latin-1 then. Checked on the bytes, without decoding
    all of them where that can be avoided."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None
    if data.isascii():
        return "utf-8"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # most of a German export is ASCII: only the other pieces are searched for 0x80-0x9F
    pieces = (data[start:start + (1 << 20)] for start in range(0, len(data), 1 << 20))
    clean = all(piece.isascii() or len(piece.translate(None, _C1_CONTROLS)) == len(piece)
                for piece in pieces)
    return "latin-1" if clean else None


def _quoted(text: str) -> str:
    """A SQL string literal of a value this module made (delimiter, encoding)."""
    return "'" + text.replace("'", "''") + "'"


def _read_cells(
    con: duckdb.DuckDBPyConnection, path: str, delimiter: str, header_index: int,
    width: int, used: list[tuple[int, str]], encoding: str = "utf-8",
) -> list[str]:
    """Table ``raw_cells``: the file's cells, trimmed, the measures as read (numbers are made
    from them in ``reception.ingest.validate``; returned: the measures whose quick guess needs the
    corrections of ``_correct_numbers``). The path goes in as a parameter; the
    reader's other options are inlined, every one of them made here (one of three delimiters,
    one of two encodings, integers), none comes from the file."""
    if encoding not in ("utf-8", "latin-1"):
        raise ValueError(encoding)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    # cells are trimmed as they are read ('' and blanks become NULL): ``ReadResult.trimmed``;
    # the measures are not: they are parsed as numbers in the same parallel pass, by a quick
    # guess that ``_correct_numbers`` then checks per distinct cell: ``ReadResult.numbers``
    cells = [f"c{position} AS {name}_cell, {quick_number_sql(f'c{position}')} AS {name}_quick"
             if name in MEASURES else f"{trimmed_sql(f'c{position}')} AS {name}"
             for position, name in used]
    reader = (f"read_csv(?, delim = {_quoted(delimiter)}, encoding = {_quoted(encoding)}, header = false, "
              f"skip = {int(header_index) + 1}, columns = {columns}, quote = '\"', escape = '\"', "
              "null_padding = true, strict_mode = false, auto_detect = false, all_varchar = true, "
              # the smallest buffer the line limit allows: more pieces for the threads to share
              "parallel = true, max_line_size = 10000000, buffer_size = 10000000)")
    # Read in parallel into a table: DuckDB keeps the file's order on insert (insertion order
    # is preserved), so ``rowid`` is the row's index among the file's non-empty lines.
    con.execute(f"CREATE OR REPLACE TEMP TABLE raw_cells AS SELECT {', '.join(cells)} "
                f"FROM {reader}", [path])
    return _correct_numbers(con, [name for _, name in used if name in MEASURES])


def _correct_numbers(con: duckdb.DuckDBPyConnection, measures: list[str]) -> list[str]:
    """Tables ``number_cells_<measure>``: the distinct cells of the measure with their exact
    number (``numbers.number_sql``), and ``number_fix_<measure>``: those for which the quick
    guess (``numbers.quick_number_sql``) differs from it. A column holds few distinct cells, so
    the exact rule runs a few hundred times, not once per row. Returns the measures that need a
    correction."""
    corrected = []
    for name in measures:
        cells, fix = f"number_cells_{name}", f"number_fix_{name}"
        # the distinct cells first, in a table of their own: a filter on them would otherwise
        # be pushed below the DISTINCT and run the exact rule on every row
        con.execute(f"CREATE OR REPLACE TEMP TABLE {cells} AS SELECT DISTINCT {name}_cell AS cell "
                    f"FROM raw_cells WHERE {name}_cell IS NOT NULL")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {cells} AS SELECT cell, "
                    f"{quick_number_sql('cell')} AS quick, {exact_number_sql('cell')} AS exact "
                    f"FROM {cells}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {fix} AS SELECT cell, exact FROM {cells} "
                    "WHERE quick IS DISTINCT FROM exact")
        if con.execute(f"SELECT count(*) FROM {fix}").fetchall()[0][0]:
            corrected.append(name)
    return corrected


def _define_raw_view(con: duckdb.DuckDBPyConnection, header_index: int,
                     blank_offsets: list[int]) -> None:
    """View ``raw``: ``raw_cells`` with each row's line number in the file (integers only)."""
    first_line = int(header_index) + 2
    con.execute("CREATE OR REPLACE TEMP TABLE blank_rows (a BIGINT)")
    line = f"row_index + {first_line}"
    if blank_offsets:
        con.executemany("INSERT INTO blank_rows VALUES (?)", [(a,) for a in blank_offsets])
        line += " + (SELECT count(*) FROM blank_rows WHERE a <= row_index)"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW raw AS SELECT *, CAST({line} AS INTEGER) AS line FROM "
        f"(SELECT rowid AS row_index, * FROM raw_cells)")


_BLANK_LINE = re.compile(r"^[ \t]*\r?$", re.MULTILINE)
_BLANK_LINE_BYTES = re.compile(rb"^[ \t]*\r?$", re.MULTILINE)


def _no_line_skipped(con: duckdb.DuckDBPyConnection, text: str | bytes, header_index: int) -> bool:
    """True when DuckDB read one row for every line below the header: then no empty line was
    skipped, and no search for one is needed (counting line breaks is much cheaper)."""
    nl = "\n" if isinstance(text, str) else b"\n"
    lines = text.count(nl) + (0 if not text or text.endswith(nl) else 1)
    rows = con.execute("SELECT count(*) FROM raw_cells").fetchall()[0][0]
    return rows == lines - (header_index + 1)


def _blank_row_offsets(text: str | bytes, header_index: int) -> list[int]:
    """DuckDB skips empty lines. For the k-th empty line below the header (k from 0), the row
    index from which on every row sits one line further down: line = index + first + #offsets<=index.
    ``text``: the decoded file, or its bytes (where line breaks are single bytes)."""
    nl, cr = ("\n", "\r") if isinstance(text, str) else (b"\n", b"\r")
    blank_line = _BLANK_LINE if isinstance(text, str) else _BLANK_LINE_BYTES
    body_start = _offset_after_line(text, header_index)
    end = len(text)  # the body without trailing line breaks (found without copying the text)
    while end > body_start and text[end - 1:end] in (nl, cr):
        end -= 1
    if not (text.startswith((nl, cr + nl), body_start, end)
            or text.find(nl + nl, body_start, end) >= 0
            or (text.find(cr, body_start, end) >= 0  # (one character: a quick search)
                and text.find(nl + cr + nl, body_start, end) >= 0)):
        return []
    first_line = header_index + 2
    offsets = []
    counted, breaks = 0, 0  # line breaks before position ``counted``, counted once
    for k, match in enumerate(m for m in blank_line.finditer(text, body_start)
                              if m.start() < end and not text[m.start():m.end()].strip()):
        breaks += text.count(nl, counted, match.start())
        counted = match.start()
        offsets.append(breaks + 1 - first_line - k)
    return offsets


def _offset_after_line(text: str | bytes, index: int) -> int:
    nl = "\n" if isinstance(text, str) else b"\n"
    position = 0
    for _ in range(index + 1):
        position = text.find(nl, position)
        if position < 0:
            return len(text)
        position += 1
    return position


# ---------------------------------------------------------------- XLSX

def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value).replace(".", ",")
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def _read_xlsx(con: duckdb.DuckDBPyConnection, data: bytes) -> ReadResult:
    import openpyxl
    import pandas as pd

    result = ReadResult(file_kind="xlsx", encoding="xlsx")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
    except Exception as error:  # openpyxl raises many kinds on malformed packages
        # the library's text, without its exception's name (no message shows one)
        result.problems.append(Problem("not_a_table", params={"detail": str(error)[:120] or "XLSX"}))
        return result
    found = _find_header(rows)
    if found is None:
        result.problems.append(Problem("no_header", 1))
        return result
    header_index, mapped = found
    result.header_line = header_index + 1
    used = _map_columns([c or "" for c in rows[header_index]], mapped, result.header_line, result)
    if not result.ok:
        return result
    body = rows[header_index + 1:]
    frame = pd.DataFrame(
        {canonical: pd.Series([r[pos] if pos < len(r) else None for r in body], dtype="string")
         for pos, canonical in used}
    )
    frame.insert(0, "row_index", pd.RangeIndex(len(body)))
    frame["line"] = pd.RangeIndex(len(body)) + header_index + 2
    con.register("xlsx_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM xlsx_frame")
    con.unregister("xlsx_frame")
    result.rows = len(body)
    return result
