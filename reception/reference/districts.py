"""The district reference: loading it into the database and recognising districts in reports.

A reference is a CSV file (``ags,name,kind,seat,population,lat,lon,grid_row,grid_col``, optionally
``official_name``) with a TOML file of metadata beside it (``<name>.meta.toml``: population source
and reference date, retired keys). ``python -m etl init --districts FILE`` loads such a pair.

``python -m etl init --land CODE`` builds the reference of any Land from the shipped reference of
all 400 German districts (``data/reference/kreise_deutschland.csv``, Destatis GV100AD, population
on 31.12.2024); see :func:`land_reference`. Thuringia (``16``, the default) has its own curated
pair (hand-laid tile grid, the official distribution key, Eisenach as a retired key); a test keeps
it equal to the national file. Decisions, written down here because the files are silent:

* **Names.** ``name`` is the short form people use and the dashboard shows: the official name
  without its kind suffix (``"Erfurt, Stadt"`` -> ``"Erfurt"``, ``"München, Landeshauptstadt"``
  -> ``"München"``). Where a city and a Landkreis would then share a name (Bavaria has 15 such
  pairs, e.g. two "Rosenheim"), the city keeps the plain name and the other becomes
  ``"Landkreis Rosenheim"`` (``"Kreis ..."`` for kind 43). ``official_name`` keeps the official
  form; the :class:`Matcher` recognises both, and every usual form besides.
* **Kinds.** The contract knows two: kind codes 41 (kreisfreie Stadt) and 42 (Stadtkreis) are
  ``kreisfreie Stadt``; 43 (Kreis), 44 (Landkreis) and 45 (Regionalverband Saarbrücken) are
  ``Landkreis``.
* **Key.** A Land without a shipped distribution key gets a population-proportional one (share =
  population / the Land's population), labelled "bevölkerungsproportional, kein amtlicher
  Schlüssel" in its ``source`` so that every page that shows the key says so.
* **Tile grid.** Built from each district's point (``lat``/``lon``): every district gets the free
  cell nearest to where it lies (:func:`tile_grid`).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from reception import config
from reception.i18n import t

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("Landkreis", "kreisfreie Stadt")
CITY, COUNTY = "kreisfreie Stadt", "Landkreis"
# Destatis kind codes (GV100AD, Satzart 40) -> the contract's two kinds.
KIND_CODES = {41: CITY, 42: CITY, 43: COUNTY, 44: COUNTY, 45: COUNTY}
PROPORTIONAL_SOURCE = "bevölkerungsproportional, kein amtlicher Schlüssel"
GERMANY_POPULATION_SOURCE = (
    "Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV100AD, Ausgabe 30.11.2025 "
    "(Gebietsstand 30.11.2025), Bevölkerung am 31.12.2024 auf Basis des Zensus 2022; "
    "© Statistisches Bundesamt (Destatis), 2025, Datenlizenz Deutschland – Namensnennung 2.0 "
    "(dl-de/by-2-0)")

# Prefixes and suffixes that name the kind of district rather than the district.
_CITY_WORDS = (r"kreisfreie stadt|krfr\.? stadt|stadtkreis|landeshauptstadt|freie und hansestadt"
               r"|hansestadt|stadt")
_COUNTY_WORDS = r"landkreis|lkr\.?|lk\.?|kreis"
_AFFIXES = re.compile(
    rf"^(?:(?P<c1>{_CITY_WORDS}|st\.)|(?P<k1>{_COUNTY_WORDS}))\s+"
    rf"|,\s*(?:(?P<c2>{_CITY_WORDS})|(?P<k2>{_COUNTY_WORDS}))$"
    rf"|\s*\((?:(?P<c3>{_CITY_WORDS})|(?P<k3>{_COUNTY_WORDS}))\)$"
)
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})  # as names are compared


def name_key(name: str) -> str:
    """A district name reduced to what identifies it: ``'Gotha, Landkreis'`` -> ``'gotha'``."""
    return name_parts(name)[0]


def name_parts(name: str) -> tuple[str, str | None]:
    """(:func:`name_key`, the kind the name's affixes say or None): ``'Stadt Hof'`` ->
    ``('hof', 'kreisfreie Stadt')``, ``'LK Hof'`` -> ``('hof', 'Landkreis')``, ``'Hof'`` ->
    ``('hof', None)``."""
    text = unicodedata.normalize("NFC", str(name)).strip().lower().translate(UMLAUTS)
    text = re.sub(r"\s+", " ", text)
    kind: str | None = None
    previous = None
    while previous != text:
        previous = text
        match = _AFFIXES.search(text)
        if match:
            groups = {k for k, v in match.groupdict().items() if v}
            kind = kind or (CITY if groups & {"c1", "c2", "c3"} else COUNTY)
            text = (text[:match.start()] + text[match.end():]).strip()
    return re.sub(r"[\s\-]+", "-", text), kind


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


def _missing(path: Path, missing: set[str], found: object) -> BadReference:
    return BadReference("reference.columns_missing", path=path, missing=", ".join(sorted(missing)),
                        found=", ".join(map(str, found)))


class BadReference(ValueError):
    """A reference or distribution-key file that cannot be used. ``key`` and ``params`` name the
    sentence saying why (``reference.*``, naming the file); ``str()`` is the German one. A
    ``what`` parameter is itself a key: the kind of file."""

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(self.sentence("de"))

    def sentence(self, lang: str = "de") -> str:
        params = {name: t(str(value), lang) if name == "what" else value
                  for name, value in self.params.items()}
        return t(self.key, lang, **params)


def _read_csv(path: Path, what: str, **options: object) -> pd.DataFrame:
    """``pd.read_csv`` of a reference file; any failure to read it is a :class:`BadReference`."""
    import pandas as pd

    try:
        return pd.read_csv(path, encoding="utf-8", **options)
    except FileNotFoundError as error:
        raise BadReference("reference.not_found", path=path, what=what) from error
    except IsADirectoryError as error:
        raise BadReference("reference.a_folder", path=path, what=what) from error
    except UnicodeDecodeError as error:
        raise BadReference("reference.not_utf8", path=path, what=what) from error
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as error:
        raise BadReference("reference.not_csv", path=path, what=what,
                           detail=str(error).splitlines()[0]) from error


COLUMNS = ["ags", "name", "kind", "seat", "population", "lat", "lon", "grid_row", "grid_col",
           "official_name"]


def read_reference(path: Path | None = None) -> Reference:
    """Read and check a reference CSV and its ``.meta.toml``; :class:`BadReference` if unusable."""
    import pandas as pd

    path = Path(path or config.DEFAULT_DISTRICTS)
    table = _read_csv(path, "reference.what_districts", dtype={"ags": str})
    missing = {"ags", "name", "kind", "population"} - set(table.columns)
    if missing:
        raise _missing(path, missing, table.columns)
    bad_kind = set(table.kind) - set(KINDS)
    if bad_kind:
        raise BadReference("reference.unknown_kind", path=path, kinds=sorted(map(str, bad_kind)),
                           allowed=", ".join(KINDS))
    table["ags"] = table.ags.map(normalise_ags)
    if table.ags.isna().any() or table.ags.duplicated().any():
        raise BadReference("reference.ags_unique", path=path)
    if table.name.isna().any():
        raise BadReference("reference.name_missing", path=path)
    if pd.to_numeric(table.population, errors="coerce").isna().any():
        raise BadReference("reference.population", path=path)
    for column in ("seat", "lat", "lon", "grid_row", "grid_col"):
        if column not in table.columns:
            table[column] = None
    if table.grid_row.isna().all() and table.lat.notna().all() and table.lon.notna().all():
        # no tile grid given: lay one from the districts' points
        table["grid_row"], table["grid_col"] = tile_grid(table.lat.tolist(), table.lon.tolist())
    if "official_name" not in table.columns:
        table["official_name"] = table.name
    table["official_name"] = table.official_name.fillna(table.name)
    meta_path = path.with_name(path.stem + ".meta.toml")
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise BadReference("reference.meta_unreadable", path=meta_path, detail=error) from error
    return Reference(table=table[COLUMNS], meta=meta, retired=_retired(meta))


def _retired(meta: dict) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        [
            {"ags": ags, "name": info["name"], "merged_into": info["merged_into"],
             "since": info.get("since")}
            for ags, info in meta.get("retired", {}).items()
        ],
        columns=["ags", "name", "merged_into", "since"],
    )


class UnknownLand(BadReference):
    """No Land with this code in the shipped reference."""

    def __init__(self, code: str, known: str) -> None:
        super().__init__("reference.unknown_land", code=repr(code), known=known)
        self.code, self.known = code, known


# Länder with a curated reference pair and an official distribution key in ``data/``.
CURATED = {"16": (config.DEFAULT_DISTRICTS, config.DEFAULT_DISTRIBUTION_KEY)}


def germany(path: Path | None = None) -> pd.DataFrame:
    """The shipped reference of all German districts as it is (official names, kind codes)."""
    import pandas as pd

    return pd.read_csv(Path(path or config.GERMANY_DISTRICTS), encoding="utf-8",
                       dtype={"ags": str, "land_code": str, "kind_code": int})


def lands(path: Path | None = None) -> dict[str, str]:
    """Land code -> Land name, from the shipped reference."""
    table = germany(path)
    return dict(sorted(zip(table.land_code, table.land)))


_SUFFIX = re.compile(r",\s*[^,]+$")


def short_names(official: pd.DataFrame) -> list[str]:
    """Display names for rows of :func:`germany` (``name``, ``kind_code``): the official name
    without its kind suffix; where a city and a district would share it, the district is named
    ``Landkreis X`` (``Kreis X`` for kind 43). Computed over the rows given (all of Germany when
    called by :func:`land_reference`, so a name never depends on what else is loaded)."""
    short = [_SUFFIX.sub("", name).strip() for name in official.name]
    counts: dict[str, int] = {}
    for name in short:
        counts[name] = counts.get(name, 0) + 1
    names = []
    for name, code in zip(short, official.kind_code):
        if counts[name] > 1 and KIND_CODES[int(code)] == COUNTY:
            name = f"{'Kreis' if int(code) == 43 else 'Landkreis'} {name}"
        names.append(name)
    return names


def land_reference(code: str, path: Path | None = None) -> Reference:
    """The reference of Land ``code`` (two digits, e.g. ``"09"``) from the shipped national file;
    the curated pair where there is one (Thuringia). Raises :class:`UnknownLand`."""
    code = str(code).strip()
    code = code.zfill(2) if code.isdigit() else code
    if code in CURATED and path is None:
        return read_reference(CURATED[code][0])
    table = germany(path)
    table["short"] = short_names(table)
    part = table[table.land_code == code]
    if part.empty:
        known = ", ".join(f"{c} {n}" for c, n in lands(path).items())
        raise UnknownLand(code, known)
    return _reference(part, part.land.iloc[0], code)


def germany_reference(path: Path | None = None) -> Reference:
    """All districts of Germany as one reference (for national tests and ``make bench``)."""
    table = germany(path)
    table["short"] = short_names(table)
    return _reference(table, "Deutschland", "DE")


def _reference(part: pd.DataFrame, land: str, code: str) -> Reference:
    frame = part.reset_index(drop=True)
    frame = frame.assign(official_name=frame.name, name=frame.short,
                         kind=[KIND_CODES[int(c)] for c in frame.kind_code])
    frame["grid_row"], frame["grid_col"] = tile_grid(frame.lat.tolist(), frame.lon.tolist())
    meta = {
        "land": land,
        "land_code": code,
        "population_reference_date": max(frame.reference_date),
        "population_source": GERMANY_POPULATION_SOURCE,
        "centroid_note": "Punkt innerhalb der Kreisfläche (aus den BKG-Grenzen), WGS84.",
        "tile_grid": "automatisch aus den Kreispunkten gelegt",
    }
    return Reference(table=frame[COLUMNS], meta=meta, retired=_retired({}))


def key_path(code: str) -> Path | None:
    """The shipped distribution key of Land ``code``, None where there is none."""
    curated = CURATED.get(str(code).zfill(2))
    return curated[1] if curated else None


def proportional_key(table: pd.DataFrame) -> pd.DataFrame:
    """A distribution key in proportion to population (for a Land without an official one):
    ``ags, share_percent, valid_from, valid_to, source``; shares sum to 100."""
    import pandas as pd

    population = table.population.astype("float64")
    return pd.DataFrame({
        "ags": table.ags.to_numpy(), "share_percent": (population / population.sum() * 100).to_numpy(),
        "valid_from": None, "valid_to": None,
        "source": f"{PROPORTIONAL_SOURCE} (Einwohner)",
    })


def tile_grid(lats: list[float], lons: list[float], spare: float = 1.35) -> tuple[list[int], list[int]]:
    """(grid_row, grid_col) per district: a grid about ``spare`` times as many cells as districts,
    shaped like the Land (longitude scaled by the cosine of the latitude); districts, the most
    crowded first, take the free cell nearest to where they lie. Row 0 is the north."""
    import math

    n = len(lats)
    if n == 0:
        return [], []
    mid = sum(lats) / n
    xs = [lon * math.cos(math.radians(mid)) for lon in lons]
    width, height = (max(xs) - min(xs)) or 1.0, (max(lats) - min(lats)) or 1.0
    cols = max(1, round(math.sqrt(n * spare * width / height)))
    rows = max(1, math.ceil(n * spare / cols))
    # continuous positions in cell units
    px = [(x - min(xs)) / width * (cols - 1) for x in xs]
    py = [(max(lats) - lat) / height * (rows - 1) for lat in lats]
    free = {(r, c) for r in range(rows) for c in range(cols)}
    order = sorted(range(n), key=lambda i: -sum(1 for j in range(n)
                                                if abs(px[i] - px[j]) < 1 and abs(py[i] - py[j]) < 1))
    grid_row, grid_col = [0] * n, [0] * n
    for i in order:
        cell = min(free, key=lambda rc: ((rc[0] - py[i]) ** 2 + (rc[1] - px[i]) ** 2, rc))
        free.discard(cell)
        grid_row[i], grid_col[i] = cell
    return grid_row, grid_col


def install_reference(con: duckdb.DuckDBPyConnection, reference: Reference) -> None:
    """Replace the reference tables with ``reference`` (report rows are left as they are)."""
    con.execute("DELETE FROM district_ref")
    con.execute("DELETE FROM district_retired")
    con.execute("DELETE FROM reference_meta")
    con.register("ref_frame", reference.table[COLUMNS])
    con.execute("INSERT INTO district_ref (ags, name, kind, seat, population, lat, lon, grid_row, "
                "grid_col, official_name) SELECT * FROM ref_frame")
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
    frame = _read_csv(path, "reference.what_key", dtype={"ags": str, "valid_from": str,
                                                       "valid_to": str})
    missing = {"ags", "share_percent"} - set(frame.columns)
    if missing:
        raise _missing(path, missing, frame.columns)
    frame["ags"] = frame.ags.map(normalise_ags)
    if frame.ags.isna().any():
        raise BadReference("reference.ags_missing", path=path)
    frame["share_percent"] = pd.to_numeric(frame.share_percent, errors="coerce")
    if frame.share_percent.isna().any() or (frame.share_percent < 0).any():
        raise BadReference("reference.share", path=path)
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
    """Recognises districts by key or by any usual form of their name (short or official).

    Where two districts share a name key (Bavaria's "Rosenheim" city and Landkreis), the affix
    decides (``Stadt Rosenheim``, ``Rosenheim, Landkreis``, ``LK Rosenheim``); a bare name means
    the city, as the dashboard shows it (the Landkreis is shown as ``Landkreis Rosenheim``)."""

    names: dict[str, str]  # ags -> name as shown
    by_key: dict[str, str]  # name_key -> ags (for a shared key: the city)
    retired: dict[str, tuple[str, str, str | None]]  # ags or name_key -> (old name, new ags, since)
    shared: dict[str, dict[str, str]] = field(default_factory=dict)  # name_key -> kind -> ags

    @classmethod
    def from_db(cls, con: duckdb.DuckDBPyConnection) -> Matcher:
        """From the main database or a snapshot: both hold ``district_ref``."""
        rows = con.execute("SELECT ags, name, official_name, kind FROM district_ref").fetchall()
        retired_rows = con.execute(
            "SELECT ags, name, merged_into, CAST(since AS VARCHAR) FROM district_retired"
        ).fetchall()
        retired: dict[str, tuple[str, str, str | None]] = {}
        for ags, name, merged_into, since in retired_rows:
            retired[ags] = retired[name_key(name)] = (name, merged_into, since)
        return cls.build(rows, retired)

    @classmethod
    def build(cls, rows: list[tuple[str, str, str | None, str]],
              retired: dict | None = None) -> Matcher:
        """From (ags, name, official_name, kind) rows."""
        kinds: dict[str, dict[str, str]] = {}
        for ags, name, official, kind in rows:
            for form in {name, official or name}:
                key, said = name_parts(form)
                kinds.setdefault(key, {}).setdefault(said or kind, ags)
                kinds[key].setdefault(kind, ags)
        by_key, shared = {}, {}
        for key, found in kinds.items():
            targets = set(found.values())
            by_key[key] = found.get(CITY, next(iter(found.values()))) if len(targets) > 1 \
                else next(iter(targets))
            if len(targets) > 1:
                shared[key] = found
        return cls(names={ags: name for ags, name, *_ in rows}, by_key=by_key,
                   retired=retired or {}, shared=shared)

    def ags_for_name(self, name: str) -> str | None:
        key, kind = name_parts(name)
        if key in self.shared and kind:
            return self.shared[key].get(kind)
        return self.by_key.get(key)
