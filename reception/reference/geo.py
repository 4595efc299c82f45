"""Real district boundaries: the shipped file, or a GeoJSON file the user configures.

By default the map draws ``data/reference/deutschland_kreise.geojson`` (BKG VG250, 31.12.2019,
simplified to about 300 m, Eisenach merged into the Wartburgkreis; "© GeoBasis-DE / BKG (2020),
Daten verändert", dl-de/by-2-0). ``RECEPTION_GEOJSON`` names another GeoJSON FeatureCollection
(WGS84) whose features carry the district key in a property (``AGS``, ``ags``, ``RS``, ``ARS``,
``krs_code`` or ``KRS``; 5- or 8-/12-digit keys). Nothing is downloaded.

For drawing, :func:`outlines` keeps only the districts shown and thins each ring
(Douglas-Peucker) to under a pixel of the drawn extent: a national map sends about 17,000
points instead of 58,000, as float32 (the figure carries them base64-encoded, see
:func:`reception.read.charts.boundary_map`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reception import config
from reception.reference.districts import normalise_ags

ATTRIBUTION = "© GeoBasis-DE / BKG (2020), Daten verändert (dl-de/by-2-0)"

KEY_PROPERTIES = ("AGS", "ags", "RS", "rs", "ARS", "ars", "krs_code", "KRS", "AGS_0")


def configured_path() -> Path | None:
    """The configured boundary file (``config.geojson_path``), when set and present."""
    return config.geojson_path()


def boundary_file() -> tuple[Path | None, bool]:
    """(the boundary file to draw, whether it is the shipped one): ``RECEPTION_GEOJSON`` when it
    is set and present, else the shipped file (None where that is missing too)."""
    configured = configured_path()
    if configured is not None:
        return configured, False
    shipped = config.DEFAULT_GEOJSON
    return (shipped, True) if shipped.is_file() else (None, True)


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


def _thin(points: np.ndarray, ends: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker over many rings at once: ``points`` (n x 2, projected) hold the rings one
    after another, ``ends`` the index of each ring's first and last point (always kept). Returns
    the mask of points to keep. Each round takes, in every segment between two kept points, the
    point farthest from the segment if it lies more than ``tolerance`` away; about twenty
    vectorised rounds for all of Germany instead of 28,000 steps of a loop."""
    keep = np.zeros(len(points), dtype=bool)
    keep[ends] = True
    while True:
        kept, free = np.flatnonzero(keep), np.flatnonzero(~keep)
        if not len(free):
            return keep
        at = np.searchsorted(kept, free)
        left, right = kept[at - 1], kept[at]
        start, direction = points[left], points[right] - points[left]
        offset = points[free] - start
        length = np.hypot(direction[:, 0], direction[:, 1])
        across = np.abs(direction[:, 0] * offset[:, 1] - direction[:, 1] * offset[:, 0])
        # a closed ring's first and last point coincide: distance to that point
        distance = np.where(length > 0, across / np.where(length > 0, length, 1.0),
                            np.hypot(offset[:, 0], offset[:, 1]))
        runs = np.flatnonzero(np.r_[True, left[1:] != left[:-1]])  # one run per segment
        run = np.repeat(np.arange(len(runs)), np.diff(np.r_[runs, len(free)]))
        farthest = np.maximum.reduceat(distance, runs)
        candidates = np.flatnonzero(distance == farthest[run])
        _, first = np.unique(run[candidates], return_index=True)
        chosen = candidates[first]
        chosen = chosen[farthest[run[chosen]] > tolerance]
        if not len(chosen):
            return keep
        keep[free[chosen]] = True


@dataclass(frozen=True)
class Outlines:
    """Thinned outlines ready to draw: ``shapes`` ags -> float32 array (n x 2: lon, lat), a
    NaN row between rings. ``key`` names the file version and districts they come from; the
    app's figure cache hashes that instead of the coordinates."""

    key: str
    shapes: dict[str, np.ndarray]

    def get(self, ags: str) -> np.ndarray | None:
        return self.shapes.get(ags)

    def __contains__(self, ags: object) -> bool:
        return ags in self.shapes

    def __len__(self) -> int:
        return len(self.shapes)


def outlines(shapes: dict[str, list], ags: list[str], pixels: int = 800, key: str = "") -> Outlines:
    """The outlines of the districts ``ags`` that have a shape, each ring thinned to
    1/``pixels`` of the larger side of their common extent (under a pixel of the 720-pixel
    map: invisible, and a national map sends 17,000 points instead of 58,000)."""
    chosen = {a: shapes[a] for a in ags if shapes.get(a)}
    if not chosen:
        return Outlines(key, {})
    points = np.array([p for rings in chosen.values() for ring in rings for p in ring], dtype=float)
    squeeze = math.cos(math.radians(float(points[:, 1].mean())))
    width = (points[:, 0].max() - points[:, 0].min()) * squeeze
    height = points[:, 1].max() - points[:, 1].min()
    tolerance = max(width, height, 1e-6) / pixels
    rings = [(code, np.asarray(ring, dtype=float)) for code, found in chosen.items() for ring in found]
    lengths = np.array([len(ring) for _, ring in rings])
    firsts = np.r_[0, np.cumsum(lengths)[:-1]]
    points = np.vstack([ring for _, ring in rings]) * [squeeze, 1.0]
    keep = _thin(points, np.r_[firsts, firsts + lengths - 1], tolerance)
    parts: dict[str, list] = {}
    for (code, ring), first, length in zip(rings, firsts, lengths):
        mask = keep[first:first + length]
        thinned = ring[mask] if mask.sum() >= 4 else ring  # a polygon needs four points
        parts.setdefault(code, []).extend([thinned, np.full((1, 2), np.nan)])
    result = {code: np.vstack(found[:-1]).astype(np.float32) for code, found in parts.items()}
    return Outlines(key, result)
