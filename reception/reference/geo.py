"""Optional real district boundaries from a GeoJSON file the user configures.

``RECEPTION_GEOJSON`` names a GeoJSON FeatureCollection (e.g. the BKG's VG250 districts, converted
to WGS84) whose features carry the district key in a property (``AGS``, ``ags``, ``RS``, ``ARS``,
``krs_code`` or ``KRS``; 5- or 8-/12-digit keys). Nothing is downloaded: without the file the app
draws the tile-grid map.
"""

from __future__ import annotations

import json
from pathlib import Path

from reception import config
from reception.reference.districts import normalise_ags

KEY_PROPERTIES = ("AGS", "ags", "RS", "rs", "ARS", "ars", "krs_code", "KRS", "AGS_0")


def configured_path() -> Path | None:
    """The configured boundary file (``config.geojson_path``), when set and present."""
    return config.geojson_path()


def _key(properties: dict) -> str | None:
    for name in KEY_PROPERTIES:
        value = properties.get(name)
        if value is None:
            continue
        digits = str(value).strip()
        if len(digits) >= 8 and digits.isdigit():  # AGS (8) or regional key (12): first five digits
            digits = digits[:5]
        ags = normalise_ags(digits)
        if ags:
            return ags
    return None


def rings(geometry: dict) -> list[list[tuple[float, float]]]:
    """Outer rings of a Polygon or MultiPolygon as lists of (lon, lat)."""
    if geometry.get("type") == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry.get("type") == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return []
    return [[(float(x), float(y)) for x, y, *_ in polygon[0]] for polygon in polygons if polygon]


def load_boundaries(path: Path) -> dict[str, list[list[tuple[float, float]]]]:
    """ags -> outer rings, from the GeoJSON at ``path``; features without a key are skipped."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    shapes: dict[str, list] = {}
    for feature in data.get("features", []):
        ags = _key(feature.get("properties") or {})
        if ags:
            shapes.setdefault(ags, []).extend(rings(feature.get("geometry") or {}))
    return shapes
