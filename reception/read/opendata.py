"""Open data: the ``districts`` and ``weekly`` views as machine-readable CSV and JSON, and the
Frictionless data package that describes them (``/api/v1/...``, ``python -m etl export DIR``).

Everything comes from the published snapshot through :mod:`reception.read.queries`; nothing
here opens the main database or takes a lock. CSV is UTF-8 without BOM, ``,`` between fields,
``.`` as decimal point, ISO dates (``2024-11-18``), ``true``/``false``, an empty cell for
"not reported" (unlike the German downloads on the pages, which are for Excel).

Decisions where the contract is silent:

* ``weekly.json`` is a JSON array of objects, one per row, with the same names and values as
  the CSV (``null`` for empty cells): what ``pandas.read_json`` or ``jq`` take as they are.
* The schema lists the contract's columns in the contract's order; a column the snapshot does
  not have yet (an older schema) is left out of both the CSV and the schema, so they always match.
* Licence: Datenlizenz Deutschland – Namensnennung – Version 2.0 (``settings.toml``,
  ``[open_data]``), the licence of GovData and most Länder portals.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd

from reception import config, fmt
from reception.read import queries

# (name, Frictionless type, title, description): the contract's columns, in its order.
DISTRICT_FIELDS = [
    ("ags", "string", "Kreisschlüssel", "Amtlicher Gemeindeschlüssel des Kreises, 5 Stellen (z. B. 16067)."),
    ("name", "string", "Kreis", "Name des Landkreises oder der kreisfreien Stadt."),
    ("kind", "string", "Art", "„Landkreis“ oder „kreisfreie Stadt“."),
    ("population", "integer", "Einwohner", "Einwohnerzahl laut Referenz (Quelle und Stichtag: "
                                          "siehe sources)."),
]
WEEKLY_FIELDS = [
    ("ags", "string", "Kreisschlüssel", "Amtlicher Gemeindeschlüssel des Kreises, 5 Stellen."),
    ("week", "date", "Woche", "Montag der ISO-Kalenderwoche (2024-11-18 = KW 47/2024)."),
    ("arrivals", "integer", "Zugänge", "In der Woche neu zugewiesene Personen; leer, wenn der "
                                       "Kreis die Woche nicht gemeldet hat."),
    ("departures", "integer", "Abgänge", "In der Woche aus der Unterbringung ausgezogene Personen; "
                                         "leer, wenn nicht gemeldet."),
    ("capacity", "integer", "Plätze", "Verfügbare Plätze am Ende der Woche (Summe der Unterkünfte); "
                                      "ohne Meldung der zuletzt gemeldete Wert."),
    ("occupied", "integer", "Belegung", "Untergebrachte Personen am Ende der Woche; ohne Meldung "
                                        "der zuletzt gemeldete Wert."),
    ("occupancy_rate", "number", "Auslastung", "occupied / capacity (1.0 = 100 %, 6 Nachkommastellen); leer "
                                             "ohne Plätze."),
    ("free_places", "integer", "Freie Plätze", "capacity - occupied; negativ bei Überbelegung."),
    ("reported", "boolean", "Gemeldet", "true, wenn der Kreis für diese Woche gemeldet hat."),
    ("arrivals_asylum", "integer", "Zugänge Asyl", "Davon: vom Land zugewiesene Asylbegehrende; "
                                                   "leer, wenn nicht aufgeschlüsselt."),
    ("arrivals_ukraine", "integer", "Zugänge Ukraine", "Davon: Personen mit vorübergehendem Schutz "
                                                       "(§ 24 AufenthG); leer, wenn nicht aufgeschlüsselt."),
    ("arrivals_other", "integer", "Zugänge sonstige", "Davon: Sonstige (Familiennachzug, Aufnahme"
                                                      "programme); leer, wenn nicht aufgeschlüsselt."),
    ("capacity_unusable", "integer", "Nicht belegbare Plätze", "Davon: Plätze, die derzeit nicht "
                                                               "belegt werden können."),
    ("capacity_usable", "integer", "Belegbare Plätze", "capacity - capacity_unusable."),
    ("occupied_entitled", "integer", "Auszugsberechtigte", "Davon: Personen, die in eine eigene "
                                                           "Wohnung ziehen dürften."),
    ("announced", "integer", "Angekündigte Zuweisungen", "Vom Land für diese Woche angekündigte "
                                                         "Zuweisungen (letzter Stand)."),
    ("usable_rate", "number", "Auslastung belegbarer Plätze", "occupied / capacity_usable."),
    ("free_usable", "integer", "Freie belegbare Plätze", "capacity_usable - occupied."),
]
RESOURCES = {"districts": DISTRICT_FIELDS, "weekly": WEEKLY_FIELDS}
PRIMARY_KEYS = {"districts": ["ags"], "weekly": ["ags", "week"]}


def _typed(frame: pd.DataFrame, fields: list[tuple]) -> pd.DataFrame:
    """The contract's columns present in ``frame``, in order, with the schema's types
    (integers stay integers where a column has empty cells)."""
    present = [f for f in fields if f[0] in frame.columns]
    out = frame[[f[0] for f in present]].copy()
    for name, kind, *_ in present:
        if kind == "integer":
            out[name] = out[name].astype("Int64")
        elif kind == "number":  # rates: 6 decimals, the same in CSV and JSON
            out[name] = out[name].astype("float64").round(6)
        elif kind == "boolean":
            out[name] = out[name].astype("boolean")
        elif kind == "date":
            out[name] = pd.to_datetime(out[name]).astype("datetime64[s]")
        else:
            out[name] = out[name].astype("string")
    return out


def districts(path: Path | None = None) -> pd.DataFrame:
    """The ``districts`` view (ags, name, kind, population), ordered by ags."""
    frame = queries.districts(path).sort_values("ags").reset_index(drop=True)
    return _typed(frame, DISTRICT_FIELDS)


def weekly(ags: str | None = None, since: date | None = None, until: date | None = None,
           path: Path | None = None) -> pd.DataFrame:
    """The ``weekly`` view, optionally one district and weeks in [since, until]."""
    return _typed(queries.weekly_view(ags, since, until, path), WEEKLY_FIELDS)


REPORTING_COLUMNS = ["ags", "week", "due_at", "status", "first_loaded_at", "last_loaded_at",
                     "loads"]


def reporting(ags: str | None = None, since: date | None = None, until: date | None = None,
              path: Path | None = None) -> pd.DataFrame:
    """The ``reporting_status`` view now (``/api/v1/reporting.csv``), optionally one district
    and weeks in [since, until]; timestamps as ISO 8601 in UTC (``2024-11-12T11:00:00Z``)."""
    frame = queries.reporting_status(ags=ags, since=since, until=until, path=path)
    out = frame[REPORTING_COLUMNS].copy()
    out["week"] = pd.to_datetime(out["week"]).astype("datetime64[s]")
    for column in ("due_at", "first_loaded_at", "last_loaded_at"):
        out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out["loads"] = out["loads"].astype("Int64")
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    """Machine-readable CSV: UTF-8, ``,``, ``.``, ISO dates, true/false, empty for missing."""
    out = frame.copy()
    for column in out.columns:
        if str(out[column].dtype) == "boolean":
            out[column] = out[column].map({True: "true", False: "false"}, na_action="ignore")
    return out.to_csv(index=False, sep=",", decimal=".", lineterminator="\n",
                      date_format="%Y-%m-%d").encode("utf-8")


def to_json(frame: pd.DataFrame) -> bytes:
    """A JSON array of row objects, values as in the CSV (``null`` for empty cells)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out.to_json(orient="records", force_ascii=False, double_precision=15).encode("utf-8")


def _schema(name: str, columns: list[str]) -> dict:
    fields = []
    for field, kind, title, description in RESOURCES[name]:
        if field not in columns:
            continue
        entry = {"name": field, "type": kind, "title": title, "description": description}
        if kind == "boolean":
            entry.update(trueValues=["true"], falseValues=["false"])
        if field == "ags":
            entry["constraints"] = {"required": True, "pattern": "[0-9]{5}"}
        if field == "week":
            entry["constraints"] = {"required": True}
        fields.append(entry)
    schema: dict = {"fields": fields, "primaryKey": PRIMARY_KEYS[name], "missingValues": [""]}
    if name == "weekly":
        schema["foreignKeys"] = [{"fields": ["ags"],
                                  "reference": {"resource": "districts", "fields": ["ags"]}}]
    return schema


def descriptor(frames: dict[str, pd.DataFrame], path: Path | None = None) -> dict:
    """The Frictionless data package (v1) describing ``districts.csv`` and ``weekly.csv``:
    schema with types and descriptions, licence, sources, data version and "Stand"."""
    meta = queries.snapshot_meta(path)
    reference = queries.reference_meta(path)
    _, last = queries.week_bounds(path)
    land = reference.get("land", "")
    options = config.settings()
    published = meta.get("published_at")
    stand = fmt.iso_week(last) if last else None
    demo = bool(meta.get("has_demo")) and not bool(meta.get("has_real"))
    package: dict = {
        "profile": "tabular-data-package",
        "name": "aufnahme-monitor",
        "title": f"Aufnahme-Monitor {land}: Unterbringung Geflüchteter je Kreis und Woche".replace("  ", " "),
        "description": ("Wöchentliche Meldungen der Landkreise und kreisfreien Städte: Zugänge, "
                        "Abgänge, Plätze und Belegung der Unterbringung Geflüchteter."
                        + (" Achtung: Demodaten, keine amtlichen Zahlen." if demo else "")),
        "version": f"load-{int(meta['last_load_id'])}" if meta.get("last_load_id") is not None
        else "load-0",
        "created": pd.Timestamp(published).isoformat() if published is not None else None,
        "stand": stand,
        "stand_week": last.isoformat() if last else None,
        "demo": demo,
        "licenses": [{"name": options.license_name, "title": options.license_title,
                      "path": options.license_path}],
        "sources": [{"title": "Wöchentliche Meldungen der Kreise (Zugänge, Abgänge, Plätze, Belegung)"},
                    {"title": reference.get("population_source", "Einwohnerzahlen: Referenz der Kreise")}],
        "resources": [],
    }
    if options.publisher:
        package["contributors"] = [{"title": options.publisher, "role": "publisher"}]
    package = {k: v for k, v in package.items() if v is not None}
    for name, frame in frames.items():
        package["resources"].append({
            "name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
            "title": {"districts": "Kreise", "weekly": "Kreise je Woche"}[name],
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "dialect": {"delimiter": ",", "header": True},
            "schema": _schema(name, list(frame.columns))})
    return package


def package_frames(path: Path | None = None) -> dict[str, pd.DataFrame]:
    """The two resources in full."""
    return {"districts": districts(path), "weekly": weekly(path=path)}


def descriptor_json(path: Path | None = None) -> bytes:
    """``datapackage.json`` as served (the CSVs' columns read without their rows)."""
    frames = {"districts": districts(path), "weekly": weekly(until=date(1, 1, 1), path=path)}
    return json.dumps(descriptor(frames, path), ensure_ascii=False, indent=2).encode("utf-8")


def export(folder: Path, path: Path | None = None) -> dict[str, int]:
    """Write ``districts.csv``, ``weekly.csv`` and ``datapackage.json`` into ``folder`` (created
    if missing); returns the rows written per resource."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = package_frames(path)
    for name, frame in frames.items():
        (folder / f"{name}.csv").write_bytes(to_csv(frame))
    (folder / "datapackage.json").write_text(
        json.dumps(descriptor(frames, path), ensure_ascii=False, indent=2), encoding="utf-8")
    return {name: len(frame) for name, frame in frames.items()}
