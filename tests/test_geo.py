"""Optional real boundaries from a user-configured GeoJSON file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reception import config
from reception.read import charts, measures
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
    fig = charts.boundary_map(frame, geo.outlines(shapes, list(frame.ags)), "occupancy_rate", "de",
                              land="Thüringen")
    filled = [trace for trace in fig.data if trace.fill == "toself"]
    assert [trace.name for trace in filled] == ["Erfurt", "Gotha"]
    assert filled[1].fillcolor == charts.STATUS_COLOURS["limit"]
    erfurt_lon = read_reference().table.set_index("ags").lon["16051"]
    assert np.nanmin(charts.decode_array(filled[0].x)) == pytest.approx(erfurt_lon - 0.05)
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.title.text.startswith("Thüringen nach Kreisgrenzen")


# ------------------------------------------------------------------ the shipped boundaries

def _national_frame(statuses: list[str] | None = None) -> pd.DataFrame:
    """Map frame of all 400 districts (as metrics.map_frame gives it), statuses cycling."""
    from reception.reference.districts import germany_reference

    table = germany_reference().table
    cycle = statuses or ["ok", "warn", "limit", "unknown"]
    status = [cycle[i % len(cycle)] for i in range(len(table))]
    rate = {"ok": 0.7, "warn": 0.95, "limit": 1.05, "unknown": None}
    return pd.DataFrame({
        "ags": table.ags, "name": table.name, "kind": table.kind, "population": table.population,
        "lat": table.lat, "lon": table.lon, "capacity": 100,
        "occupied": [None if rate[s] is None else int(rate[s] * 100) for s in status],
        "occupancy_rate": [rate[s] for s in status], "free_places": 5, "status": status,
        "runway_weeks": 3.0, "arrivals_4w": 4, "arrivals_4w_per_1000": 0.3})


@pytest.fixture(scope="module")
def shipped_shapes() -> dict:
    return geo.load_boundaries(config.DEFAULT_GEOJSON)


def test_the_shipped_file_is_the_default_and_the_variable_overrides_it(tmp_path, monkeypatch):
    monkeypatch.delenv("RECEPTION_GEOJSON", raising=False)
    assert geo.boundary_file() == (config.DEFAULT_GEOJSON, True)
    path = squares_geojson(tmp_path / "k.geojson")
    monkeypatch.setenv("RECEPTION_GEOJSON", str(path))
    assert geo.boundary_file() == (path, False)


def test_the_shipped_file_has_every_district_of_the_reference(shipped_shapes):
    from reception.reference.districts import germany_reference

    assert set(shipped_shapes) == set(germany_reference().table.ags)  # 400, Eisenach merged
    thuringia = geo.load_boundaries(config.REFERENCE_DIR / "thueringen_kreise.geojson")
    assert set(thuringia) == set(read_reference().table.ags)


def test_outlines_thin_a_national_map_but_not_a_land(shipped_shapes):
    from reception.reference.districts import germany_reference

    every = germany_reference().table.ags.tolist()
    national = geo.outlines(shipped_shapes, every)
    points = sum(len(r) for a in every for r in shipped_shapes[a])
    kept = sum(int((~np.isnan(s[:, 0])).sum()) for s in national.shapes.values())
    assert len(national) == 400 and kept < points * 0.4  # 58,000 -> about 17,000
    thuringia = read_reference().table.ags.tolist()
    land = geo.outlines(shipped_shapes, thuringia)
    assert sum(int((~np.isnan(s[:, 0])).sum()) for s in land.shapes.values()) > 0.95 * sum(
        len(r) for a in thuringia for r in shipped_shapes[a])
    wartburg = land.get("16063")  # rings separated by one NaN row each
    assert wartburg.dtype == np.float32
    assert int(np.isnan(wartburg[:, 0]).sum()) == len(shipped_shapes["16063"]) - 1


def test_national_choropleth_has_every_district_coloured_by_the_traffic_light(shipped_shapes):
    frame = _national_frame()
    outlines = geo.outlines(shipped_shapes, frame.ags.tolist(), key="test")
    fig = charts.boundary_map(frame, outlines, "occupancy_rate", "de", land="Deutschland",
                              attribution=geo.ATTRIBUTION)
    filled = [trace for trace in fig.data if trace.fill == "toself"]
    assert [trace.name for trace in filled] == [charts.safe(n) for n in frame.name]  # every district
    for trace, status in zip(filled, frame.status):
        assert trace.fillcolor == charts.STATUS_COLOURS[status]
        assert measures.status_label(status, "de") in trace.text  # hover: symbol and word
    first = charts.decode_array(filled[0].x)
    assert np.nanmin(first) == pytest.approx(np.nanmin(outlines.get(frame.ags[0])[:, 0]))
    legend = [trace.name for trace in fig.data if trace.showlegend is not False and trace.name]
    assert legend == [measures.status_label(s, "de") for s in ("ok", "warn", "limit", "unknown")]
    symbols = [trace for trace in fig.data if trace.mode == "text"][0]
    assert set(symbols.text) == set(measures.STATUS_SYMBOLS.values())
    assert fig.layout.title.text.startswith("Deutschland nach Kreisgrenzen")
    labels = [a.text for a in fig.layout.annotations]
    assert any("GeoBasis-DE / BKG (2020), Daten verändert" in text for text in labels)
    assert len(labels) == 1  # 200 districts strained or at the limit: too many to name
    few = frame.assign(status=["limit" if i < 3 else "ok" for i in range(len(frame))])
    fig = charts.boundary_map(few, outlines, "occupancy_rate", "de")
    named = [a.text for a in fig.layout.annotations]
    assert len(named) == 3 and all("■" in text for text in named)  # the few at the limit are named
    assert fig.layout.title.text == "Die Kreise nach Kreisgrenzen: Auslastung aller Plätze"  # no Land given


def test_a_land_map_names_every_district_and_labels_do_not_cover_each_other(shipped_shapes):
    frame = _national_frame(["ok", "warn"])
    frame = frame[frame.ags.str.startswith("16")].reset_index(drop=True)
    outlines = geo.outlines(shipped_shapes, frame.ags.tolist())
    fig = charts.boundary_map(frame, outlines, "free_places", "de", land="Thüringen")
    names = [a.text for a in fig.layout.annotations]
    assert len(names) == 22
    assert all(n.startswith(charts.wrap_name(name)) for n, name in zip(names, frame.name))
    moved = {a.text.split("<br>")[0] for a in fig.layout.annotations if a.showarrow}
    assert moved  # Weimar and the Weimarer Land around it share a spot: one label moves aside
    assert not [trace for trace in fig.data if trace.mode == "text"]
