"""reception.read.planning: scenarios and the needs calculation, hand-computed."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from reception.read import planning as pl

START = pl.Start(date(2025, 1, 6), occupied=80.0, capacity=100.0, moves_out=5.0)


def prediction(n: int = 6, level: float = 10.0, lower: float = 8.0, upper: float = 14.0) -> pd.DataFrame:
    weeks = pd.date_range("2025-01-13", periods=n, freq="7D")
    return pd.DataFrame({"week": weeks, "forecast": level, "lower": lower, "upper": upper})


def test_base_scenario_adds_arrivals_and_subtracts_moves_out_week_by_week():
    path = pl.project(START, prediction(), pl.Scenario())
    # +10 arrivals, -5 moves out each week: 85, 90, 95, 100, 105, 110
    assert path.occupied.tolist() == [85.0, 90.0, 95.0, 100.0, 105.0, 110.0]
    assert path.occupied_lower.tolist() == [83.0, 86.0, 89.0, 92.0, 95.0, 98.0]  # +8 - 5
    assert path.occupied_upper.tolist() == [89.0, 98.0, 107.0, 116.0, 125.0, 134.0]  # +14 - 5
    assert path.rate.tolist() == pytest.approx([0.85, 0.90, 0.95, 1.00, 1.05, 1.10])


def test_crossings_of_the_90_and_100_percent_lines_with_their_band():
    path = pl.project(START, prediction(), pl.Scenario())
    warn, limit = pl.crossing(path, 0.9), pl.crossing(path, 1.0)
    assert warn.week == pd.Timestamp("2025-01-20")  # 90 in week 2
    assert warn.earliest == pd.Timestamp("2025-01-20")  # upper 98 in week 2 (89 in week 1)
    assert warn.latest == pd.Timestamp("2025-02-03")  # lower 92 in week 4
    assert limit.week == pd.Timestamp("2025-02-03")
    assert limit.earliest == pd.Timestamp("2025-01-27")  # upper 107
    assert limit.latest is None  # lower reaches 98 only: not within the horizon


def test_percent_and_fixed_arrivals_and_the_extra_moves_out_lever():
    plus = pl.project(START, prediction(2), pl.Scenario("+20", "percent", 20.0))
    assert plus.arrivals.tolist() == [12.0, 12.0]
    assert plus.arrivals_upper.tolist() == pytest.approx([16.8] * 2)
    assert plus.occupied.tolist() == [87.0, 94.0]
    fixed = pl.project(START, prediction(2), pl.Scenario("fest", "fixed", 3.0, extra_moves=2.0))
    assert fixed.occupied.tolist() == [76.0, 72.0]  # +3 - (5 + 2)
    assert fixed.occupied_upper.tolist() == fixed.occupied.tolist()  # a fixed figure has no band


def test_occupancy_never_goes_below_zero():
    empty = pl.Start(date(2025, 1, 6), occupied=3.0, capacity=10.0, moves_out=5.0)
    path = pl.project(empty, prediction(3, 0.0, 0.0, 0.0), pl.Scenario())
    assert path.occupied.tolist() == [0.0, 0.0, 0.0]


def test_places_opening_and_closing_from_their_week():
    scenario = pl.Scenario("Turnhalle", changes=(("2025-W04", 150), ("2025-W06", -150)))
    path = pl.project(START, prediction(), scenario)
    # W03 = 13 Jan: 100; W04, W05: 250; W06 on: 100
    assert path.capacity.tolist() == [100.0, 250.0, 250.0, 100.0, 100.0, 100.0]
    assert pl.crossing(path, 1.0).week == pd.Timestamp("2025-02-03")  # 100 % as soon as it closes


def test_needs_with_a_10_percent_reserve():
    path = pl.project(START, prediction(), pl.Scenario())
    result = pl.needs(path, "2025-02-17", reserve=0.10)
    # week 6: occupied 110 (upper 134); needed 110 x 1.1 = 121 (upper 147.4 -> 148)
    assert (result.occupied, result.needed, result.additional) == (110.0, 121.0, 21.0)
    assert (result.needed_upper, result.additional_upper) == (148.0, 48.0)
    early = pl.needs(path, "2025-01-13", reserve=0.10)
    assert early.needed == 94.0 and early.additional == 0.0  # 85 x 1.1 = 93.5 -> 94 < 100 places
    assert pl.needs(path, "2030-01-07") is None


def weekly_frame() -> pd.DataFrame:
    weeks = pd.date_range("2025-01-06", periods=4, freq="7D")
    rows = []
    for ags, name, occupied, capacity in (("16051", "Erfurt", 90, 100), ("16067", "Gotha", 40, 80)):
        for i, week in enumerate(weeks):
            rows.append({"ags": ags, "name": name, "week": week, "arrivals": 10.0,
                         "departures": float(2 + i), "capacity": capacity, "occupied": occupied,
                         "reported": i != 3 or ags == "16051"})
    return pd.DataFrame(rows)


def test_starts_take_the_last_week_and_the_mean_of_recent_departures():
    table = pl.starts(weekly_frame(), window=2)
    erfurt = table.set_index("ags").loc["16051"]
    assert (erfurt.occupied, erfurt.capacity, erfurt.moves_out) == (90.0, 100.0, 4.5)  # (4 + 5) / 2
    assert table.set_index("ags").moves_out["16067"] == 3.5  # its last two reports: 3, 4
    state = pl.unit_start(table, pl.STATE)
    assert (state.occupied, state.capacity, state.moves_out) == (130.0, 180.0, 8.0)


def test_needs_table_for_every_district_most_needed_first():
    table = pl.starts(weekly_frame(), window=2)
    weeks = pd.date_range("2025-02-03", periods=3, freq="7D")
    forecasts = pd.concat([pd.DataFrame({"ags": a, "week": weeks, "forecast": 10.0, "lower": 10.0,
                                         "upper": 10.0}) for a in ("16051", "16067")])
    scenario = pl.Scenario(changes=(("2025-W06", 500),))  # changes stay with their own unit
    out = pl.needs_table(table, forecasts, scenario, "2025-02-17", 0.10, 1.0)
    assert out.name.tolist() == ["Erfurt", "Gotha"]
    erfurt = out.iloc[0]
    # 90 + 3 x (10 - 4.5) = 106.5 -> x 1.1 = 117.15 -> 118 places, 18 more than 100
    assert erfurt.occupied == pytest.approx(106.5) and erfurt.needed == 118.0 and erfurt.additional == 18.0
    assert out.iloc[1].additional == 0.0


def test_scenarios_survive_the_url_and_bad_parts_are_dropped():
    scenarios = pl.default_scenarios(date(2025, 1, 6))
    text = pl.encode(scenarios)
    assert pl.decode(text) == scenarios
    assert scenarios[2].changes == (("2025-W04", 150),)
    assert pl.decode("kaputt|x~percent~abc~0~|A~fixed~5~1~2025-W99:3|B~nope~1~0~") == ()
    assert pl.decode("Name~with~tilde") == ()
    assert [s.name for s in pl.decode("a~forecast~0~0~|b~forecast~0~0~|c~forecast~0~0~|d~forecast~0~0~")] \
        == ["a", "b", "c"]


def test_run_scenarios_reports_the_start_rate_and_the_needs_week():
    outcomes = pl.run_scenarios(START, prediction(), pl.default_scenarios(date(2025, 1, 6)),
                                "2025-02-17", 0.10, 0.9, 1.0)
    assert [o.scenario.name for o in outcomes] == ["Basis", "+20 % Zugänge", "mit Turnhalle"]
    assert outcomes[0].start_rate == 0.8
    assert outcomes[2].limit.week is None  # 150 more places from W04
    assert np.isclose(outcomes[1].needs.occupied, 80 + 6 * 7)


def test_outlook_names_the_week_each_district_reaches_the_limit():
    table = pl.starts(weekly_frame(), window=2)  # Erfurt 90/100, moves 4.5; Gotha 40/80, moves 3.5
    weeks = pd.date_range("2025-02-03", periods=4, freq="7D")
    forecasts = pd.concat([pd.DataFrame({"ags": a, "week": weeks, "forecast": 5.0, "lower": 4.5,
                                         "upper": 10.0}) for a in ("16051", "16067")])
    ahead = pl.outlook(table, forecasts, 1.0).set_index("ags")
    # Erfurt: +0.5 a week at the point (90.5 ... 92), +5.5 in the upper band (95.5, 101: week 2)
    assert pd.isna(ahead.limit_week["16051"]) and ahead.limit_earliest["16051"] == weeks[1]
    assert pd.isna(ahead.limit_latest["16051"]) and not ahead.limit_now["16051"]
    assert pd.isna(ahead.limit_earliest["16067"])


def test_the_warning_list_gains_districts_the_forecast_sees_at_the_limit():
    latest = pd.DataFrame({"ags": ["16051", "16067"], "name": ["Erfurt", "Gotha"], "reason": [None, None],
                           "occupancy_rate": [0.99, 0.5]})
    warning = latest.iloc[0:0].drop(columns="reason").assign(reason=pd.Series(dtype=str))
    ahead = pd.DataFrame({"ags": ["16051", "16067"], "limit_week": [pd.Timestamp("2025-02-10"), pd.NaT],
                          "limit_earliest": [pd.Timestamp("2025-02-03"), pd.NaT],
                          "limit_latest": [pd.NaT, pd.NaT], "limit_now": [False, False]})
    out = pl.warning_with_outlook(warning, latest.drop(columns="reason"), ahead)
    assert out.name.tolist() == ["Erfurt"] and out.reason.tolist() == ["forecast"]
    from reception.read import present

    text = present.outlook_text(next(out.itertuples(index=False)), "de")
    assert text == "voraussichtlich in KW 7/2025 an der Grenze (Band: KW 6/2025–später)"


def test_announced_allocations_replace_the_forecast_of_their_weeks_for_district_and_state():
    first_ahead = pd.Timestamp("2025-02-03")  # the week after the frame's last (2025-01-27)
    announced = pd.DataFrame({"ags": ["16051"], "week": [first_ahead], "announced": [55.0]})
    plain = pl.foresight(weekly_frame(), 4, 2, 1.0)
    told = pl.foresight(weekly_frame(), 4, 2, 1.0, announced=announced)
    erfurt = told.districts.set_index(["ags", "week"]).loc[("16051", first_ahead)]
    assert (erfurt.forecast, erfurt.lower, erfurt.upper, erfurt.source) == (55.0, 55.0, 55.0, "announced")
    gotha_plain = plain.districts.set_index(["ags", "week"]).forecast[("16067", first_ahead)]
    gotha_told = told.districts.set_index(["ags", "week"]).forecast[("16067", first_ahead)]
    assert gotha_told == gotha_plain  # no announcement there: the forecast stands
    state = told.state.set_index("week").forecast[first_ahead]
    assert state == pytest.approx(55.0 + gotha_plain)  # the state is the sum of its districts
    later = first_ahead + pd.Timedelta(weeks=1)
    assert told.districts.set_index(["ags", "week"]).source[("16051", later)] == "forecast"


def test_the_default_scenarios_are_named_in_the_pages_language():
    english = pl.default_scenarios(date(2025, 1, 6), "en")
    assert [s.name for s in english] == ["Baseline", "+20 % arrivals", "with sports hall"]
    assert [(s.mode, s.value, s.changes) for s in english] == [
        (s.mode, s.value, s.changes) for s in pl.default_scenarios(date(2025, 1, 6))]


def test_a_scenario_without_a_name_is_numbered_in_the_pages_language():
    assert [s.name for s in pl.decode("~percent~10~0~|~forecast~0~0~", lang="en")] == [
        "Scenario 1", "Scenario 2"]
    assert pl.decode("~percent~10~0~")[0].name == "Szenario 1"


def test_a_link_made_in_one_language_names_the_page_given_scenarios_in_the_other():
    german = pl.encode(pl.default_scenarios(date(2025, 1, 6)) + (pl.Scenario("Szenario 2"),))
    assert [s.name for s in pl.decode(german, limit=4, lang="en")] == [
        "Baseline", "+20 % arrivals", "with sports hall", "Scenario 2"]
    assert pl.decode("Turnhalle Nord~forecast~0~0~", lang="en")[0].name == "Turnhalle Nord"
