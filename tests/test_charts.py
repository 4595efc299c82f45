"""Figures are built from plain frames, without Streamlit."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reception.read import charts, forecast, metrics
from tests.test_metrics import NA, SETTINGS, WEEKS, weekly

ROOT = Path(__file__).resolve().parent.parent


def state() -> pd.DataFrame:
    return metrics.state_weekly(weekly(), SETTINGS)


def test_arrivals_vs_capacity_has_bars_and_two_lines_with_unit_titles():
    fig = charts.arrivals_vs_capacity(state(), "de")
    kinds = [trace.type for trace in fig.data]
    assert kinds == ["bar", "scatter", "scatter"]
    assert list(fig.data[0].y) == [15, 25, 5, 45, 55]
    assert fig.layout.yaxis.title.text == "Zugänge (Personen je Woche)"
    assert fig.layout.yaxis2.title.text == "Plätze / Personen"
    assert fig.layout.xaxis.title.text == "Kalenderwoche"
    assert fig.layout.separators == ",."
    assert fig.data[0].customdata[-1] == "KW 47/2024"


def test_english_labels_and_separators():
    fig = charts.arrivals_vs_capacity(state(), "en")
    assert fig.layout.yaxis.title.text == "Arrivals (persons per week)"
    assert fig.layout.separators == ".,"
    assert fig.data[0].customdata[-1] == "CW 47/2024"


def test_ranking_colours_and_marks_every_status():
    latest = metrics.latest_by_district(weekly(), SETTINGS)
    fig = charts.ranking(latest, SETTINGS, "de")
    bar = fig.data[0]
    # highest on top: plotly draws the first category at the bottom
    assert list(bar.y) == ["Aland", "Bstadt"]
    assert list(bar.marker.color) == [charts.STATUS_COLOURS["warn"], charts.STATUS_COLOURS["limit"]]
    assert bar.text[1] == "105,0 % ■" and bar.text[0] == "95,0 % ▲"  # not by colour alone
    thresholds = sorted(shape.x0 for shape in fig.layout.shapes)
    assert thresholds == [90.0, 100.0]
    assert fig.layout.xaxis.title.text == "Auslastung der belegbaren Plätze (%)"


def split_state() -> pd.DataFrame:
    """Five weeks: the first two not split, then asylum/Ukraine/other; 10 places unusable from
    week 4."""
    frame = state().copy()
    frame["arrivals_asylum"] = [NA, NA, 3, 20, 30]
    frame["arrivals_ukraine"] = [NA, NA, 2, 20, 20]
    frame["arrivals_other"] = [NA, NA, 0, 0, 5]
    frame["capacity_usable"] = frame.capacity - [0, 0, 0, 10, 10]
    return frame


def test_arrivals_stack_by_group_where_split_and_usable_places_are_a_line():
    fig = charts.arrivals_vs_capacity(split_state(), "de")
    bars = {trace.name: list(trace.y) for trace in fig.data if trace.type == "bar"}
    # the weeks before the split keep one colour ("ohne Aufschlüsselung"); week 4: 45 - 20 - 20
    assert list(bars) == ["Asylsuchende", "Ukraine (§ 24 AufenthG)", "Sonstige",
                          "Zugänge ohne Aufschlüsselung"]
    assert bars["Zugänge ohne Aufschlüsselung"] == [15, 25, 0, 5, 0]
    assert fig.layout.barmode == "stack"
    lines = [trace.name for trace in fig.data if trace.type == "scatter"]
    assert lines == ["Plätze", "Belegbare Plätze", "Belegt"]


def test_a_report_without_parts_draws_one_bar_and_no_usable_line():
    frame = split_state()
    frame[["arrivals_asylum", "arrivals_ukraine", "arrivals_other"]] = NA
    frame["capacity_usable"] = frame.capacity
    kinds = [(trace.type, trace.name) for trace in charts.arrivals_vs_capacity(frame, "de").data]
    assert kinds == [("bar", "Zugänge"), ("scatter", "Plätze"), ("scatter", "Belegt")]


def test_status_colours_are_distinct_and_palette_is_okabe_ito():
    assert len(set(charts.STATUS_COLOURS.values())) == 4
    assert charts.PALETTE[:3] == ["#0072B2", "#E69F00", "#009E73"]


def test_occupancy_rate_chart_draws_both_thresholds():
    series = metrics.district_series(weekly(), "B")
    fig = charts.occupancy_rate(series, SETTINGS, "de")
    assert list(fig.data[0].y) == pytest.approx([50.0, 55.0, 60.0, 65.0, 105.0])
    assert sorted(shape.y0 for shape in fig.layout.shapes) == [90.0, 100.0]
    assert fig.layout.yaxis.range[1] >= 110


def test_facility_names_are_escaped():
    frame = pd.DataFrame({"facility": ["<b>Halle</b>", "GU"], "facility_type": [None, "GU"],
                          "capacity": [10, 20], "occupied": [5, 25]})
    fig = charts.facilities(frame, "de")
    names = list(fig.data[0].y)
    assert "&lt;b&gt;Halle&lt;/b&gt;" in names and "GU (GU)" in names
    assert not any("<b>" in name for name in names)


def test_forecast_chart_has_band_and_line():
    history = pd.DataFrame({"week": WEEKS, "arrivals": [10, 20, 30, 40, 50]})
    prediction = forecast.forecast_weekly(history, 8)
    fig = charts.forecast(history, prediction, "de")
    # bars, the 80 % and the 50 % band (two traces each), the forecast line
    assert [trace.type for trace in fig.data] == ["bar"] + ["scatter"] * 5
    assert fig.data[2].fill == "tonexty" and fig.data[4].fill == "tonexty"
    assert len(fig.data[5].x) == 8
    empty = charts.forecast(history, forecast.forecast_weekly(history.head(0), 8), "de")
    assert len(empty.data) == 1


def test_tile_map_places_each_district_on_its_grid_cell():
    frame = pd.DataFrame({"ags": ["A", "B"], "name": ["Aland", "Bstadt-Nord-Kreis"],
                          "kind": ["Landkreis", "kreisfreie Stadt"], "population": [1, 1],
                          "grid_row": [0, 1], "grid_col": [0, 2], "capacity": [100, 200],
                          "occupied": [95, 210], "occupancy_rate": [0.95, 1.05], "free_places": [5, -10],
                          "status": ["warn", "limit"],
                          "runway_weeks": [0.25, 0.0], "arrivals_4w": [10, 20],
                          "arrivals_4w_per_1000": [1.0, 2.0]})
    fig = charts.tile_map(frame, "occupancy_rate", SETTINGS, "de")
    tiles = [trace for trace in fig.data if trace.fill == "toself"]
    assert len(tiles) == 2
    assert tiles[0].fillcolor == charts.STATUS_COLOURS["warn"]
    assert tiles[1].fillcolor == charts.STATUS_COLOURS["limit"]
    assert sum(tiles[1].x[:4]) / 4 == 2.0  # column 2; row 1 is the bottom row of two
    assert "95,0 %" in fig.layout.annotations[0].text and "▲" in fig.layout.annotations[0].text
    assert "Bstadt-Nord-<br>Kreis" in fig.layout.annotations[1].text  # wrapped to fit the tile
    continuous = charts.tile_map(frame, "free_places", SETTINGS, "en")
    colours = [trace.fillcolor for trace in continuous.data if trace.fill == "toself"]
    assert colours[0] != colours[1]
    assert continuous.data[-1].marker.colorbar.title.text == "Free places"


def test_comparison_has_a_line_per_district_and_unit_axis():
    long = metrics.comparison(weekly(), "capacity", per_capita=True)
    fig = charts.comparison(long, "capacity", True, "de")
    assert [trace.name for trace in fig.data] == ["Aland", "Bstadt"]
    assert fig.layout.yaxis.title.text == "Plätze je 1.000 Einw."


def test_reporting_heatmap_marks_missing_weeks_with_symbols():
    frame = weekly()
    matrix = metrics.reporting_matrix(frame)
    fig = charts.reporting_heatmap(matrix, "de")
    heat = fig.data[0]
    assert list(heat.x)[0] == "KW 43/2024"
    row_a = list(matrix.index).index("Aland")
    assert heat.text[row_a][2] == "✗" and heat.text[row_a][0] == "✓"
    assert "fehlt" in heat.hovertext[row_a][2]


def test_quota_chart_highlights_the_chosen_district():
    quota = pd.DataFrame({"ags": ["A", "B"], "name": ["Aland", "Bstadt"],
                          "fulfilment_percent": [200.0, 33.3]})
    fig = charts.quota(quota, "A", "de")
    assert list(fig.data[0].y) == ["Bstadt", "Aland"]
    assert fig.data[0].marker.color[1] != fig.data[0].marker.color[0]


@pytest.mark.parametrize("weeks, lang, expected", [
    (4, "de", ["KW 1/2016", "KW 2/2016", "KW 3/2016", "KW 4/2016"]),
    (26, "de", ["Feb 2016", "Mär 2016", "Apr 2016", "Mai 2016", "Jun 2016"]),
    (44, "en", ["Mar 2016", "May 2016", "Jul 2016", "Sep 2016"]),
    (520, "de", ["2017", "2019", "2021", "2023", "2025"]),
])
def test_date_axes_name_months_in_the_page_language(weeks, lang, expected):
    series = pd.DataFrame({"week": pd.date_range("2016-01-04", periods=weeks, freq="7D").date,
                           "arrivals": 1, "capacity": 2, "occupied": 1})
    figure = charts.arrivals_vs_capacity(series, lang)
    assert list(figure.layout.xaxis.ticktext) == expected
    assert len(figure.layout.xaxis.tickvals) == len(expected)
