"""The measures catalogue (reception.read.measures): one entry per measure, labelled in both
languages, written as its unit asks, and the pages and charts offer exactly its lists."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reception.i18n import catalogue
from reception.read import charts, measures, metrics


@pytest.mark.parametrize("key", list(measures.CATALOGUE))
def test_every_measure_has_a_german_and_an_english_label(key: str) -> None:
    entry = catalogue()[f"measure.{key}"]
    assert measures.label(key) == entry["de"] and measures.label(key, "en") == entry["en"]


@pytest.mark.parametrize(("key", "value", "de", "en"), [
    ("arrivals", 12500, "12.500", "12,500"),
    ("free_places", -35, "-35", "-35"),
    ("usable_rate", 0.925, "92,5 %", "92.5%"),
    ("ukraine_share_4w", 0.0, "0,0 %", "0.0%"),
    ("arrivals_4w_per_1000", 1.234, "1,23", "1.23"),
    ("runway_weeks", 3.5, "3,5 Wochen", "3.5 weeks"),
    ("occupancy_rate", math.nan, "–", "–"),
    ("capacity", None, "–", "–"),
])
def test_a_value_is_written_as_its_unit_asks(key: str, value: object, de: str, en: str) -> None:
    assert (measures.show(key, value), measures.show(key, value, "en")) == (de, en)


def test_the_lists_the_pages_offer_are_measures_of_the_catalogue() -> None:
    assert set(measures.COMPARISON) | set(measures.MAP) <= set(measures.CATALOGUE)
    assert measures.MAP[0] == "usable_rate"  # the Karte opens on the traffic light
    assert set(measures.RATIOS) <= set(measures.COMPARISON)
    assert all(measures.CATALOGUE[key].unit == measures.PERCENT for key in measures.RATIOS)
    assert not set(measures.ABSOLUTE) & set(measures.RATIOS)


def test_each_ratio_is_its_part_over_its_whole_in_metrics() -> None:
    weekly = pd.DataFrame({"week": pd.to_datetime(["2024-11-18"] * 2), "ags": ["1", "2"],
                           "arrivals": [10.0, 0.0], "arrivals_ukraine": [4.0, 0.0], "capacity": [200.0, 50.0],
                           "capacity_unusable": [40.0, None], "occupied": [150.0, 0.0],
                           "occupied_entitled": [30.0, 0.0]})
    frame = metrics.with_ratios(weekly)
    for key in measures.RATIOS:
        part, whole = measures.CATALOGUE[key].parts
        expected = [p / w if w > 0 else math.nan for p, w in zip(frame[part], frame[whole])]
        assert frame[key].tolist() == pytest.approx(expected, nan_ok=True)


def test_the_map_writes_its_values_through_the_catalogue() -> None:
    for key in measures.MAP:
        if key not in charts.MAP_SHARES:
            assert charts.map_value(key, 0.5, "de") == measures.show(key, 0.5)
