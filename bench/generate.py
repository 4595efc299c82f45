"""Seeded workloads: facility-level weekly reports as German-format CSV files (one per year) and
the real national district reference for a national case."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = ["Kreisschlüssel", "Kalenderwoche", "Unterkunft", "Art", "Zugänge", "Abgänge", "Plätze",
          "Belegung"]


GERMANY = Path(__file__).resolve().parent.parent / "data" / "reference" / "kreise_deutschland.csv"
# Destatis kind codes -> the contract's kinds (as reception.reference.districts.KIND_CODES)
_KINDS = {41: "kreisfreie Stadt", 42: "kreisfreie Stadt", 43: "Landkreis", 44: "Landkreis",
          45: "Landkreis"}


def national_reference(path: Path, districts: int = 400, seed: int = 7) -> Path:
    """The real reference of all 400 German districts (``data/reference``), or its first
    ``districts`` rows: keys, names and populations as the dashboard meets them, boundaries in
    the shipped GeoJSON for the map; ``etl init`` lays the tile grid. Names: the official ones
    without the kind suffix, "Landkreis X" where a city shares the name (the rule of ``etl init
    --land``). (``seed`` is kept for callers; nothing is drawn.)"""
    table = pd.read_csv(GERMANY, dtype={"ags": str, "land_code": str}).head(districts)
    short = table.name.str.replace(r",\s*[^,]+$", "", regex=True).str.strip()
    shared = short.duplicated(keep=False) & table.kind_code.isin([43, 44, 45])
    prefix = np.where(table.kind_code == 43, "Kreis ", "Landkreis ")
    out = pd.DataFrame({
        "ags": table.ags, "name": np.where(shared, prefix + short, short),
        "official_name": table.name, "kind": table.kind_code.map(_KINDS), "seat": table.seat,
        "population": table.population, "lat": table.lat, "lon": table.lon})
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False)
    path.with_name(path.stem + ".meta.toml").write_text(  # titles say "Deutschland"
        'land = "Deutschland"\nland_code = "DE"\npopulation_reference_date = "2024-12-31"\n'
        'population_source = "Destatis, Gemeindeverzeichnis GV100AD, Ausgabe 30.11.2025"\n',
        encoding="utf-8")
    return path


def facility_reports(out_dir: Path, agses: list[str], weeks: int, facilities: int,
                     first_monday: date = date(2016, 1, 4), seed: int = 11) -> list[Path]:
    """One CSV per calendar year: every district x facility x week, German number format,
    Windows-1252, semicolons (as an office's Excel export)."""
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    mondays = [first_monday + timedelta(weeks=w) for w in range(weeks)]
    labels = np.array([f"KW {m.isocalendar()[1]}/{m.isocalendar()[0]}" for m in mondays])
    years = np.array([m.isocalendar()[0] for m in mondays])
    paths = []
    for year in sorted(set(years.tolist())):
        week_idx = np.flatnonzero(years == year)
        n = len(agses) * facilities * len(week_idx)
        ags = np.repeat(np.array(agses), facilities * len(week_idx))
        facility = np.tile(np.repeat(np.arange(facilities), len(week_idx)), len(agses))
        week = np.tile(week_idx, len(agses) * facilities)
        capacity = rng.integers(20, 2_500, n)
        frame = pd.DataFrame({
            HEADER[0]: ags,
            HEADER[1]: labels[week],
            HEADER[2]: np.char.add("Unterkunft ", facility.astype(str)),
            HEADER[3]: np.where(facility % 3 == 0, "GU", "Wohnung"),
            HEADER[4]: rng.integers(0, 40, n),
            HEADER[5]: rng.integers(0, 30, n),
            HEADER[6]: _german_thousands(capacity),
            HEADER[7]: (capacity * rng.uniform(0.6, 1.05, n)).astype(int),
        })
        path = out_dir / f"meldungen_{year}.csv"
        frame.to_csv(path, sep=";", index=False, encoding="cp1252")
        paths.append(path)
    return paths


def _german_thousands(values: np.ndarray) -> np.ndarray:
    """1250 -> '1.250' (vectorised)."""
    text = values.astype(str)
    big = values >= 1000
    thousands = (values // 1000).astype(str)
    rest = np.char.zfill((values % 1000).astype(str), 3)
    return np.where(big, np.char.add(np.char.add(thousands, "."), rest), text)
