"""Optional real boundaries from a user-configured GeoJSON file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from reception.read import charts
from reception.reference import geo
from reception.reference.districts import read_reference


def squares_geojson(path: Path, key: str = "AGS", digits: int = 8) -> Path:
    """A 0.1-degree square around each district's centroid, keyed by its AGS."""
    table = read_reference().table
    features = []
    for ags, lat, lon in zip(table.ags, table.lat, table.lon):
        ring = [[lon - 0.05, lat - 0.05], [lon + 0.05, lat - 0.05], [lon + 0.05, lat + 0.05],
                [lon - 0.05, lat + 0.05], [lon - 0.05, lat - 0.05]]
        features.append({"type": "Feature", "properties": {key: ags.ljust(digits, "0"), "GEN": "x"},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    features.append({"type": "Feature", "properties": {"GEN": "no key"},
                     "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_configured_path_only_when_the_file_exists(tmp_path, monkeypatch):
    monkeypatch.delenv("RECEPTION_GEOJSON", raising=False)
    assert geo.configured_path() is None
    monkeypatch.setenv("RECEPTION_GEOJSON", str(tmp_path / "missing.geojson"))
    assert geo.configured_path() is None
    path = squares_geojson(tmp_path / "k.geojson")
    monkeypatch.setenv("RECEPTION_GEOJSON", str(path))
    assert geo.configured_path() == path


def test_load_boundaries_reads_8_digit_keys_and_skips_features_without_one(tmp_path):
    shapes = geo.load_boundaries(squares_geojson(tmp_path / "k.geojson"))
    assert len(shapes) == 22 and "16051" in shapes
    assert len(shapes["16051"][0]) == 5
    twelve = geo.load_boundaries(squares_geojson(tmp_path / "rs.geojson", key="RS", digits=12))
    assert set(twelve) == set(shapes)


def test_multipolygons_keep_every_part():
    geometry = {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]],
                                                        [[[5, 5], [6, 5], [6, 6], [5, 5]]]]}
    assert len(geo.rings(geometry)) == 2
    assert geo.rings({"type": "Point", "coordinates": [0, 0]}) == []


def test_boundary_map_fills_each_district_polygon(tmp_path):
    shapes = geo.load_boundaries(squares_geojson(tmp_path / "k.geojson"))
    frame = pd.DataFrame({"ags": ["16051", "16067"], "name": ["Erfurt", "Gotha"],
                          "kind": ["kreisfreie Stadt", "Landkreis"], "population": [1, 1],
                          "capacity": [100, 70], "occupied": [96, 73], "occupancy_rate": [0.96, 73 / 70],
                          "free_places": [4, -3], "status": ["warn", "limit"], "runway_weeks": [0.7, 0.0],
                          "arrivals_4w": [1, 2], "arrivals_4w_per_1000": [0.1, 0.2]})
    fig = charts.boundary_map(frame, shapes, "occupancy_rate", "de")
    filled = [trace for trace in fig.data if trace.fill == "toself"]
    assert [trace.name for trace in filled] == ["Erfurt", "Gotha"]
    assert filled[1].fillcolor == charts.STATUS_COLOURS["limit"]
    erfurt_lon = read_reference().table.set_index("ags").lon["16051"]
    assert min(x for x in filled[0].x if x is not None) == pytest.approx(erfurt_lon - 0.05)
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.title.text.startswith("Thüringen nach Kreisgrenzen")
