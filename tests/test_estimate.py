"""Totals despite gaps (issue 25, 3): the estimate of the districts that have not reported the latest
week, its band, what "Auslastung Land" counts, and the texts Lage, Planung and the Lagebericht show.
Figures are hand-checked: a district whose arrivals never changed has the forecast of that figure
with no spread (every past error is 0)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from reception.read import estimate, estimate_backtest, metrics, present
from tests.conftest import run_etl
from tests.test_briefing import needs_poppler, pdf_text

WEEKS = [pd.Timestamp(date(2024, 9, 2) + timedelta(weeks=k)) for k in range(8)]
LAST = WEEKS[-1]


def _weekly(arrivals: dict[str, int], missing_last: tuple[str, ...] = (), never: tuple[str, ...] = ()):
    """Districts with constant weekly arrivals, 100 places, occupancy 50 + their index; the
    ``missing_last`` ones have not reported the last week (places carried forward, as the view does);
    the ``never`` ones have rows but no report."""
    rows = []
    for index, (ags, value) in enumerate(arrivals.items()):
        for week in WEEKS:
            reported = ags not in never and not (week == LAST and ags in missing_last)
            known = ags not in never
            rows.append({"ags": ags, "name": f"Kreis {ags}", "week": week, "reported": reported,
                         "arrivals": float(value) if reported else np.nan,
                         "departures": 1.0 if reported else np.nan,
                         "capacity": 100.0 if known else np.nan,
                         "occupied": 50.0 + index if known else np.nan, "announced": np.nan})
    frame = pd.DataFrame(rows)
    return frame.assign(occupancy_rate=frame.occupied / frame.capacity)


STATE = {"16051": 10, "16052": 20, "16053": 5, "16054": 7}


def test_two_missing_districts_are_estimated_by_their_forecast():
    weekly = _weekly(STATE, missing_last=("16051", "16052"))
    result = estimate.state_estimate(weekly)
    assert result.needed and result.week == LAST
    assert (result.districts, result.reported) == (4, 2)
    assert result.arrivals_reported == 12  # 5 + 7
    assert result.arrivals == pytest.approx(42)  # + 10 + 20: the forecast of a constant series
    assert result.lower == pytest.approx(42) and result.upper == pytest.approx(42)
    missing = result.missing.set_index("ags")
    assert list(missing.index) == ["16051", "16052"]
    assert set(missing.source) == {estimate.FORECAST}
    assert missing.loc["16052", "estimate"] == pytest.approx(20)
    assert missing.loc["16051", "last_reported"] == WEEKS[-2]
    text = present.estimate_banner(result, "de")
    assert text.startswith("**geschätzt: 2 Kreise fehlen.**")
    assert "12 gemeldet (2 von 4 Kreisen) + 30 geschätzt = **≈ 42** (80-%-Band 42–42)" in text
    assert "Kreis 16051 10 (Prognose, Band 10–10; zuletzt gemeldet KW 42/2024)" in text


def test_announced_allocations_replace_the_forecast_for_their_week():
    weekly = _weekly(STATE, missing_last=("16051", "16052"))
    announced = pd.DataFrame({"ags": ["16052", "16052", "16053"], "week": [LAST, WEEKS[-2], LAST],
                              "announced": [25, 99, 3]})
    result = estimate.state_estimate(weekly, announced)
    missing = result.missing.set_index("ags")
    assert missing.loc["16052", "source"] == estimate.ANNOUNCED
    assert missing.loc["16052", "estimate"] == 25  # not the other week's 99, not the forecast 20
    assert missing.loc["16051", "source"] == estimate.FORECAST  # nothing announced for it
    assert result.arrivals == pytest.approx(12 + 10 + 25)  # 16053 reported: its 3 is not used
    # fewer than MIN_ANNOUNCED weeks with both figures: the announced figure has no spread
    assert result.lower == pytest.approx(47) and result.upper == pytest.approx(47)
    assert "Kreis 16052 25 (vom Land angekündigt, Band 25–25)" in present.estimate_banner(result, "de")


def test_the_announcement_band_comes_from_how_far_arrivals_lay_from_announcements():
    weekly = _weekly(STATE, missing_last=("16052",))
    # every reported week was announced at 1 below (log1p(x) - log1p(x - 1)) or exactly
    weekly["announced"] = np.where(weekly.reported & (weekly.ags == "16051"), weekly.arrivals - 1,
                                   weekly.arrivals)
    offsets = estimate.announced_offsets(weekly, LAST)
    lo, hi = np.quantile(np.r_[[math.log(11 / 10)] * 7, [0.0] * 21], estimate.ANNOUNCED_QUANTILES)
    assert offsets == pytest.approx((min(lo, 0.0), hi))


def test_nothing_missing_shows_no_estimate():
    weekly = _weekly(STATE)
    result = estimate.state_estimate(weekly)
    assert not result.needed and result.arrivals == result.arrivals_reported == 42
    assert present.estimate_banner(result, "de") is None
    assert present.estimate_occupancy(result, "de") is None
    state = metrics.state_weekly(weekly.assign(week=weekly.week.dt.date), _settings())
    heads = metrics.headlines(state)
    assert present.headline_cards(heads, "de", estimate=result) == present.headline_cards(heads, "de")


def test_a_district_that_never_reported_is_named_not_estimated():
    weekly = _weekly(STATE | {"16055": 0}, missing_last=("16051",), never=("16055",))
    result = estimate.state_estimate(weekly)
    assert list(result.missing.ags) == ["16051"] and result.never == ("Kreis 16055",)
    text = present.estimate_banner(result, "de")
    assert text.startswith("**geschätzt: 1 Kreis fehlt.**")
    assert "noch nie gemeldet (die Summe enthält sie nicht): Kreis 16055." in text


def test_the_band_of_the_total_adds_independent_misses():
    # hand-checked: 30 - sqrt(3² + 4²) = 25, 30 + sqrt(4² + 3²) = 35
    assert estimate.combine([10, 20], [7, 16], [14, 23]) == pytest.approx((30, 25, 35))
    assert estimate.combine([np.nan], [np.nan], [np.nan]) == (0.0, 0.0, 0.0)
    total, lower, upper = estimate.combine([10, 7], [8, np.nan], [12, np.nan])  # one has no band
    assert total == 17 and math.isnan(lower) and math.isnan(upper)


def test_the_band_is_scaled_in_log_units():
    lower, upper = estimate.scale_band(np.array([10.0]), np.array([5.0]), np.array([20.0]), 1.1)
    # log1p(10) = 2.3979; log1p(5) = 1.7918, log1p(20) = 3.0445
    assert lower[0] == pytest.approx(math.expm1(2.3979 + 1.1 * (1.7918 - 2.3979)), rel=1e-3)  # 4.65
    assert upper[0] == pytest.approx(math.expm1(2.3979 + 1.1 * (3.0445 - 2.3979)), rel=1e-3)  # 21.4


def test_occupancy_says_how_many_districts_are_carried_forward():
    weekly = _weekly(STATE, missing_last=("16051", "16052"))
    split = estimate.state_estimate(weekly).occupancy
    assert (split.fresh, split.carried, split.carried_from) == (2, 2, WEEKS[-2])
    assert split.rate == pytest.approx((50 + 51 + 52 + 53) / 400)  # all, as the state counts them
    assert split.fresh_rate == pytest.approx((52 + 53) / 200)  # 16053 and 16054 alone
    text = present.estimate_occupancy(estimate.state_estimate(weekly), "de")
    assert text == ("Auslastung Land 51,5 % zählt die Kreise mit Meldung für KW 43/2024 (2) und die mit "
                    "fortgeschriebenen Zahlen (2; letzte Meldung ab KW 42/2024); die gemeldeten allein: "
                    "52,5 %.")


def test_the_arrivals_card_shows_the_estimated_total_with_its_band():
    weekly = _weekly(STATE, missing_last=("16051", "16052"))
    result = estimate.state_estimate(weekly)
    state = metrics.state_weekly(weekly.assign(week=weekly.week.dt.date), _settings())
    cards = {c["label"]: c for c in present.headline_cards(metrics.headlines(state), "de", estimate=result)}
    assert cards["Zugänge (Woche)"]["value"] == "≈ 42"
    assert cards["Zugänge (Woche)"]["caption"] == "geschätzt: 2 Kreise fehlen · gemeldet 12 · 80-%-Band 42–42"
    assert cards["Auslastung"]["caption"] == "Kreise fortgeschrieben: 2; gemeldete allein 52,5 %"


def _settings():
    from reception import config

    return config.settings()


# ---------------------------------------------------------------- the backtest
def test_hiding_a_district_of_constant_series_is_always_covered():
    values = np.array([[10.0] * 20, [20.0] * 20, [5.0] * 20])
    cases = estimate_backtest.cases(values, 12)
    assert len(cases) == 8 * 3
    assert (cases.total == 35).all()
    assert estimate_backtest.hide_one(cases, 1.0)["coverage80"] == 1.0
    assert estimate_backtest.hide_two(cases, 1.0)["n"] == 8 * 3  # three pairs a period


def test_district_like_series_split_the_thuringian_share_of_each_month():
    path = estimate_backtest.SERIES["eurostat"]
    national = pd.read_csv(path).value.to_numpy()
    districts = estimate_backtest.district_like(path, seed=1)
    assert districts.shape == (22, len(national))
    assert (districts.sum(axis=0) == np.round(national * estimate_backtest.THURINGIA_SHARE)).all()
    assert (districts == estimate_backtest.district_like(path, seed=1)).all()  # reproducible


def test_the_committed_backtest_is_the_one_of_the_band_in_use():
    figures = estimate_backtest.stored_figures()
    assert figures["band_scale"] == estimate.BAND_SCALE == figures["calibrated_scale"]
    assert 0.78 <= figures["coverage80"] <= 0.82
    text = present.estimate_backtest_text(figures, "de")
    assert "im Mittel 80," in text and "BAMF" in text


# ---------------------------------------------------------------- Lage and Planung (AppTest)
def _report_rows() -> pd.DataFrame:
    """Four districts, KW 36-43/2024, constant arrivals; Erfurt and Gera miss KW 43."""
    rows = []
    for ags, arrivals in STATE.items():
        for week in WEEKS:
            if week == LAST and ags in ("16051", "16052"):
                continue
            rows.append((ags, week.date(), "", None, arrivals, 1, 100, 50 + int(ags[-1])))
    frame = pd.DataFrame(rows, columns=["ags", "week", "facility", "facility_type", "arrivals",
                                        "departures", "capacity", "occupied"])
    frame["line"] = range(2, len(frame) + 2)
    return frame


@pytest.fixture(scope="module")
def gaps_db(tmp_path_factory: pytest.TempPathFactory):
    from tests import dashboard_data

    return dashboard_data.build(tmp_path_factory.mktemp("gaps") / "reception.duckdb", _report_rows())


def test_lage_shows_the_estimate_banner_and_the_estimated_total(gaps_db, monkeypatch):
    from tests.test_app_pages import open_page, texts

    monkeypatch.setenv("RECEPTION_DB", str(gaps_db))
    at = open_page("lage")
    cards = {m.label: m.value for m in at.metric}
    assert cards["Zugänge (Woche)"] == "≈ 42"  # Jena 5 + Suhl 7 reported, Erfurt 10 + Gera 20 estimated
    banner = next(w.value for w in at.warning if "Kreise fehlen" in w.value)
    assert banner.startswith("**geschätzt: 2 Kreise fehlen.** Zugänge Land KW 43/2024: 12 gemeldet "
                             "(2 von 22 Kreisen) + 30 geschätzt = **≈ 42** (80-%-Band 42–42).")
    assert "Erfurt 10 (Prognose" in banner and "Gera 20 (Prognose" in banner
    assert "und 13 weitere" in banner  # the 18 districts that never reported: named, not estimated
    page = texts(at)
    # places: 100 each; occupied 51, 52 (carried forward from KW 42), 53, 54 -> 210 / 400
    assert "Auslastung Land 52,5 % zählt die Kreise mit Meldung für KW 43/2024 (2)" in page
    assert "die gemeldeten allein: 53,5 %" in page
    assert "bleiben wie gemeldet" in page
    assert "Die Raute zeigt KW 43/2024 mit Schätzung: ≈ 42 (80-%-Band 42–42; geschätzt: 2 Kreise fehlen)." \
        in page  # the forecast chart's "Kurz gesagt"
    at.sidebar.radio(key="lang_choice").set_value("en").run()
    banner = next(w.value for w in at.warning if "districts missing" in w.value)
    assert banner.startswith("**estimated: 2 districts missing.** State arrivals CW 43/2024: 12 reported")


def test_planung_of_the_state_says_the_start_week_is_estimated(gaps_db, monkeypatch):
    from tests.test_app_pages import open_page

    monkeypatch.setenv("RECEPTION_DB", str(gaps_db))
    at = open_page("planung")
    banner = next(w.value for w in at.warning if "Kreise fehlen" in w.value)
    assert "≈ 42" in banner and "Startwoche KW 43/2024" in banner


@needs_poppler
def test_the_briefing_names_the_estimate(gaps_db, tmp_path):
    out = tmp_path / "lagebericht.pdf"
    # without Chromium: the charts are left out, which is not what this test is about
    run_etl("briefing", "--out", str(out), env={"RECEPTION_DB": str(gaps_db),
                                               "BROWSER_PATH": str(tmp_path / "kein-chromium")})
    text = " ".join(pdf_text(out).split())
    assert "geschätzt: 2 Kreise fehlen. Zugänge Land KW 43/2024: 12 gemeldet (2 von 22 Kreisen) + 30 " \
           "geschätzt = ≈ 42 (80-%-Band 42–42)" in text
    assert "Auslastung Land 52,5 % zählt die Kreise mit Meldung für KW 43/2024 (2)" in text
    assert "Die Raute zeigt KW 43/2024 mit Schätzung: ≈ 42" in text  # the forecast chart's summary


def test_methodik_states_how_often_the_band_held(app_db_methodik):
    from tests.test_app_pages import open_page, texts

    at = open_page("methodik")
    page = texts(at)
    figures = estimate_backtest.stored_figures()
    assert "Summen trotz fehlender Meldungen" in [h.value for h in at.subheader]
    assert f"im Mittel {present.fmt.percent(figures['coverage80'], 1, 'de')} (Ziel 78–82 %)" in page
    assert "mit dem Faktor 1,10 kalibriert" in page


@pytest.fixture
def app_db_methodik(gaps_db, monkeypatch):
    monkeypatch.setenv("RECEPTION_DB", str(gaps_db))
    return gaps_db


def test_methodik_says_which_series_miss_the_aim():
    def part(coverage):
        one = {"n": 10, "coverage80": coverage}
        return {"hide_one": one, "hide_one_unscaled": one, "hide_two": one}

    figures = {"data": {"demo": part(0.80), "demo_announced": part(0.80), "bamf": part(0.70),
                        "eurostat": part(0.90)}, "coverage80": 0.8, "band_scale": 1.0}
    text = present.estimate_backtest_text(figures, "de")
    assert "Demo: im Ziel; BAMF: Band zu schmal; Eurostat: Band zu breit" in text


def test_the_forecast_chart_marks_the_estimated_total_with_its_band():
    from reception.read import charts

    weekly = _weekly(STATE, missing_last=("16051",))
    result = estimate.state_estimate(weekly)
    point = present.estimate_point(result)
    assert point == (LAST, pytest.approx(42.0), pytest.approx(42.0), pytest.approx(42.0))
    history = pd.DataFrame({"week": WEEKS, "arrivals": [42.0] * 7 + [32.0]})
    empty = pd.DataFrame(columns=["week", "forecast", "lower", "upper"])
    fig = charts.forecast(history, empty, "de", (LAST, 42.0, 38.0, 47.0))
    marker = next(trace for trace in fig.data if trace.name == "Geschätzt (fehlende Kreise), mit Band")
    assert list(marker.y) == [42.0]
    assert list(marker.error_y.array) == [5.0] and list(marker.error_y.arrayminus) == [4.0]
    assert present.estimate_point(estimate.state_estimate(_weekly(STATE))) is None
    assert [trace.name for trace in charts.forecast(history, empty, "de").data] == ["Zugänge"]


def test_the_weekly_view_stays_as_reported(gaps_db, monkeypatch):
    from reception import config
    from reception.read import queries
    from tests.test_app_pages import open_page

    monkeypatch.setenv("RECEPTION_DB", str(gaps_db))
    open_page("lage")  # the page has computed and shown the estimate
    weekly = queries.weekly(since=LAST.date(), path=config.snapshot_path(gaps_db))
    erfurt = weekly[weekly.ags == "16051"].iloc[0]
    assert not erfurt.reported and pd.isna(erfurt.arrivals)  # not the estimated 10
    assert weekly.arrivals.sum() == 12
