"""reception.read.forecast against hand-computed cases, and the backtest's figures file."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reception.read import forecast as fc

ROOT = Path(__file__).resolve().parent.parent


def weeks(n: int, start: str = "2024-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="7D")


def test_constant_series_forecasts_the_constant_with_a_band_of_zero_width():
    out = fc.forecast_values([10.0] * 20, 4)
    assert list(out.step) == [1, 2, 3, 4]
    for column in ("forecast", "lower50", "upper50", "lower", "upper"):
        assert out[column].tolist() == pytest.approx([10.0] * 4)
    assert set(out.flag) == {""}


def test_zero_arrivals_forecast_zero():
    out = fc.forecast_values([0.0] * 12, 3)
    assert out.forecast.tolist() == [0.0] * 3 and out.upper.tolist() == [0.0] * 3


def test_a_single_week_is_its_own_forecast_without_a_band():
    out = fc.forecast_values([5.0], 3)
    assert out.forecast.tolist() == [5.0] * 3
    assert out.lower.isna().all() and out.upper.isna().all()


def test_a_step_is_followed_at_once_and_widens_the_band_from_step_two():
    # 10 x 10 then 10 x 20: weight 1 has a single one-step error, log(21/11); every smaller weight
    # has more. Step 1's 19 errors are 18 zeros and that one: the 90 % quantile is 0. Step 2's 18
    # errors hold it twice (origins 8 and 9); the 90 % quantile sits at position 0.9 * 17 = 15.3
    # of the sorted errors: 0.3 of the way from 0 to log(21/11).
    out = fc.forecast_values([10.0] * 10 + [20.0] * 10, 2)
    assert out.alpha.iloc[0] == 1.0
    assert out.forecast.tolist() == [20.0, 20.0]
    assert out.upper.iloc[0] == pytest.approx(20.0)
    assert out.upper.iloc[1] == pytest.approx(21 * (21 / 11) ** 0.3 - 1)
    assert out.lower.tolist() == [20.0, 20.0]


def test_a_trend_is_forecast_from_the_last_value_with_the_band_above_it():
    y = np.arange(10.0, 210.0, 10.0)  # 10, 20, ..., 200: naive fits best
    out = fc.forecast_values(y, 2)
    z = np.log1p(y)
    assert out.alpha.iloc[0] == 1.0 and out.forecast.iloc[0] == 200.0
    step1 = z[1:] - z[:-1]
    assert out.upper.iloc[0] == pytest.approx(201 * math.exp(np.quantile(step1, 0.9)) - 1)
    step2 = z[2:] - z[:-2]
    assert out.upper.iloc[1] == pytest.approx(201 * math.exp(np.quantile(step2, 0.9)) - 1)
    assert out.lower.tolist() == [200.0, 200.0]  # every past error was positive
    assert out.flag.iloc[0] == ""  # a steady trend is not a break


def test_levels_carry_over_unreported_periods():
    assert fc.levels(np.array([1.0, np.nan, 3.0]), 0.5)[0].tolist() == [1.0, 1.0, 2.0]
    assert np.isnan(fc.levels(np.array([np.nan, 2.0]), 0.5)[0, 0])


def test_gaps_are_skipped_and_trailing_gaps_count_as_steps():
    y = [4.0, np.nan, 4.0, 4.0, np.nan, 4.0, 4.0, 4.0, np.nan, np.nan]
    out = fc.forecast_values(y, 3)
    assert out.forecast.tolist() == pytest.approx([4.0] * 3)
    assert out.upper.tolist() == pytest.approx([4.0] * 3)
    assert fc.trailing_gaps(np.log1p(np.array([y]))).tolist() == [2]


def test_weeks_missing_from_the_frame_are_gaps():
    history = pd.DataFrame({"week": weeks(6).delete([2, 3]), "arrivals": [5.0, 5, 5, 5]})
    assert len(fc.regular_weeks(history, "arrivals")) == 6
    out = fc.forecast_weekly(history, 2)
    assert out.week.tolist() == [pd.Timestamp("2024-02-12"), pd.Timestamp("2024-02-19")]
    assert out.forecast.tolist() == [5.0, 5.0]


def test_a_break_above_the_band_is_flagged_and_widens_the_band_upwards():
    rng = np.random.default_rng(1)
    calm = list(100.0 + rng.integers(-5, 6, 40))
    quiet = fc.forecast_values(calm, 3)
    broken = fc.forecast_values(calm + [200.0, 220.0, 240.0], 3)
    assert set(quiet.flag) == {""}
    assert set(broken.flag) == {fc.ABOVE}
    # the band above is wider than the calm weeks' errors alone would make it
    z = np.log1p(np.array(calm + [200.0, 220.0, 240.0]))
    level = fc.levels(z, 1.0)[0]
    plain_upper = 241 * math.exp(np.quantile(z[1:] - level[:-1], 0.9)) - 1
    assert broken.upper.iloc[0] > plain_upper
    assert (np.diff(broken.upper) > 0).all()


def test_announced_allocations_replace_the_forecast_of_their_weeks():
    history = pd.DataFrame({"week": weeks(10), "arrivals": [10.0] * 10})
    second = pd.Timestamp("2024-03-18")
    out = fc.forecast_weekly(history, 3, announced={second.date(): 40})
    row = out.set_index("week").loc[second]
    assert (row.forecast, row.lower, row.upper, row.source) == (40.0, 40.0, 40.0, "announced")
    assert out.source.tolist() == ["forecast", "announced", "forecast"]
    assert out.forecast.tolist() == pytest.approx([10.0, 40.0, 10.0])


def districts_frame() -> pd.DataFrame:
    frames = []
    for ags, level in (("16051", 10.0), ("16052", 30.0)):
        frames.append(pd.DataFrame({"ags": ags, "week": weeks(12), "arrivals": level,
                                    "reported": True}))
    return pd.concat(frames, ignore_index=True)


def test_state_forecast_is_the_sum_of_the_districts():
    weekly = districts_frame()
    districts = fc.forecast_districts(weekly, 4)
    state = fc.forecast_total(weekly, 4)
    assert districts.groupby("step").forecast.sum().tolist() == pytest.approx(state.forecast.tolist())
    assert state.forecast.tolist() == pytest.approx([40.0] * 4)
    assert (state.lower <= state.forecast).all() and (state.upper >= state.forecast).all()


def test_state_takes_announced_figures_into_its_sum():
    weekly = districts_frame()
    announced = pd.DataFrame({"ags": ["16051"], "week": [pd.Timestamp("2024-03-25")], "announced": [50.0]})
    state = fc.forecast_total(weekly, 2, announced=announced)
    assert state.forecast.tolist() == pytest.approx([80.0, 40.0])
    assert state.source.tolist() == ["forecast", "forecast"]  # one of two districts announced


def test_carried_forward_weeks_are_not_observations():
    weekly = districts_frame()
    weekly.loc[(weekly.ags == "16051") & (weekly.week >= "2024-03-11"), "reported"] = False
    out = fc.forecast_districts(weekly, 1)
    assert out.set_index("ags").forecast["16051"] == pytest.approx(10.0)


def test_four_hundred_series_forecast_together():
    rng = np.random.default_rng(3)
    values = rng.poisson(20, size=(400, 150)).astype(float)
    result = fc.forecast_matrix(values, 8)
    assert result["forecast"].shape == (400, 8)
    assert (result["lower"] <= result["forecast"]).all() and (result["forecast"] <= result["upper"]).all()
    assert (np.diff(result["upper"], axis=1) >= 0).all()  # bands never narrow with the horizon
    assert (np.diff(result["lower"], axis=1) <= 0).all()


def test_read_series_detects_weekly_and_monthly_dates():
    weekly = pd.DataFrame({"date": ["2024-01-01", "2024-01-15"], "value": ["3", "4"]})
    monthly = pd.DataFrame({"Date": ["2024-01-01", "2024-03-01"], "Value": ["3", "4"]})
    (w,) = fc.read_series(weekly).values()
    (m,) = fc.read_series(monthly).values()
    assert w.attrs["freq"] == "W" and len(w) == 3 and np.isnan(w.value.iloc[1])
    assert m.attrs["freq"] == "M" and len(m) == 3
    with pytest.raises(fc.SeriesError) as error:
        fc.read_series(pd.DataFrame({"date": ["2024-01-01", "2024-01-04"], "value": [1, 2]}))
    assert error.value.key == "forecast.frequency"


def test_the_backtest_figures_file_is_current():
    """The committed figures are what the method gives now on the real series (fast to redo)."""
    from reception.read import backtest

    stored = json.loads((ROOT / "data" / "forecast_backtest.json").read_text(encoding="utf-8"))
    fresh = backtest.real_series()
    for name, figures in fresh.items():
        assert stored["series"][name]["all"] == figures["all"], name
        assert stored["series"][name]["surge"] == figures["surge"], name


def test_a_reported_week_without_arrivals_is_a_gap_not_a_zero():
    weekly = districts_frame()
    weekly.loc[(weekly.ags == "16051") & (weekly.week >= "2024-03-04"), "arrivals"] = np.nan
    out = fc.forecast_districts(weekly, 1)
    assert out.set_index("ags").forecast["16051"] == pytest.approx(10.0)
