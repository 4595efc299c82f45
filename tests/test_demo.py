"""The demo generator: shape of the synthetic history, determinism, idempotent install."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from etl.cli import main
from reception.ingest import demo
from reception.reference import districts
from reception.store import db
from tests.etl_support import query

TODAYS = [date(2024, 2, 1), date(2025, 6, 18), date(2026, 11, 24)]


def _demo_database(folder, today: date):
    path = folder / "reception.duckdb"
    with db.writer(path) as con:
        districts.install_reference(con, districts.read_reference())
        districts.install_distribution_key(con)
        info = demo.install_demo(con, today)
    return path, info


@pytest.fixture(scope="module", params=TODAYS, ids=str)
def demo_case(request, tmp_path_factory):
    today = request.param
    path, info = _demo_database(tmp_path_factory.mktemp("demo"), today)
    columns = ["ags", "week", "arrivals", "departures", "capacity", "occupied",
               "occupancy_rate", "free_places", "reported"]
    frame = pd.DataFrame(query(path, f"SELECT {', '.join(columns)} FROM weekly "  # noqa: S608
                                     "ORDER BY ags, week"), columns=columns)
    return today, path, info, frame


def test_demo_covers_every_week_since_2022_for_all_22_districts(demo_case):
    today, path, info, weekly = demo_case
    latest = demo.iso_monday(today)
    assert weekly.week.min() == date(2022, 1, 3)
    assert weekly.week.max() == latest
    assert weekly.ags.nunique() == 22
    assert info["weeks"] == (latest - date(2022, 1, 3)).days // 7 + 1
    assert info["rows"] == query(path, "SELECT count(*) FROM report_row")[0][0]
    assert query(path, "SELECT source, loaded_by, status FROM loads") == [("demo", "demo", "loaded")]


def test_demo_arrivals_follow_the_real_course_of_events(demo_case):
    today, _, _, weekly = demo_case
    state = weekly.groupby("week").arrivals.sum()
    year = pd.Series([w.year for w in state.index], index=state.index)
    assert 100 < state[year == 2022].median() < 700
    # the Ukrainian surge in spring 2022 is the highest
    assert date(2022, 3, 1) <= state.idxmax() <= date(2022, 4, 30)
    if today.year >= 2024:
        autumn_2023 = state[(state.index >= date(2023, 9, 1)) & (state.index <= date(2023, 12, 31))]
        assert autumn_2023.max() > state[year == 2022].mean()
        assert autumn_2023.mean() > state[year == 2024].mean()  # the decline in 2024
    if today.year >= 2026:
        assert state[year == 2025].mean() < state[year == 2024].mean()
        assert 150 <= state[year == 2025].mean() <= 300  # the lower plateau


def test_demo_ends_with_districts_over_and_near_the_limit(demo_case):
    today, _, _, weekly = demo_case
    latest = weekly[weekly.week == weekly.week.max()].set_index("ags")
    assert 3 <= (latest.occupancy_rate > 1).sum() <= 4
    assert (latest.occupancy_rate.between(0.9, 1.0)).sum() >= 2
    # over the limit for several weeks, not by a blip
    recent = weekly[weekly.week >= sorted(weekly.week.unique())[-3]]
    over = recent.groupby("ags").occupancy_rate.min()
    assert (over > 1).sum() >= 3
    assert 12_000 <= latest.capacity.sum() <= 16_000 or today.year < 2026


def test_demo_has_missing_weeks_and_late_districts(demo_case):
    _, _, _, weekly = demo_case
    latest = weekly[weekly.week == weekly.week.max()]
    assert 1 <= (~latest.reported).sum() <= 2
    earlier = weekly[weekly.week < weekly.week.max()]
    assert 0.005 < (~earlier.reported).mean() < 0.05
    # an unreported week carries places and occupancy forward
    gap = earlier[~earlier.reported & (earlier.week > date(2022, 1, 3))].iloc[0]
    before = weekly[(weekly.ags == gap.ags) & (weekly.week < gap.week)].iloc[-1]
    assert np.isnan(gap.arrivals) and gap.capacity == before.capacity


def test_demo_follows_the_distribution_key_with_noise(demo_case):
    _, path, _, weekly = demo_case
    key = dict(query(path, "SELECT ags, share_percent FROM distribution_key"))
    share = weekly.groupby("ags").arrivals.sum() / weekly.arrivals.sum() * 100
    ratio = share / pd.Series(key)
    assert np.corrcoef(share.sort_index(), pd.Series(key).sort_index())[0, 1] > 0.8
    assert (ratio < 0.93).sum() >= 3 and (ratio > 1.07).sum() >= 3  # some lag, some run ahead
    assert ratio.between(0.6, 1.4).all()


def test_demo_capacity_grows_in_steps_after_shortages(demo_case):
    _, _, _, weekly = demo_case
    steps = weekly.sort_values(["ags", "week"]).groupby("ags").capacity.diff()
    assert (steps > 0).sum() >= 10
    assert (steps != 0).mean() < 0.15  # steps, not a new figure every week
    assert weekly.occupancy_rate.max() < 1.8 and weekly.occupancy_rate.min() > 0.3


def test_demo_has_districts_reporting_per_facility(demo_case):
    _, path, _, _ = demo_case
    per_district = query(path, "SELECT ags, count(DISTINCT facility), list(DISTINCT facility_type) "
                               "FROM report_row WHERE facility <> '' GROUP BY ags")
    assert 4 <= len(per_district) <= 5
    for _, facilities, kinds in per_district:
        assert 3 <= facilities <= 6
        assert set(kinds) <= {"GU", "Wohnung", "Notunterkunft"}
    # a district reports either per facility or as a whole, never both
    assert query(path, "SELECT count(*) FROM (SELECT ags FROM report_row GROUP BY ags "
                       "HAVING count(DISTINCT facility = '') > 1)") == [(0,)]


def test_demo_is_deterministic_for_a_fixed_today(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first_path, first = _demo_database(tmp_path / "a", date(2025, 6, 18))
    second_path, second = _demo_database(tmp_path / "b", date(2025, 6, 18))
    assert first == second
    sql = "SELECT ags, week, facility, arrivals, departures, capacity, occupied FROM report_row " \
          "ORDER BY ags, week, facility"
    assert query(first_path, sql) == query(second_path, sql)
    assert query(first_path, "SELECT sha256 FROM loads") == query(second_path, "SELECT sha256 FROM loads")


def test_demo_history_stays_the_same_when_weeks_are_added(tmp_path):
    with db.writer(tmp_path / "r.duckdb") as con:
        districts.install_reference(con, districts.read_reference())
        districts.install_distribution_key(con)
        early = demo.build_demo_frame(con, date(2025, 1, 15))
        later = demo.build_demo_frame(con, date(2025, 6, 18))
    cut = date(2024, 10, 1)  # before the shaped last weeks of the earlier run
    columns = ["ags", "week", "facility", "arrivals", "departures", "capacity", "occupied"]
    a = early[early.week < cut][columns].reset_index(drop=True)
    b = later[later.week < cut][columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_install_demo_twice_changes_nothing(tmp_path):
    path, first = _demo_database(tmp_path, date(2025, 6, 18))
    with db.writer(path) as con:
        again = demo.install_demo(con, date(2025, 6, 18))
    assert again["load_id"] == first["load_id"]
    assert query(path, "SELECT count(*) FROM load_log") == [(1,)]


def test_init_demo_marks_the_snapshot_as_demo(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RECEPTION_DB", str(tmp_path / "reception.duckdb"))
    assert main(["init", "--demo"]) == 0
    assert "Demodaten geladen" in capsys.readouterr().out
    snapshot = tmp_path / "reception.duckdb.snapshot"
    assert query(snapshot, "SELECT has_demo, has_real FROM snapshot_meta") == [(True, False)]
    assert query(snapshot, "SELECT count(DISTINCT ags) FROM weekly") == [(22,)]


@pytest.fixture(scope="module")
def demo_late_2025(tmp_path_factory):
    path, _ = _demo_database(tmp_path_factory.mktemp("demo_parts"), date(2025, 12, 17))
    return path


def _one(path, sql: str):
    return query(path, sql)[0][0]


def test_demo_arrivals_by_group_the_2022_wave_is_mostly_ukraine(demo_late_2025):
    path = demo_late_2025
    share = ("SELECT sum(arrivals_ukraine) / sum(arrivals) FROM weekly "
             "WHERE week BETWEEN DATE '{}' AND DATE '{}'")
    assert _one(path, share.format("2022-03-01", "2022-05-31")) > 0.6
    assert _one(path, share.format("2024-01-01", "2024-12-31")) < 0.1
    # asylum arrivals peak in the autumn of 2023
    peak = _one(path, "SELECT month(week) + 100 * year(week) FROM weekly GROUP BY ALL "
                      "ORDER BY sum(arrivals_asylum) DESC LIMIT 1")
    assert 202309 <= peak <= 202311
    # the groups add up to the arrivals, in every row in force
    assert _one(path, "SELECT count(*) FROM current_rows WHERE arrivals_asylum + "
                      "arrivals_ukraine + arrivals_other <> arrivals") == 0


def test_demo_places_unusable_entitled_and_emergency_shelters(demo_late_2025):
    path = demo_late_2025
    low, high = query(path, "SELECT min(capacity_unusable / capacity), "
                            "max(capacity_unusable / capacity) FROM weekly "
                            "WHERE reported AND capacity >= 200")[0]
    assert 0.025 <= low and high <= 0.101
    entitled = ("SELECT sum(occupied_entitled) / sum(occupied) FROM weekly "
                "WHERE week BETWEEN DATE '{}' AND DATE '{}'")
    assert 0.07 <= _one(path, entitled.format("2022-01-01", "2022-03-31")) <= 0.14
    assert 0.26 <= _one(path, entitled.format("2025-10-01", "2025-12-31")) <= 0.34
    assert _one(path, "SELECT count(*) FROM current_rows WHERE capacity_unusable > capacity "
                      "OR occupied_entitled > occupied") == 0
    shelter = ("SELECT avg(capacity) FROM (SELECT week, sum(capacity) AS capacity "
               "FROM places_by_type WHERE facility_type = 'Notunterkunft' "
               "AND week BETWEEN DATE '{}' AND DATE '{}' GROUP BY week)")
    before = _one(path, shelter.format("2022-01-01", "2022-02-28"))
    peak = _one(path, shelter.format("2023-11-01", "2024-06-30"))
    latest = _one(path, shelter.format("2025-10-01", "2025-12-31"))
    assert peak > 2.5 * before and latest < 0.8 * peak


def test_demo_announces_four_weeks_ahead_and_mostly_comes_true(demo_late_2025):
    path = demo_late_2025
    last = _one(path, "SELECT max(week) FROM weekly")
    ahead = query(path, "SELECT week, count(DISTINCT ags) FROM announcements WHERE week > ? "
                        "GROUP BY week ORDER BY week", [last])
    assert [(w - last).days // 7 for w, _ in ahead] == [1, 2, 3, 4]
    assert {n for _, n in ahead} == {22}
    miss = _one(path, "SELECT median(abs(announced - arrivals) / arrivals) FROM weekly "
                      "WHERE reported AND arrivals >= 10")
    assert miss < 0.15
