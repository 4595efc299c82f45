"""The district reference: loading it into the database and recognising districts in reports.

The reference is a CSV file (``ags,name,kind,seat,population,lat,lon,grid_row,grid_col``) with a
TOML file of metadata beside it (``<name>.meta.toml``: population source and reference date,
retired keys). Another Land is another pair of files: ``python -m etl init --districts FILE``.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from reception import config

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("Landkreis", "kreisfreie Stadt")

# Prefixes and suffixes that name the kind of district rather than the district.
_AFFIXES = re.compile(
    r"^(landkreis|lkr\.?|lk\.?|kreis|kreisfreie stadt|krfr\.? stadt|stadt|st\.)\s+"
    r"|,\s*(landkreis|lkr\.?|lk|kreis|kreisfreie stadt|krfr\.? stadt|stadt)$"
    r"|\s*\((landkreis|lkr\.?|lk|kreis|kreisfreie stadt|krfr\.? stadt|stadt)\)$"
)
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})  # as names are compared


def name_key(name: str) -> str:
    """A district name reduced to what identifies it: ``'Gotha, Landkreis'`` -> ``'gotha'``."""
    text = unicodedata.normalize("NFC", str(name)).strip().lower().translate(UMLAUTS)
    text = re.sub(r"\s+", " ", text)
    previous = None
    while previous != text:
        previous = text
        text = _AFFIXES.sub("", text).strip()
    return re.sub(r"[\s\-]+", "-", text)


def normalise_ags(value: str) -> str | None:
    """5-digit district key from a 5- or 8-digit AGS (leading zeros restored); None if not one."""
    digits = re.sub(r"\s", "", str(value))
    if re.fullmatch(r"\d+\.0+", digits):  # a key that went through a spreadsheet as a number
        digits = digits.split(".")[0]
    if not digits.isdigit():
        return None
    if len(digits) in (4, 7):
        digits = "0" + digits
    if len(digits) == 8:
        return digits[:5]
    return digits if len(digits) == 5 else None


@dataclass(frozen=True)
class Reference:
    """The districts of one Land as loaded from its reference files."""

    table: pd.DataFrame
    meta: dict
    retired: pd.DataFrame

    @property
    def by_key(self) -> dict[str, str]:
        return {name_key(name): ags for ags, name in zip(self.table.ags, self.table.name)}


def _missing(path: Path, missing: set[str], found: object) -> str:
    return (f"{path}: Spalten fehlen: {', '.join(sorted(missing))} (gefunden: "
            f"{', '.join(map(str, found))}; erwartet wird eine CSV-Datei mit Komma als Trennzeichen)")


class BadReference(ValueError):
    """A reference or distribution-key file that cannot be used; the message says why, in
    German, naming the file."""


def _read_csv(path: Path, what: str, **options: object) -> pd.DataFrame:
    """``pd.read_csv`` of a reference file; any failure to read it is a :class:`BadReference`."""
    import pandas as pd

    try:
        return pd.read_csv(path, encoding="utf-8", **options)
    except FileNotFoundError as error:
        raise BadReference(f"{path}: {what} nicht gefunden") from error
    except IsADirectoryError as error:
        raise BadReference(f"{path}: ein Ordner, keine {what}") from error
    except UnicodeDecodeError as error:
        raise BadReference(f"{path}: {what} ist nicht UTF-8-kodiert") from error
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as error:
        raise BadReference(f"{path}: {what} ist keine lesbare CSV-Datei "
                           f"({str(error).splitlines()[0]})") from error


def read_reference(path: Path | None = None) -> Reference:
    """Read and check a reference CSV and its ``.meta.toml``; :class:`BadReference` if unusable."""
    import pandas as pd

    path = Path(path or config.DEFAULT_DISTRICTS)
    table = _read_csv(path, "Kreisreferenz", dtype={"ags": str})
    missing = {"ags", "name", "kind", "population"} - set(table.columns)
    if missing:
        raise BadReference(_missing(path, missing, table.columns))
    bad_kind = set(table.kind) - set(KINDS)
    if bad_kind:
        raise BadReference(f"{path}: unbekannte Art {sorted(map(str, bad_kind))}; erlaubt: "
                           f"{', '.join(KINDS)}")
    table["ags"] = table.ags.map(normalise_ags)
    if table.ags.isna().any() or table.ags.duplicated().any():
        raise BadReference(f"{path}: jede Zeile braucht einen eigenen 5-stelligen Kreisschlüssel")
    if table.name.isna().any():
        raise BadReference(f"{path}: jede Zeile braucht einen Namen")
    if pd.to_numeric(table.population, errors="coerce").isna().any():
        raise BadReference(f"{path}: Einwohnerzahl fehlt oder ist keine Zahl")
    for column in ("seat", "lat", "lon", "grid_row", "grid_col"):
        if column not in table.columns:
            table[column] = None
    meta_path = path.with_name(path.stem + ".meta.toml")
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise BadReference(f"{meta_path}: keine lesbare TOML-Datei ({error})") from error
    retired = pd.DataFrame(
        [
            {"ags": ags, "name": info["name"], "merged_into": info["merged_into"],
             "since": info.get("since")}
            for ags, info in meta.get("retired", {}).items()
        ],
        columns=["ags", "name", "merged_into", "since"],
    )
    columns = ["ags", "name", "kind", "seat", "population", "lat", "lon", "grid_row", "grid_col"]
    return Reference(table=table[columns], meta=meta, retired=retired)


def install_reference(con: duckdb.DuckDBPyConnection, reference: Reference) -> None:
    """Replace the reference tables with ``reference`` (report rows are left as they are)."""
    con.execute("DELETE FROM district_ref")
    con.execute("DELETE FROM district_retired")
    con.execute("DELETE FROM reference_meta")
    con.register("ref_frame", reference.table)
    con.execute("INSERT INTO district_ref SELECT * FROM ref_frame")
    con.unregister("ref_frame")
    if len(reference.retired):
        con.register("retired_frame", reference.retired)
        con.execute(
            "INSERT INTO district_retired SELECT ags, name, merged_into, CAST(since AS DATE) "
            "FROM retired_frame"
        )
        con.unregister("retired_frame")
    for key, value in reference.meta.items():
        if not isinstance(value, dict):
            con.execute("INSERT INTO reference_meta VALUES (?, ?)", [key, str(value)])


KEY_COLUMNS = ("ags", "share_percent", "valid_from", "valid_to", "source")


def read_distribution_key(path: Path | None = None) -> pd.DataFrame:
    """Read and check a distribution key CSV (``ags,share_percent[,valid_from,valid_to,source]``,
    shares in percent); :class:`BadReference` if unusable."""
    import pandas as pd

    path = Path(path or config.DEFAULT_DISTRIBUTION_KEY)
    frame = _read_csv(path, "Verteilschlüssel", dtype={"ags": str, "valid_from": str,
                                                       "valid_to": str})
    missing = {"ags", "share_percent"} - set(frame.columns)
    if missing:
        raise BadReference(_missing(path, missing, frame.columns))
    frame["ags"] = frame.ags.map(normalise_ags)
    if frame.ags.isna().any():
        raise BadReference(f"{path}: jede Zeile braucht einen 5-stelligen Kreisschlüssel")
    frame["share_percent"] = pd.to_numeric(frame.share_percent, errors="coerce")
    if frame.share_percent.isna().any() or (frame.share_percent < 0).any():
        raise BadReference(f"{path}: Anteil (share_percent) fehlt, ist keine Zahl oder negativ")
    for column in KEY_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame[list(KEY_COLUMNS)]


def install_distribution_key(con: duckdb.DuckDBPyConnection,
                             key: pd.DataFrame | Path | None = None) -> None:
    """Replace the distribution key with ``key`` (from :func:`read_distribution_key`, or a
    path to read it from)."""
    import pandas as pd

    frame = key if isinstance(key, pd.DataFrame) else read_distribution_key(key)
    con.execute("DELETE FROM distribution_key")
    con.register("key_frame", frame)
    con.execute(
        "INSERT INTO distribution_key SELECT ags, share_percent, TRY_CAST(valid_from AS DATE), "
        "TRY_CAST(valid_to AS DATE), source FROM key_frame"
    )
    con.unregister("key_frame")


@dataclass(frozen=True)
class Matcher:
    """Recognises districts by key or by any usual form of their name."""

    names: dict[str, str]  # ags -> official name
    by_key: dict[str, str]  # name_key -> ags
    retired: dict[str, tuple[str, str, str | None]]  # ags or name_key -> (old name, new ags, since)

    @classmethod
    def from_db(cls, con: duckdb.DuckDBPyConnection) -> Matcher:
        """From the main database or a snapshot: both hold ``district_ref``."""
        rows = con.execute("SELECT ags, name FROM district_ref").fetchall()
        retired_rows = con.execute(
            "SELECT ags, name, merged_into, CAST(since AS VARCHAR) FROM district_retired"
        ).fetchall()
        retired: dict[str, tuple[str, str, str | None]] = {}
        for ags, name, merged_into, since in retired_rows:
            retired[ags] = retired[name_key(name)] = (name, merged_into, since)
        return cls(
            names=dict(rows),
            by_key={name_key(name): ags for ags, name in rows},
            retired=retired,
        )

    def ags_for_name(self, name: str) -> str | None:
        return self.by_key.get(name_key(name))
