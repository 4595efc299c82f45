"""Arrow record batches as PostgreSQL's binary ``COPY`` format, built column by column.

Why: a write sends a load's rows to the store with ``COPY``. In text or CSV form PostgreSQL
parses every number and date from its digits; in binary form it takes them as they are, which
spared about a fifth of the server's time for a million report rows (0,77 s against 0,98 s on
this machine). The bytes are assembled with Arrow's and NumPy's vectorised kernels (which free
the GIL), never row by row in Python: each field becomes two binary columns (its 4-byte length,
-1 for NULL, and its value), and one element-wise join per batch lays them out as rows.

The format (PostgreSQL, "COPY", "Binary Format"): a signature and two 32-bit zeros, then per row
a 16-bit field count and per field a 32-bit length and that many bytes, all big-endian; a 16-bit
-1 ends the data. Values in their ``*send`` form: integers as they are, ``date`` as days since
2000-01-01, ``float8`` as IEEE 754, ``text`` as its UTF-8 bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
_DAYS_1970_TO_2000 = 10_957
# DuckDB column type -> the NumPy type of its Arrow buffer, and of its binary value (big-endian)
LITTLE = {"INTEGER": "<i4", "BIGINT": "<i8", "SMALLINT": "<i2", "DOUBLE": "<f8", "DATE": "<i4"}
FIXED = {"INTEGER": ">i4", "BIGINT": ">i8", "SMALLINT": ">i2", "DOUBLE": ">f8", "DATE": ">i4"}
# the DuckDB types written here (each in the binary form of its PostgreSQL type, postgres.PG_TYPES)
ENCODED = frozenset({*FIXED, "VARCHAR"})


def supports(duck_types: list[str]) -> bool:
    """True where every column type has a binary form here."""
    return all(kind in ENCODED for kind in duck_types)


def in_order(columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(name, DuckDB type) of the columns in the order to send them: the fixed-width ones first,
    so that most of a row is one fixed-width block (:func:`rows`)."""
    return sorted(columns, key=lambda column: column[1] == "VARCHAR")


def rows(batch: pa.RecordBatch, duck_types: list[str]) -> memoryview:
    """The rows of ``batch`` (its columns of the DuckDB types ``duck_types``, in order) in
    binary ``COPY`` form, without the stream's header and trailer.

    Every field's length, and the value of a fixed-width field that is never NULL in the batch,
    has the same width in every row: runs of them become one NumPy record per row. Only the
    texts and the values of a column NULL in some rows (not all) vary; one element-wise join
    puts the runs and those values side by side, row by row. (Arrow's buffers are read with
    NumPy directly: ``to_numpy``, ``fill_null`` and scalars would import pandas, 0,25 s.)"""
    import pyarrow.compute as pc

    count = batch.num_rows
    run = _Run(count)
    run.add(">i2", len(duck_types))
    parts: list[pa.Array | None] = []
    for column, kind in zip(batch.columns, duck_types, strict=True):
        if column.null_count == count:
            run.add(">i4", -1)
            continue
        valid = _validity(column)
        if kind == "VARCHAR":
            lengths, text = _text(column, valid)
            run.add(">i4", lengths)
            parts += [run.close(), text]
            continue
        stored = np.dtype(LITTLE[kind])
        if column.type.bit_width != stored.itemsize * 8:
            raise ValueError(f"{kind} arrived as Arrow {column.type}, not {stored.itemsize * 8} bits")
        numbers = np.frombuffer(column.buffers()[1], dtype=stored, count=count,
                                offset=column.offset * stored.itemsize)
        if kind == "DATE":
            numbers = numbers - _DAYS_1970_TO_2000
        width = np.dtype(FIXED[kind]).itemsize
        if valid is None:
            run.add(">i4", width)
            run.add(FIXED[kind], numbers)
        else:
            run.add(">i4", np.where(valid, width, -1))
            values = numbers[valid].astype(FIXED[kind])
            parts += [run.close(), _binary(values.tobytes(), count, np.where(valid, width, 0))]
    parts.append(run.close())
    present = [part for part in parts if part is not None]
    if len(present) == 1:
        joined = present[0]
    else:
        nothing = _binary(b"", count, np.zeros(count, dtype=np.int32))
        joined = pc.binary_join_element_wise(*present, nothing)
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32, count=count + 1,
                            offset=joined.offset * 4)
    return memoryview(joined.buffers()[2])[offsets[0]:offsets[-1]]


def _validity(column: pa.Array) -> np.ndarray | None:
    """Which rows of ``column`` hold a value (None: all of them)."""
    if column.null_count == 0:
        return None
    bits = np.unpackbits(np.frombuffer(column.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[column.offset:column.offset + len(column)].astype(bool)


def _text(column: pa.Array, valid: np.ndarray | None) -> tuple[np.ndarray, pa.Array]:
    """The field lengths (-1 for NULL) and the bytes of a text column, as a binary array
    without NULLs (a NULL: no bytes)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = column.cast(pa.binary())
    count = len(text)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32, count=count + 1,
                            offset=text.offset * 4)
    lengths = np.diff(offsets)
    if valid is None:
        return lengths, text
    lengths = np.where(valid, lengths, -1)
    if (offsets[1:][~valid] == offsets[:-1][~valid]).all():
        bare = pa.Array.from_buffers(pa.binary(), count, [None, *text.buffers()[1:]],
                                     offset=text.offset)
    else:  # a NULL over bytes (Arrow allows it): those bytes must not be sent
        bare = pc.if_else(pa.array(valid), text, _binary(b"", count, np.zeros(count, np.int32)))
    return lengths, bare


class _Run:
    """Fields of the same width in every row, gathered into one record per row."""

    def __init__(self, count: int) -> None:
        self.count, self.fields, self.values = count, [], []

    def add(self, big_endian: str, values) -> None:
        self.fields.append((f"f{len(self.fields)}", big_endian))
        self.values.append(values)

    def close(self) -> pa.Array | None:
        """The run as a binary array of one record per row (None where empty); starts anew."""
        if not self.fields:
            return None
        records = np.empty(self.count, dtype=np.dtype(self.fields))
        for (name, _), values in zip(self.fields, self.values, strict=True):
            records[name] = values
        self.fields, self.values = [], []
        data = records.tobytes()
        return _binary(data, self.count, np.full(self.count, records.dtype.itemsize))


def _binary(data: bytes, count: int, sizes: np.ndarray) -> pa.Array:
    """A binary array of ``count`` elements over ``data``, the i-th ``sizes[i]`` bytes long."""
    import pyarrow as pa

    offsets = np.zeros(count + 1, dtype=np.int32)
    np.cumsum(sizes, out=offsets[1:])
    return pa.Array.from_buffers(pa.binary(), count, [None, pa.py_buffer(offsets),
                                                      pa.py_buffer(data)])
