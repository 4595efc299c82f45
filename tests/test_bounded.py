"""Bounded cost for any file (issue 12): no input makes a load use more than 20x the file's size
plus 300 MB of memory, or run for long; none gives a traceback or a partial load.

The pathological shapes run each in a fresh process that reports its peak memory
(``resource.getrusage``) over what it held before the load; the random ones (hypothesis) run
in this process, which checks after every example that its own peak has not grown past the
bound of the largest file so far."""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reception.ingest.spreadsheets import memory_limit
from tests.conftest import ROOT
from tests.corpus.make_corpus import DE, TITLE, ods, rows22, xls, xlsx
from tests.test_fuzz_reliability import CELL_WORDS, HEADER_WORDS, inspect, matcher  # noqa: F401

MB = 1 << 20
SECONDS = 60  # a hang, not a slow machine: the slowest shape takes ~5 s on a loaded CI box

# One fresh process per file: its peak memory is the load's, not the test session's.
PROBE = """
import json, resource, sys, time
from datetime import date
import duckdb
from reception.ingest.load import inspect_bytes
from reception.reference import districts
from reception.reference.districts import Matcher
from reception.store import db
con = duckdb.connect(); db.migrate(con); districts.install_reference(con, districts.read_reference())
matcher = Matcher.from_db(con); con.close()
data = open(sys.argv[1], "rb").read()
# resident now (set-up, imports and the file's bytes): what the load itself adds comes on top
before = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()
# this process's own high-water mark (VmHWM): getrusage's ru_maxrss keeps the parent's peak
# across fork and exec, so a large pytest process made every shape look large
def peak_bytes():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
started = time.monotonic()
inspection = inspect_bytes(data, "meldung", matcher, date(2025, 1, 15))
print(json.dumps({"ok": inspection.ok, "rows": inspection.row_count,
                  "errors": [p.code for p in inspection.errors],
                  "seconds": time.monotonic() - started,
                  "before": before,
                  "peak": peak_bytes()}))
"""


def formatted_cells(rows: int) -> bytes:
    """A valid report whose sheet also holds ``rows`` rows of formatted empty cells."""
    base = xlsx([DE] + rows22())
    source, out = zipfile.ZipFile(io.BytesIO(base)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                head, tail = data.split(b"</sheetData>")
                empty = b"".join(b'<row r="%d">' % r + b"".join(
                    b'<c r="%s%d" s="1"/>' % (c, r) for c in (b"H", b"I", b"J", b"K")) + b"</row>"
                    for r in range(30, 30 + rows))
                data = head + empty + b"</sheetData>" + tail
            target.writestr(item, data)
    return out.getvalue()


SHAPES = {
    "formatted_XFD1048576.xlsx": (lambda: xlsx(TITLE + [DE] + rows22(), far="format"), 22),
    "formatted_I1048576.xlsx": (lambda: _formatted_i(), 22),
    "value_at_XFD1048576.xlsx": (lambda: xlsx([DE] + rows22(), far="value"), "file_too_complex"),
    "formatted_100k_rows.xlsx": (lambda: formatted_cells(100_000), 22),
    "repeated_empty_cells.ods": (lambda: ods([DE] + rows22(), repeat=True), 22),
    "value_far_away.ods": (lambda: ods([DE] + rows22(), repeat=True, far=True),
                           "file_too_complex"),
    "value_at_IV65536.xls": (lambda: xls([DE] + rows22(), far=True), "file_too_complex"),
}


def _formatted_i() -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    for row in [DE] + rows22():
        sheet.append(row)
    sheet.cell(1048576, 9).font = Font(italic=True)  # column I, the sheet's last row
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name", list(SHAPES))
def test_pathological_shape_stays_within_the_memory_bound(tmp_path: Path, name: str) -> None:
    make, expected = SHAPES[name]
    path = tmp_path / name
    path.write_bytes(make())
    size = path.stat().st_size
    done = subprocess.run([sys.executable, "-c", PROBE, str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=SECONDS,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and not done.stderr, done.stderr[-2000:]
    outcome = json.loads(done.stdout)
    bound = 20 * size + 300 * MB
    # the process's peak (getrusage) over what was resident before the load: the load's use,
    # or more where the set-up (migrations, reference) peaked higher
    used = outcome["peak"] - outcome["before"]
    print(f"{name}: {size} bytes, {outcome['seconds']:.2f} s, peak {outcome['peak'] / MB:.0f} MB,"
          f" {used / MB:.0f} MB over the set-up (bound {bound / MB:.0f} MB)")
    assert used <= bound
    if isinstance(expected, int):
        assert outcome["ok"] and outcome["rows"] == expected, outcome
    else:
        assert not outcome["ok"] and outcome["errors"] == [expected], outcome


# --- random input, in this process -----------------------------------------------------------

# The process's peak before each test (getrusage's high-water mark): earlier tests of the suite
# (AppTest, browsers' servers' clients) may have raised it, so the growth is measured from there.
BASELINE = [0]
LARGEST = [0]


@pytest.fixture(autouse=True)
def peak_before_the_test() -> None:
    BASELINE[0] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


def within_bound(data: bytes, name: str, matcher) -> None:  # noqa: F811
    LARGEST[0] = max(LARGEST[0], len(data))
    inspect(data, name, matcher)  # no traceback, no hang, no partial load (test_fuzz_reliability)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert peak - BASELINE[0] <= 20 * LARGEST[0] + 300 * MB
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    assert children <= max(memory_limit(LARGEST[0]), peak)  # the .xls child, under its limit


@FUZZ
@given(data=st.binary(max_size=20_000),
       magic=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF"]))
def test_random_bytes_stay_bounded(matcher, data: bytes, magic: bytes) -> None:  # noqa: F811
    within_bound(magic + data, "m.xlsx", matcher)


csv_cell = st.one_of(st.sampled_from(CELL_WORDS + HEADER_WORDS + ["1\u2009250", "a\nb", '"x"']),
                     st.text(max_size=10))


@FUZZ
@given(rows=st.lists(st.lists(csv_cell, max_size=12), max_size=30),
       delimiter=st.sampled_from([";", ",", "\t"]), newline=st.sampled_from(["\n", "\r\n", "\r"]),
       quote=st.booleans())
def test_random_csv_like_text_stays_bounded(matcher, rows, delimiter, newline,  # noqa: F811
                                            quote) -> None:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if quote and value else value
    header = delimiter.join(["Kreisschlüssel", "Woche", "Zugänge", "Kapazität"])
    body = newline.join(delimiter.join(cell(c) for c in row) for row in rows)
    within_bound((header + newline + body).encode("utf-8"), "m.csv", matcher)


@st.composite
def spreadsheets(draw) -> bytes:
    """A report in one of three formats with stray cells anywhere on the sheet: values,
    formatting only, formulas without a value."""
    kind = draw(st.sampled_from(["xlsx", "ods", "xls"]))
    rows = [DE] + rows22()[: draw(st.integers(0, 22))]
    strays = draw(st.lists(st.tuples(st.integers(1, 1048576), st.integers(1, 16384),
                                     st.sampled_from(["value", "format", "formula"])),
                           max_size=3))
    if kind == "xls":
        return xls(rows, far=any(kind == "value" for *_, kind in strays))
    if kind == "ods":
        return ods(rows, repeat=draw(st.booleans()), far=any(k == "value" for *_, k in strays),
                   formula=any(k == "formula" for *_, k in strays) and len(rows) > 3)
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for row, column, what in strays:
        cell = sheet.cell(row, column)
        if what == "value":
            cell.value = draw(st.sampled_from(CELL_WORDS))
        elif what == "formula":
            cell.value = "=A1+1"
        else:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@FUZZ
@given(data=spreadsheets())
def test_random_spreadsheets_stay_bounded(matcher, data: bytes) -> None:  # noqa: F811
    within_bound(data, "meldung.xlsx", matcher)
