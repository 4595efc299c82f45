"""Reading report files: what the file is, encoding, delimiter, title lines, header mapping,
line numbers.

``read_report`` turns the bytes of a report into a DuckDB table or view ``raw`` of text cells,
one column per recognised canonical field plus ``line`` (the line number as Excel shows it), in
a connection the caller owns. What the file is comes from its content (``sniff``); spreadsheets
(.xlsx, .xlsb, .xls, .ods) are read by ``spreadsheets``. Nothing here judges the values; that is
``reception.ingest.validate``.

CSV goes one of two roads. The fast one is DuckDB's ``read_csv`` over the whole file (no Python
loop per row), in parallel and strict, into table ``raw_cells`` (cells trimmed, '' as NULL);
DuckDB keeps a file's order on insert, so a row's ``rowid`` there gives its line. A file that
road cannot read exactly (a quoted cell with a line break, a row longer than the header, an
unclosed quote) goes the careful road: Python's csv module, record by record, with the
physical line each record starts on.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb

from reception.ingest import spreadsheets
from reception.ingest.headers import (
    ALIAS_TO_CANONICAL,
    CANONICAL_ALIASES,
    HEADER_SEARCH_LINES,
    MEASURES,
    canonical_for,
    find_header,
    header_key,
    labelled_width,
)
from reception.ingest.numbers import exact_number_sql, quick_number_sql, trimmed_sql
from reception.ingest.problems import Problem
from reception.ingest.sniff import sniff

log = logging.getLogger(__name__)

DELIMITERS = (";", "\t", ",")
# re-exported: the header rules live in ``headers`` (shared with ``spreadsheets``)
__all__ = ["ALIAS_TO_CANONICAL", "CANONICAL_ALIASES", "HEADER_SEARCH_LINES", "MEASURES",
           "OnDisk", "ReadResult", "canonical_for", "header_key", "read_report"]


@dataclass
class ReadResult:
    """What was recognised in a file; ``raw`` exists in the connection when ``ok``."""

    file_kind: str = "csv"  # csv, xlsx, xlsb, xls, ods: what the content is, not the name
    encoding: str | None = None
    sheet: str | None = None  # the sheet that was read (spreadsheets)
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
    What the file is comes from its content (``sniff``), never from ``file_name``.
    ``on_disk``: the file ``data`` was read from, if it still holds exactly these bytes."""
    if not data or data.isspace():
        return ReadResult(problems=[Problem("empty_file")])
    sniffed = sniff(data)
    if sniffed.refusal:
        return ReadResult(file_kind="", problems=[Problem(sniffed.refusal)])
    if sniffed.kind != "csv":
        return _read_spreadsheet(con, data, sniffed.kind)
    return _read_csv(con, data, on_disk)


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
            # named as the file names both columns, never by the internal field name
            result.problems.append(Problem(
                "duplicate_column", header_line, label,
                params={"other": result.columns[canonical]}))
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
    """Many control characters: not a text. A stray NUL byte in a text is its own problem
    (``_nul_byte``), named by line and column."""
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    return controls > max(3, len(sample) // 200)


def _nul_byte(data: bytes, text: str, encoding: str, delimiter: str | None,
              labels: list[str]) -> Problem | None:
    """A NUL byte (``\\x00``) in a text file: refused naming its line (physical, as Excel
    counts) and column (the header's label where the delimiter is known)."""
    body: str | bytes = text if encoding.startswith("utf-16") else data
    nul = "\x00" if isinstance(body, str) else b"\x00"
    position = body.find(nul)
    if position < 0:
        return None
    lines = _physical_lines(body[:position])
    prefix = lines[-1] if isinstance(lines[-1], str) else lines[-1].decode("latin-1")
    if delimiter is None:
        return Problem("nul_byte", len(lines), None, params={"position": len(prefix) + 1})
    index = _field_index(body[:position], delimiter)
    column = ((labels[index] or "").strip() if index < len(labels) else "") or \
        spreadsheets.column_letter(index)
    return Problem("nul_byte", len(lines), column, params={"position": len(prefix) + 1})


def _field_index(before: str | bytes, delimiter: str) -> int:
    """Which field of its record the text right after ``before`` lies in: the records are
    read from the file's start, so a quoted cell with a line break counts as one field."""
    text = before.decode("latin-1") if isinstance(before, bytes) else before
    if not text or text[-1] in "\r\n":  # the first field of a line (rarely: in a quoted cell)
        return 0
    last: list[str] = [""]
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            last = record or [""]
    except csv.Error:  # the text ends inside a quoted cell: that cell
        pass
    return max(len(last) - 1, 0)


def _split_line(line: str, delimiter: str) -> list[str]:
    import csv

    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # e.g. a cell above the csv module's field size limit (128 KiB)
        return line.split(delimiter)


def _read_csv(con: duckdb.DuckDBPyConnection, data: bytes,
              on_disk: OnDisk | None = None) -> ReadResult:
    """Two roads. The fast one: DuckDB's parallel ``read_csv`` (strict: a row with more fields
    than the header is an error there, not silently cut). Whatever it cannot read exactly as
    the file means it (a quoted cell with a line break, a row longer than the header, an
    unclosed quote) goes the careful road, ``_read_csv_records``: Python's csv module, which
    knows the physical line every record starts on."""
    # Where DuckDB can read the file on disk as it is, only the head of the bytes is decoded
    # here (header, delimiter); otherwise the whole text, for a UTF-8 copy.
    reader_encoding = _readable_as_is(data) if on_disk else None
    try:
        if reader_encoding:
            encoding = "utf-8" if reader_encoding == "utf-8" else "windows-1252"
            text = data[:200_000].decode(encoding, errors="replace")
        else:
            text, encoding = _decode(data)
    except UnicodeDecodeError:
        return ReadResult(problems=[Problem("file_damaged")])
    result = ReadResult(file_kind="csv", encoding=encoding)
    if _looks_binary(text):
        result.problems.append(Problem("file_binary"))
        return result
    head_lines = _physical_lines(text[:200_000])[:HEADER_SEARCH_LINES]
    found = None
    for delimiter in DELIMITERS:
        candidate = find_header([_split_line(line, delimiter) for line in head_lines])
        if candidate and (found is None or _score(candidate) > _score(found[1])):
            found = (delimiter, candidate)
    if found is None:
        result.problems.append(_nul_byte(data, text, encoding, None, [])
                               or Problem("no_header", 1))
        return result
    delimiter, (header_index, mapped) = found
    labels = _split_line(head_lines[header_index], delimiter)
    nul = _nul_byte(data, text, encoding, delimiter, labels)
    if nul is not None:
        result.problems.append(nul)
        return result
    result.delimiter, result.header_line = delimiter, header_index + 1
    used = _map_columns(labels, mapped, result.header_line, result)
    if not result.ok:
        return result
    try:
        _read_csv_fast(con, data, text, encoding, reader_encoding, on_disk, delimiter,
                       header_index, labels, used, result)
    except (duckdb.Error, _Unusual) as error:  # the careful road reads it exactly
        log.debug("careful CSV road: %s", str(error).splitlines()[0][:200])
        if reader_encoding:
            text, encoding = _decode(data)
        _read_csv_records(con, text, delimiter, header_index, labels, used, result)
    return result


TRAILING_READ = 16


class _Unusual(Exception):
    """The fast road read a file whose shape it cannot represent exactly."""


def _physical_lines(text: str | bytes) -> list:
    """Lines as a spreadsheet user counts them: broken at CR, LF or CRLF only
    (``str.splitlines`` also breaks at form feeds and other separators)."""
    return re.split(rb"\r\n|\r|\n" if isinstance(text, bytes) else r"\r\n|\r|\n", text)


def _read_csv_fast(con: duckdb.DuckDBPyConnection, data: bytes, text: str, encoding: str,
                   reader_encoding: str | None, on_disk: OnDisk | None, delimiter: str,
                   header_index: int, labels: list[str], used: list[tuple[int, str]],
                   result: ReadResult) -> None:
    # line breaks are the same single bytes in the file as characters in the text
    labelled = labelled_width(labels)
    # empty trailing labels (Excel's ';;;'): a few are read and checked here; a row with
    # more fields than that is an error for the strict reader, and goes the careful road
    width = min(len(labels), labelled + TRAILING_READ)
    body = data if reader_encoding else text  # line breaks: single bytes in the file
    # the byte search for longer rows (0,1 s for 50 MB, holding the GIL) runs beside DuckDB's
    # reading (which frees it)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="longer-rows") as beside:
        longer = beside.submit(_may_have_longer_rows, body, delimiter, len(labels))
        _read_into_cells(con, data, text, encoding, reader_encoding, on_disk, delimiter,
                         header_index, width, used, labelled, result)
        may_be_longer = longer.result()
    if labelled < width and con.execute(
            "SELECT count(*) FROM raw_cells WHERE beyond_header IS NOT NULL").fetchall()[0][0]:
        raise _Unusual("filled cells under the header's empty trailing labels")
    if may_be_longer:
        # DuckDB drops empty fields after the last column: the careful road counts them
        raise _Unusual("a row may have more fields than the header")
    blank_offsets = ([] if _no_line_skipped(con, body, header_index)
                     else _blank_row_offsets(body, header_index))
    _define_raw_view(con, header_index, blank_offsets)
    result.trimmed = result.numbers = True


def _read_into_cells(con: duckdb.DuckDBPyConnection, data: bytes, text: str, encoding: str,
                     reader_encoding: str | None, on_disk: OnDisk | None, delimiter: str,
                     header_index: int, width: int, used: list[tuple[int, str]],
                     labelled: int, result: ReadResult) -> None:
    """DuckDB's reading of the cells into ``raw_cells``: from the file on disk where it can be
    read as it is, else from a UTF-8 copy."""
    # DuckDB reads the file the bytes came from where it can read them as they are (no
    # copy to write), and where that file still held these bytes after it was read
    direct = bool(reader_encoding) and on_disk.unchanged(data)
    if direct:
        result.corrected = _read_cells(con, on_disk.path, delimiter, header_index,
                                       width, used, _body_encoding(data, header_index,
                                                                   reader_encoding), labelled)
        direct = on_disk.unchanged(data)
    if not direct:  # DuckDB reads a UTF-8 copy of the bytes
        if reader_encoding:
            text, encoding = _decode(data)
        body_path = _utf8_file(text, data, encoding)
        result.temp_files.append(body_path)
        result.corrected = _read_cells(con, body_path, delimiter, header_index, width,
                                            used, "utf-8", labelled)


_LINE_BREAK_BYTE = re.compile(rb"[\r\n]")


def _body_encoding(data: bytes, header_index: int, reader_encoding: str) -> str:
    """The encoding DuckDB reads the rows below the header in. DuckDB reads Latin-1 in one
    thread but UTF-8 in parallel; where every byte below the header is ASCII (the usual German
    export: only the header's umlauts are not), both give the same text, so such a body is read
    as UTF-8. The body is taken to start after the header's line counting every CR and LF byte
    as a break of its own: the earliest place a reader's line count can put it."""
    if reader_encoding != "latin-1":
        return reader_encoding
    breaks = list(itertools.islice(_LINE_BREAK_BYTE.finditer(data), header_index + 1))
    start = breaks[-1].end() if breaks else len(data)
    return "utf-8" if data[start:].isascii() else reader_encoding


def _may_have_longer_rows(body: str | bytes, delimiter: str, header_fields: int) -> bool:
    """True where a line ends in the delimiter and has as many delimiters as the header has
    fields: a row that may be longer than the header with empty extra fields (a delimiter in a
    quoted cell only sends the file the careful road, which counts exactly). A file without a
    line that ends in the delimiter is decided by a byte search, without a loop over lines."""
    sep = delimiter.encode() if isinstance(body, bytes) else delimiter
    breaks = (b"\n", b"\r") if isinstance(body, bytes) else ("\n", "\r")
    # each two-character search costs a pass over the file; a file without CR (found by a
    # quick search for one character) needs none for the delimiter before a CR
    if not any(end in body and sep + end in body for end in breaks) and \
            not _ends_with(body, sep):
        return False
    return any(line.rstrip().endswith(sep) and line.count(sep) >= header_fields
               for line in _physical_lines(body))


def _ends_with(body: str | bytes, suffix: str | bytes) -> bool:
    """``body.rstrip().endswith(suffix)`` without copying the whole file where its tail
    holds more than whitespace."""
    tail = body[-4096:].rstrip()
    if not tail and len(body) > 4096:
        tail = body.rstrip()
    return tail.endswith(suffix)


MAX_FIELD = 10_000_000  # characters of one cell (DuckDB's line limit on the fast road)


def _read_csv_records(con: duckdb.DuckDBPyConnection, text: str, delimiter: str,
                      header_index: int, labels: list[str], used: list[tuple[int, str]],
                      result: ReadResult) -> None:
    """The careful road: every record with the physical line it starts on. A line break in
    a quoted cell (Excel's Alt+Enter) becomes a space; a filled cell beyond the header, or a
    quote that is never closed, refuses the file naming the line."""
    csv.field_size_limit(MAX_FIELD)
    width = labelled_width(labels)
    lines: list[int] = []
    columns: dict[str, list[str | None]] = {name: [] for _, name in used}
    positions = [(position, columns[name]) for position, name in used]
    beyond: list[tuple[int, str, str]] = []
    longer: list[tuple[int, int]] = []  # (line, fields) of rows longer than the header
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = next_line = 1
    try:
        for record in reader:
            start, next_line = next_line, reader.line_num + 1
            if start <= header_index + 1 or not any(c.strip() for c in record):
                continue
            extra = next(((p, c) for p, c in enumerate(record[width:], start=width)
                          if c.strip()), None)
            if extra is not None:
                beyond.append((start, spreadsheets.column_letter(extra[0]), extra[1]))
                if len(beyond) >= spreadsheets.BEYOND_LISTED:
                    break
                continue
            if len(record) > len(labels):
                longer.append((start, len(record)))
            lines.append(start)
            for position, column in positions:
                cell = record[position] if position < len(record) else ""
                if "\n" in cell or "\r" in cell:
                    cell = re.sub(r"\r\n|\r|\n", " ", cell)
                column.append(cell or None)
    except csv.Error:  # a quote opened and never closed, or text right after a closing quote
        result.problems.append(Problem("unclosed_quote", next_line))
        return
    if _refuse_beyond(beyond, len(beyond), labels, result) or \
            _refuse_longer(longer, len(lines), len(labels), result):
        return
    _rows_to_raw(con, lines, columns)
    result.rows = len(lines)


def _refuse_longer(longer: list[tuple[int, int]], rows: int, header_fields: int,
                   result: ReadResult) -> bool:
    """Rows with more fields than the header where the file's other rows have no more: one
    ``;`` too many shifts every figure of the row one column to the right, also where the
    extra fields are empty (CONTRACT.md). A file whose every row is longer than its header
    (a trailing delimiter on each line) is read as it is."""
    if not longer or len(longer) == rows:
        return False
    for line, fields in longer[:spreadsheets.BEYOND_LISTED]:
        result.problems.append(Problem("extra_fields", line, params={
            "fields": fields, "header": header_fields}))
    return True


def _refuse_beyond(beyond: list[tuple[int, str, str]], count: int, labels: list[str | None],
                   result: ReadResult) -> bool:
    """A filled cell right of the header's last column: its figures would sit under the wrong
    labels (one extra field after the week shifts every figure one column), so the row is
    refused, naming the line, the cell and what it holds."""
    width = labelled_width(labels)
    last = f"{spreadsheets.column_letter(width - 1)} ({(labels[width - 1] or '').strip()})"
    for line, column, value in beyond[:spreadsheets.BEYOND_LISTED]:
        result.problems.append(Problem("cells_beyond_header", line, column, value,
                                       params={"last": last}))
    return bool(count)


def _rows_to_raw(con: duckdb.DuckDBPyConnection, lines: list[int],
                 columns: dict[str, list[str | None]]) -> None:
    """Table ``raw`` from rows read in Python (spreadsheets, the careful CSV road): text
    cells as read (untrimmed), one column per canonical field, and each row's line."""
    import pyarrow as pa

    table = pa.table({"row_index": pa.array(range(len(lines)), pa.int64()),
                      "line": pa.array(lines, pa.int32()),
                      **{name: pa.array(values, pa.string()) for name, values in columns.items()}})
    con.register("rows_read", table)
    con.execute("CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM rows_read")
    con.unregister("rows_read")


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
    width: int, used: list[tuple[int, str]], encoding: str = "utf-8", labelled: int | None = None,
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
    if labelled is not None and labelled < width:  # cells under empty trailing labels
        cells.append("coalesce(" + ", ".join(trimmed_sql(f"c{i}") for i in range(labelled, width))
                     + ") AS beyond_header")
    reader = (f"read_csv(?, delim = {_quoted(delimiter)}, encoding = {_quoted(encoding)}, header = false, "
              f"skip = {int(header_index) + 1}, columns = {columns}, quote = '\"', escape = '\"', "
              "null_padding = true, strict_mode = true, auto_detect = false, all_varchar = true, "
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


# ---------------------------------------------------------------- spreadsheets

def _read_spreadsheet(con: duckdb.DuckDBPyConnection, data: bytes, kind: str) -> ReadResult:
    """An .xlsx, .xlsb, .xls or .ods: the first sheet with a header (``spreadsheets``)."""
    result = ReadResult(file_kind=kind, encoding=kind)
    try:
        table = spreadsheets.read_table(data, kind)
    except spreadsheets.Refused as refused:
        code = "no_header" if refused.code == "no_header_in_sheets" else refused.code
        result.problems.append(Problem(code, 1 if code == "no_header" else None))
        return result
    result.sheet, result.header_line = table.sheet, table.header_line
    if table.sheet_index:  # the data officer should know which sheet the figures came from
        result.problems.append(Problem("sheet_used", severity="warning",
                                       params={"sheet": table.sheet,
                                               "position": table.sheet_index + 1}))
    if table.formula_count:
        cells = ", ".join(table.formula_cells)
        if table.formula_count > len(table.formula_cells):
            cells += f" … ({table.formula_count})"
        result.problems.append(Problem("formula_without_value", params={"cells": cells}))
    mapped = [canonical_for(c) if c is not None and str(c).strip() else None
              for c in table.labels]
    used = _map_columns([c or "" for c in table.labels], mapped, table.header_line, result)
    if _refuse_beyond(table.beyond, table.beyond_count, table.labels, result) or not result.ok:
        return result
    columns = {name: [row[position] if position < len(row) else None for row in table.body]
               for position, name in used}
    _rows_to_raw(con, table.lines, columns)
    result.rows = len(table.lines)
    return result
