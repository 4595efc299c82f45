"""The dashboard's figures against a small dataset computed by hand (see each test's comment)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from reception.config import Settings
from reception.read import metrics

SETTINGS = Settings(warn_rate=0.90, limit_rate=1.00, runway_horizon_weeks=4, net_intake_window_weeks=4,
                    forecast_weeks=8, state_minimum_places=13500, lock_timeout_seconds=1)
WEEKS = pd.to_datetime(["2024-10-21", "2024-10-28", "2024-11-04", "2024-11-11", "2024-11-18"])
NA = np.nan


def weekly() -> pd.DataFrame:
    """A: 10,000 inhabitants, 100 places, week 3 not reported (carried forward).
    B: 20,000 inhabitants, 200 places, overcrowded in the last week."""
    a = pd.DataFrame({"ags": "A", "name": "Aland", "kind": "Landkreis", "population": 10000, "week": WEEKS,
                      "arrivals": [10, 20, NA, 40, 50], "departures": [0, 10, NA, 20, 10],
                      "capacity": [100] * 5, "occupied": [50, 60, 60, 90, 95],
                      "reported": [True, True, False, True, True]})
    b = pd.DataFrame({"ags": "B", "name": "Bstadt", "kind": "kreisfreie Stadt", "population": 20000,
                      "week": WEEKS, "arrivals": [5] * 5, "departures": [5] * 5, "capacity": [200] * 5,
                      "occupied": [100, 110, 120, 130, 210], "reported": [True] * 5})
    frame = pd.concat([a, b], ignore_index=True)
    frame["occupancy_rate"] = metrics.occupancy_rate(frame.occupied, frame.capacity)
    frame["free_places"] = metrics.free_places(frame.capacity, frame.occupied)
    return frame


def test_occupancy_rate_is_occupied_over_capacity_and_undefined_without_places():
    assert metrics.occupancy_rate(95, 100) == pytest.approx(0.95)
    assert metrics.occupancy_rate(210, 200) == pytest.approx(1.05)
    assert math.isnan(metrics.occupancy_rate(5, 0))
    assert math.isnan(metrics.occupancy_rate(5, None))
    series = metrics.occupancy_rate(pd.Series([50, 3]), pd.Series([100, 0]))
    assert series.iloc[0] == 0.5 and math.isnan(series.iloc[1])


def test_free_places_go_negative_when_overcrowded():
    assert metrics.free_places(100, 95) == 5
    assert metrics.free_places(200, 210) == -10


@pytest.mark.parametrize("rate, status", [(0.899, "ok"), (0.90, "warn"), (0.999, "warn"), (1.0, "limit"),
                                          (1.3, "limit"), (NA, "unknown")])
def test_classify_uses_the_configured_thresholds(rate, status):
    assert metrics.classify(rate, SETTINGS) == status


def test_net_intake_averages_the_last_four_reported_weeks_only():
    # A reported weeks 1, 2, 4, 5: (10-0 + 20-10 + 40-20 + 50-10) / 4 = 20; B: 0
    net = metrics.net_intake(weekly(), 4)
    assert net["A"] == pytest.approx(20.0)
    assert net["B"] == pytest.approx(0.0)
    # window 2: (20 + 40) / 2 = 30
    assert metrics.net_intake(weekly(), 2)["A"] == pytest.approx(30.0)


def runway(free: float, net: float) -> float:
    """The runway of one district with nothing announced."""
    return float(metrics.runway_announced([free], [net], [0.0], np.empty((1, 0)))[0])


def test_runway_is_free_places_over_net_intake():
    assert runway(5, 20) == pytest.approx(0.25)
    assert runway(120, 30) == pytest.approx(4.0)
    assert runway(-10, 3) == 0.0  # already full
    assert math.isnan(runway(50, 0))  # not filling up: no run-out
    assert math.isnan(runway(50, -4))


def test_latest_by_district_ranks_by_rate_and_estimates_runway():
    latest = metrics.latest_by_district(weekly(), SETTINGS)
    assert list(latest.ags) == ["B", "A"]  # 105 % before 95 %
    b, a = latest.iloc[0], latest.iloc[1]
    assert b.status == "limit" and b.free_places == -10 and b.runway_weeks == 0.0
    assert a.status == "warn" and a.free_places == 5
    assert a.runway_weeks == pytest.approx(5 / 20)
    assert a.last_reported == WEEKS[-1]


def test_early_warning_lists_limit_first_then_short_runway():
    warn = metrics.early_warning(metrics.latest_by_district(weekly(), SETTINGS), SETTINGS)
    assert list(zip(warn.ags, warn.reason)) == [("B", "limit"), ("A", "runway")]


def test_early_warning_leaves_out_long_runways():
    frame = weekly()
    frame.loc[frame.ags == "A", "capacity"] = 1000  # 905 free / 20 a week = 45 weeks
    frame["occupancy_rate"] = metrics.occupancy_rate(frame.occupied, frame.capacity)
    frame["free_places"] = frame.capacity - frame.occupied
    warn = metrics.early_warning(metrics.latest_by_district(frame, SETTINGS), SETTINGS)
    assert list(warn.ags) == ["B"]


def with_usable(frame: pd.DataFrame, unusable_a: float, unusable_b: float = 0.0) -> pd.DataFrame:
    """``frame`` with the second-version columns, ``unusable_*`` places out of use at A and B."""
    out = frame.copy()
    out["capacity_unusable"] = np.where(out.ags == "A", unusable_a, unusable_b)
    out["capacity_usable"] = out.capacity - out.capacity_unusable
    out["usable_rate"] = out.occupied / out.capacity_usable.where(out.capacity_usable > 0)
    out["free_usable"] = out.capacity_usable - out.occupied
    return out


def test_traffic_light_reads_usable_places():
    # A: 95 housed, 100 places of which 10 unusable: 95 / 90 = 105.6 % -> limit (95 % of all places)
    latest = metrics.latest_by_district(with_usable(weekly(), 10), SETTINGS)
    a = latest.set_index("ags").loc["A"]
    assert a.occupancy_rate == pytest.approx(0.95)
    assert a.usable_rate == pytest.approx(95 / 90)
    assert a.status == "limit" and a.free_usable == -5 and a.runway_weeks == 0.0
    # 0 unusable: the same as a first-version report
    same = metrics.latest_by_district(with_usable(weekly(), 0), SETTINGS).set_index("ags")
    assert same.loc["A"].status == "warn" and same.loc["A"].runway_weeks == pytest.approx(5 / 20)


def test_every_place_unusable_with_people_housed_is_at_the_limit():
    frame = with_usable(weekly(), 100)  # A: 0 usable places, 95 housed
    assert metrics.latest_by_district(frame, SETTINGS).set_index("ags").loc["A"].status == "limit"


def test_runway_announced_takes_announced_weeks_then_the_trend():
    # 100 free, trend 20 a week, 10 move out a week. Announced 60 and 70 in weeks 1 and 2:
    # intake 50 then 60: after week 1 50 taken, 50 left; week 2 takes 60 -> 1 + 50/60 weeks
    weeks = metrics.runway_announced([100], [20], [10], [[60, 70]])
    assert weeks[0] == pytest.approx(1 + 50 / 60)
    # nothing announced in week 1 (trend 20), 130 announced in week 2 (120 net): 1 + 80/120
    assert metrics.runway_announced([100], [20], [10], [[NA, 130]])[0] == pytest.approx(1 + 80 / 120)
    # announcements too small to fill: 2 weeks x 10 net = 20, then 80 left at 20 a week = 4 more
    assert metrics.runway_announced([100], [20], [10], [[20, 20]])[0] == pytest.approx(2 + 80 / 20)
    # not filling after the announcements: none
    assert math.isnan(metrics.runway_announced([100], [-5], [10], [[20, 20]])[0])
    # full now: 0; no announcements at all: free / trend
    assert metrics.runway_announced([-3], [20], [10], [[60]])[0] == 0.0
    assert metrics.runway_announced([100, 50], [20, 25], [0, 0], np.empty((2, 0))).tolist() == [5.0, 2.0]


def test_latest_by_district_counts_announcements_in_the_runway():
    # A: 5 free, trend 20, departures of its last 4 reported weeks (0, 10, 20, 10) average 10.
    # 3 announced for the next week: 3 - 10 < 0 -> week 1 frees 7; then 12 free at 20 a week
    frame = weekly()
    after = WEEKS[-1] + pd.Timedelta(weeks=1)
    announced = pd.DataFrame({"ags": ["A", "A", "B"], "week": [after, after + pd.Timedelta(weeks=6),
                                                               WEEKS[-1]],
                              "announced": [3.0, 40.0, 99.0]})
    latest = metrics.latest_by_district(frame, SETTINGS, announced).set_index("ags")
    a = latest.loc["A"]
    assert a.moves_out == pytest.approx(10.0)
    assert a.runway_weeks == pytest.approx(1 + 12 / 20)
    assert a.runway_basis == "announced"
    # the week-7 announcement lies beyond the 4-week horizon
    assert metrics.announced_ahead(announced, WEEKS[-1], ags=["A"]) == 3.0
    assert np.isnan(metrics.announced_ahead(announced, WEEKS[-1], ags=["B"]))  # not ahead
    assert latest.loc["B"].runway_basis == "trend"


def test_state_weekly_sums_reported_arrivals_and_carried_capacity():
    state = metrics.state_weekly(weekly(), SETTINGS)
    last = state.iloc[-1]
    assert last.arrivals == 55 and last.capacity == 300 and last.occupied == 305
    assert last.occupancy_rate == pytest.approx(305 / 300)
    assert last.free_places == -5
    assert last.at_warn == 2 and last.at_limit == 1
    assert state.iloc[2].arrivals == 5  # A did not report week 3: only B's 5
    assert state.iloc[2].reporting == 1


def test_headlines_compare_with_previous_week_and_mean_of_four_weeks_before():
    heads = metrics.headlines(metrics.state_weekly(weekly(), SETTINGS))
    arrivals = heads["arrivals"]
    # weeks: 15, 25, 5, 45, 55 -> now 55, previous 45, mean of 15, 25, 5, 45 = 22.5
    assert (arrivals.value, arrivals.previous, arrivals.mean4) == (55, 45, 22.5)
    assert arrivals.delta == 10 and arrivals.delta_mean4 == 32.5
    assert heads["at_limit"].value == 1 and heads["at_limit"].previous == 0


def test_headlines_of_a_single_week_have_no_previous():
    state = metrics.state_weekly(weekly()[lambda f: f.week == WEEKS[-1]], SETTINGS)
    heads = metrics.headlines(state)
    assert heads["capacity"].value == 300
    assert math.isnan(heads["capacity"].previous) and math.isnan(heads["capacity"].mean4)


def test_per_1000_inhabitants():
    frame = metrics.per_1000(weekly()[lambda f: f.week == WEEKS[-1]], ["capacity", "arrivals"])
    assert list(frame.capacity_per_1000) == [10.0, 10.0]  # 100/10,000 and 200/20,000
    assert list(frame.arrivals_per_1000) == [5.0, 0.25]


def test_quota_fulfilment_against_the_distribution_key():
    # 150 arrivals in all; A's share 40 % -> Soll 60, Ist 120 -> 200 %; B 60 % -> 90, Ist 30 -> 33.3 %
    arrivals = pd.DataFrame({"ags": ["A", "B"], "name": ["Aland", "Bstadt"], "population": [10000, 20000],
                             "arrivals": [120, 30]})
    key = pd.DataFrame({"ags": ["A", "B"], "share_percent": [40.0, 60.0]})
    quota = metrics.quota(arrivals, key).set_index("ags")
    assert quota.loc["A", "soll"] == pytest.approx(60) and quota.loc["A", "ist"] == 120
    assert quota.loc["A", "fulfilment_percent"] == pytest.approx(200.0)
    assert quota.loc["B", "fulfilment_percent"] == pytest.approx(100 / 3)
    assert quota.loc["B", "difference"] == pytest.approx(-60)
    assert quota.loc["A", "population_share_percent"] == pytest.approx(100 / 3)


def test_quota_without_key_share_has_no_target():
    arrivals = pd.DataFrame({"ags": ["A", "C"], "name": ["Aland", "Cdorf"], "population": [1, 1],
                             "arrivals": [10, 10]})
    quota = metrics.quota(arrivals, pd.DataFrame({"ags": ["A"], "share_percent": [100.0]}))
    assert math.isnan(quota.set_index("ags").loc["C", "fulfilment_percent"])


def test_missing_latest_and_reporting_matrix():
    frame = weekly()
    frame.loc[(frame.ags == "B") & (frame.week == WEEKS[-1]), "reported"] = False
    missing = metrics.missing_latest(frame)
    assert list(missing.ags) == ["B"] and missing.last_reported.iloc[0] == WEEKS[-2]
    matrix = metrics.reporting_matrix(frame)
    assert matrix.loc["Aland"].tolist() == [1, 1, 0, 1, 1]
    assert matrix.loc["Bstadt"].tolist() == [1, 1, 1, 1, 0]


def test_comparison_per_capita_leaves_the_rate_alone():
    absolute = metrics.comparison(weekly(), "capacity", per_capita=False)
    per_capita = metrics.comparison(weekly(), "capacity", per_capita=True)
    assert set(absolute.value) == {100.0, 200.0} and set(per_capita.value) == {10.0}
    rate = metrics.comparison(weekly(), "occupancy_rate", per_capita=True)
    assert rate.value.max() == pytest.approx(1.05)


def test_state_places_against_the_minimum():
    state = metrics.state_weekly(weekly(), SETTINGS)
    places = metrics.state_places(state, 400)
    assert places["capacity"] == 300 and places["gap"] == -100 and places["share"] == 0.75


def test_range_start():
    assert metrics.range_start(date(2024, 11, 18), 4) == date(2024, 10, 28)
    assert metrics.range_start(date(2024, 11, 18), 0) is None


def test_state_usable_places_entitled_share_and_announcements_ahead() -> None:
    m = metrics
    week1, week2 = pd.Timestamp("2024-11-04"), pd.Timestamp("2024-11-11")
    weekly = pd.DataFrame({
        "ags": ["A", "B", "A", "B"], "week": [week1, week1, week2, week2],
        "arrivals": [5, 3, 4, 2], "departures": [1, 1, 1, 1], "reported": [True] * 4,
        "capacity": [100, 50, 100, 50], "occupied": [80, 40, 90, 45],
        "occupancy_rate": [0.8, 0.8, 0.9, 0.9], "free_places": [20, 10, 10, 5],
        # B reports no split: all its places usable, its residents not in the entitled share
        "capacity_usable": [90, 50, 95, 50], "occupied_entitled": [8, None, 18, None],
    })
    state = m.state_weekly(weekly, SETTINGS)
    last = state.iloc[-1]
    assert (last.capacity_usable, last.free_usable, last.occupied_entitled) == (145, 10, 18)
    assert last.usable_rate == pytest.approx(135 / 145)
    assert last.entitled_share == pytest.approx(18 / 90)
    announced = pd.DataFrame({"ags": ["A", "A", "B", "A"], "announced": [7, 3, 5, 11],
                              "week": [week2, week2 + pd.Timedelta(weeks=1),
                                       week2 + pd.Timedelta(weeks=4),
                                       week2 + pd.Timedelta(weeks=5)]})
    assert m.announced_ahead(announced, week2.date()) == 8  # weeks 1-4 after week2
    assert m.announced_ahead(announced, week2.date(), ags=["A"]) == 3
    assert math.isnan(m.announced_ahead(announced.iloc[:0], week2.date()))  # none announced
