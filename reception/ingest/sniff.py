"""What a file is, told from its first bytes and (for containers) its table of contents, never
from its name: a report named ``.xlsx`` that is really a CSV is read as a CSV.

``sniff`` answers with a :class:`Sniffed`: the kind to read (``csv``, ``xlsx``, ``xlsb``,
``xls``, ``ods``) or the code of a plain refusal (``file_encrypted``, ``file_zip_archive``,
``file_damaged``, ``file_document``, ``file_binary``), each a sentence of its own in
``reception/locales/problem.toml``. Nothing here reads a cell.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: .xls, .doc, encrypted OOXML
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
# documents that are clearly not tables (first bytes)
_DOCUMENTS = (b"%PDF", b"{\\rtf")
_BINARIES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"BZh", b"7z\xbc\xaf",
             b"Rar!", b"\x00\x00\x01\x00", b"MZ", b"\x7fELF", b"SQLite format 3",
             b"DUCK", b"PAR1", b"ARROW1")


@dataclass(frozen=True)
class Sniffed:
    kind: str | None  # what to read it as, None when refused
    refusal: str | None = None  # problem code of the refusal


def sniff(data: bytes) -> Sniffed:
    head = data[:8]
    if head.startswith(ZIP_MAGIC):
        return _sniff_zip(data)
    if head == CFB_MAGIC:
        return _sniff_cfb(data)
    if data.startswith(_DOCUMENTS):
        return Sniffed(None, "file_document")
    if data.startswith(_BINARIES) or data[4:8] == b"ftyp":
        return Sniffed(None, "file_binary")
    return Sniffed("csv")


def _sniff_zip(data: bytes) -> Sniffed:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        mimetype = archive.read("mimetype")[:80] if "mimetype" in names else b""
        manifest = (archive.read("META-INF/manifest.xml")[:1 << 20]
                    if "META-INF/manifest.xml" in names else b"")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError, ValueError,
            NotImplementedError, RuntimeError):  # RuntimeError: a ZIP with its own password
        return Sniffed(None, "file_damaged")
    if mimetype.strip() == ODS_MIME or (
            "content.xml" in names and ODS_MIME in manifest):
        if b"encryption-data" in manifest:
            return Sniffed(None, "file_encrypted")
        return Sniffed("ods")
    if "xl/workbook.xml" in names:
        return Sniffed("xlsx")
    if "xl/workbook.bin" in names:
        return Sniffed("xlsb")
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return Sniffed(None, "file_damaged")  # an Excel package without its workbook
    if any(n.startswith(("word/", "ppt/")) for n in names) or mimetype.startswith(
            b"application/vnd.oasis.opendocument.") or "[Content_Types].xml" in names:
        return Sniffed(None, "file_document")
    return Sniffed(None, "file_zip_archive")


def _sniff_cfb(data: bytes) -> Sniffed:
    """An OLE2 compound file: the directory's entry names are UTF-16 in the file; looking for
    them in the bytes is enough to tell an encrypted Office file from an .xls or a .doc."""
    def has(name: str) -> bool:
        return name.encode("utf-16-le") in data

    if has("EncryptedPackage") or has("EncryptionInfo"):
        return Sniffed(None, "file_encrypted")
    if has("Workbook") or has("Book"):
        return Sniffed("xls")
    if has("WordDocument") or has("PowerPoint Document"):
        return Sniffed(None, "file_document")
    return Sniffed(None, "file_damaged")
