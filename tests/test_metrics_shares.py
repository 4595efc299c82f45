"""The ratios of issue 14 on Vergleich and Karte (usable rate, share entitled to move out,
Ukraine share of arrivals), against a small hand-computed weekly frame and a first-version
frame without any split."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reception.config import Settings
from reception.read import charts, measures, metrics, present

WEEKS = pd.date_range("2024-10-07", periods=5, freq="7D")  # KW 41 .. KW 45/2024
NAMES = {"10001": "Aberg", "10002": "Bedorf", "10003": "Cestadt"}
SETTINGS = Settings(warn_rate=0.9, limit_rate=1.0, runway_horizon_weeks=4, net_intake_window_weeks=4,
                    forecast_weeks=8, state_minimum_places=0, lock_timeout_seconds=1)


def _weekly() -> pd.DataFrame:
    """Aberg: arrivals 100 (outside the 4 weeks), 10, 0, 20 (no split), 30; Ukraine 100, 3, 0,
    -, 6; last week 100 places, 20 unusable, 72 occupied, 18 entitled.
    Bedorf: a first-version district (no part ever reported), 50 places, 50 occupied.
    Cestadt: split reported, nobody arrived; all 10 places unusable, nobody housed."""
    rows = []
    for index, week in enumerate(WEEKS):
        rows.append(("10001", week, [100, 10, 0, 20, 30][index], [100, 3, 0, None, 6][index],
                     100, 20, 72, 18))
        rows.append(("10002", week, 5, None, 50, None, 50, None))
        rows.append(("10003", week, 0, 0, 10, 10, 0, 0))
    frame = pd.DataFrame(rows, columns=["ags", "week", "arrivals", "arrivals_ukraine", "capacity",
                                        "capacity_unusable", "occupied", "occupied_entitled"])
    frame = frame.astype({c: "Int64" for c in frame.columns if c not in ("ags", "week")})
    frame["name"] = frame.ags.map(NAMES)
    frame["kind"] = "Landkreis"
    frame["population"] = 100_000
    frame["reported"] = True
    frame["departures"] = pd.array([0] * len(frame), dtype="Int64")
    frame["capacity_usable"] = frame.capacity - frame.capacity_unusable.fillna(0)
    frame["occupancy_rate"] = metrics.occupancy_rate(frame.occupied, frame.capacity)
    frame["usable_rate"] = metrics.occupancy_rate(frame.occupied, frame.capacity_usable)
    frame["free_places"] = frame.capacity - frame.occupied
    frame["free_usable"] = frame.capacity_usable - frame.occupied
    return frame


def _first_version() -> pd.DataFrame:
    """The same figures as a first-version database would have them before migration: no
    parts columns at all."""
    return _weekly().drop(columns=["arrivals_ukraine", "capacity_unusable", "capacity_usable",
                                   "occupied_entitled", "usable_rate", "free_usable"])


def _districts() -> pd.DataFrame:
    return pd.DataFrame({"ags": list(NAMES), "name": list(NAMES.values()), "kind": "Landkreis",
                         "population": 100_000, "lat": [50.0, 50.5, 51.0], "lon": [10.0, 11.0, 12.0],
                         "grid_row": [0, 0, 1], "grid_col": [0, 1, 0]})


def _map(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    weekly = _weekly() if frame is None else frame
    latest = metrics.latest_by_district(weekly, SETTINGS)
    return metrics.map_frame(latest, _districts(), weekly, SETTINGS)


def nan(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)


def test_weekly_ratios_part_over_whole_nan_where_not_reported_or_nothing_to_divide() -> None:
    frame = metrics.with_ratios(_weekly()).set_index(["ags", "week"])
    aberg = frame.loc["10001"]
    assert aberg.ukraine_share.iloc[1] == pytest.approx(0.3)  # 3 / 10
    assert nan(aberg.ukraine_share.iloc[2])  # 0 arrivals: no share, not 0 %
    assert nan(aberg.ukraine_share.iloc[3])  # 20 arrivals without the split
    assert aberg.ukraine_share.iloc[4] == pytest.approx(0.2)  # 6 / 30
    assert aberg.usable_rate.iloc[4] == pytest.approx(0.9)  # 72 / (100 - 20)
    assert aberg.entitled_share.iloc[4] == pytest.approx(0.25)  # 18 / 72
    bedorf = frame.loc["10002"].iloc[-1]
    assert bedorf.usable_rate == pytest.approx(1.0)  # nothing unusable reported: all usable
    assert nan(bedorf.entitled_share) and nan(bedorf.ukraine_share)
    cestadt = frame.loc["10003"].iloc[-1]
    assert nan(cestadt.usable_rate) and nan(cestadt.entitled_share) and nan(cestadt.ukraine_share)


def test_latest_comparison_has_the_ratios_and_the_ukraine_share_of_the_last_four_weeks() -> None:
    table = metrics.latest_comparison(_weekly()).set_index("ags")
    # KW 42-45: Ukraine 3 + 0 + 6 of arrivals 10 + 0 + 30 (KW 44 without the split is left out;
    # KW 41's 100 of 100 lies before the four weeks)
    assert table.ukraine_share_4w["10001"] == pytest.approx(9 / 40)
    assert table.usable_rate["10001"] == pytest.approx(0.9)
    assert table.occupancy_rate["10001"] == pytest.approx(0.72)
    assert table.entitled_share["10001"] == pytest.approx(0.25)
    assert table.free_usable["10001"] == 8 and table.capacity_usable["10001"] == 80
    assert nan(table.ukraine_share_4w["10002"]) and nan(table.entitled_share["10002"])
    assert nan(table.ukraine_share_4w["10003"])  # split reported, but nobody arrived
    assert table.arrivals_4w["10001"] == 60


def test_a_first_version_frame_gets_the_occupancy_as_usable_rate_and_no_shares() -> None:
    table = metrics.latest_comparison(_first_version()).set_index("ags")
    assert table.usable_rate["10001"] == pytest.approx(0.72)  # no unusable places known
    assert table.usable_rate.equals(table.occupancy_rate)
    assert table.entitled_share.isna().all() and table.ukraine_share_4w.isna().all()
    long = metrics.comparison(_first_version(), "ukraine_share", True)
    assert long.value.isna().all()


def test_comparison_of_a_ratio_ignores_per_capita_and_carries_part_and_whole() -> None:
    long = metrics.comparison(_weekly(), "ukraine_share", per_capita=True)
    assert list(long.columns) == ["week", "ags", "name", "value", "arrivals_ukraine", "arrivals"]
    aberg = long[long.ags == "10001"].value.tolist()
    assert aberg[1] == pytest.approx(0.3) and aberg[4] == pytest.approx(0.2)
    usable = metrics.comparison(_weekly(), "usable_rate", per_capita=True)
    assert usable[usable.ags == "10001"].value.iloc[-1] == pytest.approx(0.9)  # not per 1,000
    assert set(measures.RATIOS) <= set(measures.COMPARISON)


def test_map_frame_has_the_usable_traffic_light_at_the_occupancy_thresholds() -> None:
    frame = _map().set_index("ags")
    assert frame.usable_status["10001"] == "warn"  # 90 % usable, 72 % of all places
    assert frame.usable_status["10002"] == "limit"  # 100 %
    assert frame.usable_status["10003"] == "unknown"  # no usable place
    # the occupancy of all places keeps a light of its own value: 72 % is not "warn"
    assert frame.occupancy_status["10001"] == "ok" and frame.occupancy_status["10002"] == "limit"
    statuses = charts.map_statuses(_map(), "occupancy_rate")
    assert list(statuses) == list(_map().occupancy_status)
    assert frame.ukraine_share_4w["10001"] == pytest.approx(9 / 40)
    assert frame.entitled_share["10001"] == pytest.approx(0.25)
    assert "usable_status" not in metrics.map_frame(
        metrics.latest_by_district(_weekly(), SETTINGS), _districts(), _weekly()).columns


def test_tables_show_the_shares_german_formatted_and_a_dash_where_not_reported() -> None:
    table = present.comparison_table(metrics.latest_comparison(_weekly()), "de").set_index("Kreis")
    assert table.loc["Aberg", "Auslastung (belegbare Plätze)"] == "90,0 %"
    assert table.loc["Aberg", "Anteil Auszugsberechtigte"] == "25,0 %"
    assert table.loc["Aberg", "Anteil Ukraine (4 Wochen)"] == "22,5 %"
    assert table.loc["Bedorf", "Anteil Ukraine (4 Wochen)"] == "–"
    assert table.loc["Bedorf", "Anteil Auszugsberechtigte"] == "–"
    shown = present.map_table(_map(), "en").set_index("District")
    assert shown.loc["Aberg", "Ukraine share (4 weeks)"] == "22.5%"


def test_map_summaries_name_the_districts_without_the_figure() -> None:
    frame = _map()
    text = present.summary_map(frame, "ukraine_share_4w", "de")
    assert text == ("Anteil Ukraine an Zugängen (4 Wochen): nur für Aberg (22,5 %). Nicht gemeldet: "
                    "Bedorf. Keine Zugänge: Cestadt.")
    text = present.summary_map(frame, "entitled_share", "de")
    assert "Nicht gemeldet: Bedorf." in text and "Niemand untergebracht: Cestadt." in text
    text = present.summary_map(frame, "usable_rate", "de")
    assert text.startswith("Auslastung der belegbaren Plätze: am höchsten Bedorf (100,0 %)")
    assert "1 Kreise an der Belastungsgrenze, 1 angespannt" in text
    none = _map(_first_version())
    assert present.summary_map(none, "entitled_share", "de") == (
        "Anteil Auszugsberechtigte: von keinem Kreis gemeldet.")


def test_many_districts_without_the_figure_are_counted_beyond_five() -> None:
    names = pd.Series([f"Kreis {i}" for i in range(8)])
    assert present._not_reported(names, "de") == (
        " Nicht gemeldet: Kreis 0, Kreis 1, Kreis 2, Kreis 3, Kreis 4 und 3 weitere.")


def test_comparison_summary_in_percent_with_the_reason_for_a_missing_value() -> None:
    long = metrics.comparison(_weekly(), "ukraine_share", False)
    assert present.summary_comparison(long, "de", "ukraine_share", False) == (
        "Werte in KW 45/2024: Aberg: 20,0 %; Bedorf: nicht gemeldet; Cestadt: keine Zugänge.")
    long = metrics.comparison(_weekly(), "usable_rate", True)
    assert present.summary_comparison(long, "de", "usable_rate", True) == (
        "Werte in KW 45/2024: Bedorf: 100,0 %; Aberg: 90,0 %; Cestadt: keine belegbaren Plätze.")


def test_map_colours_the_usable_rate_by_its_traffic_light_and_the_shares_on_a_percent_scale() -> None:
    frame = _map()
    fig = charts.tile_map(frame, "usable_rate", SETTINGS, "de")
    filled = [trace for trace in fig.data if trace.fill == "toself"]
    assert [trace.fillcolor for trace in filled] == [charts.STATUS_COLOURS[s]
                                                    for s in ("warn", "limit", "unknown")]
    assert "Auslastung der belegbaren Plätze: 90,0 % (▲ angespannt)" in filled[0].text
    assert filled[0].text.count("angespannt") == 1  # one traffic light, with the rate it reads
    fig = charts.tile_map(frame, "ukraine_share_4w", SETTINGS, "de")
    filled = [trace for trace in fig.data if trace.fill == "toself"]
    assert filled[1].fillcolor == charts.STATUS_COLOURS["unknown"]  # Bedorf: grey
    assert "Anteil Ukraine an Zugängen (4 Wochen): nicht gemeldet" in filled[1].text
    assert "Anteil Ukraine an Zugängen (4 Wochen): 22,5 %" in filled[0].text
    bar = [trace for trace in fig.data if trace.marker and trace.marker.colorbar
           and trace.marker.colorbar.title.text][0]
    assert bar.marker.colorbar.ticksuffix == " %" and bar.marker.cmax == pytest.approx(22.5)
    legend = [trace.name for trace in fig.data if trace.name and trace.showlegend is not False
              and trace.fill != "toself"]
    assert legend == ["nicht gemeldet"]
    labels = [a.text for a in fig.layout.annotations]
    assert any("Cestadt" in text and "keine Zugänge" in text for text in labels)


def test_boundary_map_of_the_usable_rate_names_the_strained_districts() -> None:
    import numpy as np

    frame = _map()
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=np.float32)
    outlines = {ags: square + i for i, ags in enumerate(frame.ags)}
    fig = charts.boundary_map(frame, outlines, "usable_rate", "de", land="Testland")
    filled = [trace for trace in fig.data if trace.fill == "toself"]
    assert filled[1].fillcolor == charts.STATUS_COLOURS["limit"]
    assert any("Bedorf" in a.text and "100,0 % ■" in a.text for a in fig.layout.annotations)
    assert fig.layout.title.text == "Testland nach Kreisgrenzen: Auslastung der belegbaren Plätze"


def test_comparison_chart_draws_ratios_in_percent_with_the_thresholds_for_the_usable_rate() -> None:
    long = metrics.comparison(_weekly(), "usable_rate", True)
    fig = charts.comparison(long, "usable_rate", True, "de", SETTINGS)
    aberg = [trace for trace in fig.data if trace.name == "Aberg"][0]
    assert list(aberg.y)[-1] == pytest.approx(90.0)
    assert fig.layout.yaxis.title.text == "Auslastung der belegbaren Plätze (%)"
    assert len(fig.layout.shapes) == 2  # warning and limit lines
    long = metrics.comparison(_weekly(), "entitled_share", False)
    fig = charts.comparison(long, "entitled_share", False, "de", SETTINGS)
    assert not fig.layout.shapes and "%" in fig.data[0].hovertemplate
