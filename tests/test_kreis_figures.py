"""The Kreis page's figures of issue 14 against small hand-computed frames: places by kind of
accommodation, usable and unusable places, the Auszugsstau, announcements ahead and the
reimbursement per month at the configured rates (and their validity)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from reception import config, fmt
from reception.read import charts, metrics, present

W1, W2, W3 = pd.Timestamp("2024-11-04"), pd.Timestamp("2024-11-11"), pd.Timestamp("2024-11-18")
SETTINGS = config.Settings(warn_rate=0.9, limit_rate=1.0, runway_horizon_weeks=4,
                           net_intake_window_weeks=4, forecast_weeks=8, state_minimum_places=13500,
                           lock_timeout_seconds=30, reimbursement_legal_basis="§ 2 ThürFlüKEVO")


@pytest.mark.parametrize("text, group", [
    ("GU", "gu"), ("gu", "gu"), ("GU Nord", "gu"), (" Gemeinschaftsunterkunft ", "gu"),
    ("GEMEINSCHAFTSUNTERKÜNFTE", "gu"), ("Sammelunterkunft", "gu"),
    ("Wohnung", "flat"), ("Wohnungen", "flat"), ("Wohnungsverbund", "flat"), ("Whg.", "flat"),
    ("dezentral", "flat"),
    ("Notunterkunft", "emergency"), ("notquartier", "emergency"), ("Turnhalle", "emergency"),
    ("Zelt", "emergency"), ("Hotel", "emergency"), ("Jugendherberge", "emergency"),
    ("GU Turnhalle", "gu"),  # the report's word for the kind of housing wins over the building
    ("Containeranlage", "other"), ("Guesthouse", "other"),  # "gu" only as a word of its own
    (None, "unknown"), (float("nan"), "unknown"), ("", "unknown"), ("   ", "unknown"),
    ("ohne Angabe", "unknown"),
])
def test_facility_types_are_grouped_case_insensitively(text, group):
    assert metrics.facility_group(text) == group


def _places() -> pd.DataFrame:
    rows = [(W1, "GU", 100, 5, 90), (W1, "gu Süd", 50, 0, 40), (W1, "Wohnungen", 30, 1, 30),
            (W1, "Notunterkunft", 40, None, 38), (W1, "ohne Angabe", 10, None, 2),
            (W2, "GU", 100, 4, 95), (W2, "Wohnungen", 35, 0, 30), (W2, "Containeranlage", 12, 0, 10)]
    frame = pd.DataFrame(rows, columns=["week", "facility_type", "capacity", "capacity_unusable",
                                        "occupied"])
    return frame.assign(ags="16067")


def test_places_by_type_sums_each_group_per_week():
    wide = metrics.places_by_type(_places())
    assert list(wide.columns) == ["week", "gu", "flat", "emergency", "other", "unknown"]
    assert wide.week.tolist() == [W1, W2]
    first, second = wide.iloc[0], wide.iloc[1]
    assert (first.gu, first.flat, first.emergency, first.other, first.unknown) == (150, 30, 40, 0, 10)
    # the emergency shelter closed: 0 in W2, not missing
    assert (second.gu, second.flat, second.emergency, second.other, second.unknown) == (100, 35, 0, 12, 0)


def test_places_by_type_from_a_week_on_and_without_facility_rows():
    assert metrics.places_by_type(_places(), since=W2).week.tolist() == [W2]
    empty = metrics.places_by_type(_places().iloc[0:0])
    assert empty.empty and "emergency" in empty.columns
    assert metrics.other_types(_places()) == ["Containeranlage"]


def test_places_by_type_table_and_summary():
    wide = metrics.places_by_type(_places())
    table = present.places_by_type_table(wide, "de")
    assert list(table.columns) == ["Woche", "Gemeinschaftsunterkünfte (GU)", "Wohnungen",
                                   "Notunterkünfte", "Sonstige", "ohne Angabe"]
    assert table.iloc[1].tolist() == ["KW 46/2024", 100, 35, 0, 12, 0]
    text = present.summary_places_by_type(wide, ["Containeranlage"], "de")
    # W2: 147 places, GU 100 (68 %), Wohnungen 35 (24 %), Sonstige 12 (8 %)
    assert "In KW 46/2024 meldete der Kreis 147 Plätze" in text
    assert "Gemeinschaftsunterkünfte (GU) 100 (68 %); Wohnungen 35 (24 %); Sonstige 12 (8 %)" in text
    assert "Notunterkünfte hatten im Zeitraum höchstens 40 Plätze (KW 45/2024), jetzt 0" in text
    assert "„Containeranlage“" in text


def test_places_by_type_chart_stacks_the_groups_that_have_places():
    wide = metrics.places_by_type(_places())
    fig = charts.places_by_type(wide, "de")
    assert [trace.name for trace in fig.data] == ["Gemeinschaftsunterkünfte (GU)", "Wohnungen",
                                                  "Notunterkünfte", "Sonstige", "ohne Angabe"]
    assert all(trace.type == "bar" for trace in fig.data)  # two weeks: bars, not an area
    three = pd.concat([wide, wide.tail(1).assign(week=W3)], ignore_index=True)
    fig = charts.places_by_type(three, "en")
    assert {trace.stackgroup for trace in fig.data} == {"places"}
    assert fig.data[0].name == "Shared housing (GU)"


def _series() -> pd.DataFrame:
    """One district, three weeks: W1 without the parts, W2 and W3 with them (W3 carried forward)."""
    return pd.DataFrame({
        "week": [W1, W2, W3], "capacity": [200, 200, 220], "occupied": [150, 160, 176],
        "capacity_unusable": [None, 20, 11], "capacity_usable": [200, 180, 209],
        "occupied_entitled": [None, 32, 44], "free_usable": [50, 20, 33],
        "kind": "Landkreis", "reported": True,
    })


def test_usable_places_and_their_shares():
    frame = metrics.usable_places(_series())
    assert math.isnan(frame.unusable_share.iloc[0])  # not reported
    assert frame.unusable_share.iloc[1] == pytest.approx(0.10)  # 20 / 200
    assert frame.usable_rate.iloc[1] == pytest.approx(160 / 180)
    assert frame.unusable_share.iloc[2] == pytest.approx(0.05)  # 11 / 220
    text = present.summary_usable(frame, "de")
    assert "In KW 47/2024: 220 Plätze, davon 11 nicht belegbar (5,0 %) und 209 belegbar" in text
    assert "belegt sind 176, 84,2 % der belegbaren Plätze" in text  # 176 / 209
    assert "Höchstwert nicht belegbarer Plätze im Zeitraum: 20 (KW 46/2024)" in text
    assert len(charts.usable_places(frame, "de").data) == 3


def test_entitled_residents_and_their_share_of_the_occupied():
    frame = metrics.entitled(_series())
    assert math.isnan(frame.entitled_share.iloc[0])
    assert frame.entitled_share.iloc[1] == pytest.approx(0.20)  # 32 / 160
    assert frame.entitled_share.iloc[2] == pytest.approx(0.25)  # 44 / 176
    text = present.summary_entitled(frame, "de")
    assert "In KW 47/2024 wohnen 44 Auszugsberechtigte in den Unterkünften (25,0 % der Belegung)" in text
    assert "In KW 46/2024 waren es 32 (20,0 %)" in text  # the first week that reported them
    assert len(charts.entitled(frame, "de").data) == 2


def test_district_now_and_its_cards():
    now = metrics.district_now(_series())
    assert now["unusable"] == 11 and now["unusable_share"] == pytest.approx(0.05)
    assert now["usable"] == 209 and now["free_usable"] == 33
    assert now["entitled"] == 44 and now["entitled_share"] == pytest.approx(0.25)
    cards = present.district_cards(now, 27.0, "de")
    assert [c["value"] for c in cards] == ["11", "33", "44 Plätze", "27"]
    assert cards[0]["caption"] == "5,0 % der Plätze"
    assert cards[2]["label"] == "Auszugsstau: würden frei"
    assert cards[2]["caption"] == "Auszugsberechtigte, 25,0 % der Belegung"


def test_cards_say_not_reported_for_a_first_version_district():
    series = _series().assign(capacity_unusable=None, occupied_entitled=None, capacity_usable=[200, 200, 220])
    now = metrics.district_now(series)
    assert math.isnan(now["unusable"]) and math.isnan(now["entitled"]) and now["usable"] == 220
    cards = present.district_cards(now, float("nan"), "de")
    assert [c["value"] for c in cards] == ["–", "33", "–", "–"]
    assert [c["caption"] for c in (cards[0], cards[2])] == ["nicht gemeldet", "nicht gemeldet"]
    assert cards[3]["caption"] == "keine Ankündigung"


def test_announcements_after_the_last_week_and_their_four_week_sum():
    announced = pd.DataFrame({"ags": "16051", "week": [W2, W3, W3 + pd.Timedelta(weeks=1),
                                                        W3 + pd.Timedelta(weeks=4),
                                                        W3 + pd.Timedelta(weeks=5)],
                              "announced": [9, 10, 12, 15, 40], "load_id": 1})
    ahead = metrics.announcements_after(announced, W3)
    assert ahead.announced.tolist() == [12, 15, 40]  # W3 itself is not "ahead"
    assert metrics.announced_ahead(announced, W3) == 27  # weeks 1..4 after W3: 12 + 15
    table = present.announcements_table(ahead, "de")
    assert table.values.tolist() == [["KW 48/2024", "12"], ["KW 51/2024", "15"], ["KW 52/2024", "40"]]
    assert metrics.announcements_after(announced, W3 + pd.Timedelta(weeks=5)).empty


def test_reimbursement_is_usable_places_times_the_rate_of_the_kind():
    landkreis = metrics.reimbursement(4200, "Landkreis", W3, SETTINGS, "16")
    assert landkreis.status == "ok" and landkreis.amount == 4200 * 294 == 1_234_800
    city = metrics.reimbursement(90, "kreisfreie Stadt", W3, SETTINGS)
    assert city.rate == 332 and city.amount == 29_880
    text = present.reimbursement_text(landkreis, SETTINGS, "de")
    assert text["value"] == "1.234.800\u00a0€"
    assert text["caption"].startswith("4.200 belegbare Plätze × 294\u00a0€, Landkreis; Pauschale je "
                                      "tatsächlich belegbarem Platz, Rechtsgrundlage § 2 ThürFlüKEVO, "
                                      "gültig 2024–2026")
    assert present.reimbursement_text(city, SETTINGS, "en")["value"] == "€29,880"


@pytest.mark.parametrize("monday, status", [
    (date(2023, 12, 25), "outside"),  # KW 52/2023
    (date(2024, 1, 1), "ok"),  # KW 1/2024: the first day in force
    (date(2026, 12, 28), "ok"),  # KW 53/2026: its Monday is in force
    (date(2027, 1, 4), "outside"),  # KW 1/2027
])
def test_reimbursement_counts_only_weeks_whose_monday_is_in_force(monday, status):
    money = metrics.reimbursement(100, "Landkreis", monday, SETTINGS, "16")
    assert money.status == status
    assert math.isnan(money.amount) == (status != "ok")


def test_reimbursement_outside_its_validity_says_so_instead_of_a_number():
    money = metrics.reimbursement(100, "Landkreis", date(2027, 1, 4), SETTINGS, "16")
    text = present.reimbursement_text(money, SETTINGS, "de")
    assert text["value"] == "–"
    assert text["caption"].startswith("Der eingestellte Satz gilt für KW 1/2027 nicht (gültig 2024–2026")


def test_reimbursement_of_another_land_an_unknown_kind_or_no_places_has_no_amount():
    other = metrics.reimbursement(100, "Landkreis", W3, SETTINGS, "09")
    assert other.status == "land"
    assert "gelten für Thüringen" in present.reimbursement_text(other, SETTINGS, "de")["caption"]
    assert metrics.reimbursement(100, "Region", W3, SETTINGS).status == "kind"
    assert metrics.reimbursement(float("nan"), "Landkreis", W3, SETTINGS).status == "no_places"


def test_validity_reads_as_years_or_days():
    assert present.validity(date(2024, 1, 1), date(2026, 12, 31), "de") == "2024–2026"
    assert present.validity(date(2025, 1, 1), date(2025, 12, 31), "de") == "2025"
    assert present.validity(date(2024, 4, 1), date(2026, 6, 30), "de") == "01.04.2024–30.06.2026"


def test_the_shipped_rates_are_thuringias_2024_to_2026():
    shipped = config._read_settings(config.DATA_DIR / "settings.toml")
    assert (shipped.reimbursement_landkreis, shipped.reimbursement_kreisfreie_stadt) == (294, 332)
    assert (shipped.reimbursement_valid_from, shipped.reimbursement_valid_to) == (
        date(2024, 1, 1), date(2026, 12, 31))
    assert "ThürFlüKEVO" in shipped.reimbursement_legal_basis and shipped.reimbursement_land == "16"


def test_a_changed_validity_in_the_settings_file_ends_the_amount(tmp_path, monkeypatch):
    text = (config.DATA_DIR / "settings.toml").read_text(encoding="utf-8")
    changed = tmp_path / "settings.toml"
    changed.write_text(text.replace("valid_to = 2026-12-31", "valid_to = 2025-06-30"), encoding="utf-8")
    monkeypatch.setenv("RECEPTION_SETTINGS", str(changed))
    config.settings.cache_clear()
    try:
        cfg = config.settings()
        assert cfg.reimbursement_valid_to == date(2025, 6, 30)
        assert metrics.reimbursement(10, "Landkreis", date(2025, 6, 30), cfg).status == "ok"
        assert metrics.reimbursement(10, "Landkreis", date(2025, 7, 7), cfg).status == "outside"
        assert present.validity(cfg.reimbursement_valid_from, cfg.reimbursement_valid_to, "de") == \
            "01.01.2024–30.06.2025"
    finally:
        config.settings.cache_clear()


def test_settings_built_in_code_carry_the_shipped_rates():
    assert replace(SETTINGS, reimbursement_landkreis=300).reimbursement_landkreis == 300
    assert config.Settings(0.9, 1.0, 4, 4, 8, 13500, 30).reimbursement_kreisfreie_stadt == 332


def test_euro_is_formatted_the_german_way():
    assert fmt.euro(1234567) == "1.234.567\u00a0€"
    assert fmt.euro(1234.5, 2) == "1.234,50\u00a0€"
    assert fmt.euro(1234567, lang="en") == "€1,234,567"
    assert fmt.euro(None) == fmt.euro(float("nan")) == "–"


def test_the_page_gets_each_districts_parts_and_the_places_overview_in_one_call():
    now, usable, backlog = metrics.district_parts(_series())
    assert now == metrics.district_now(_series())
    pd.testing.assert_frame_equal(usable, metrics.usable_places(_series()))
    pd.testing.assert_frame_equal(backlog, metrics.entitled(_series()))
    wide, other = metrics.places_overview(_places(), W2)
    assert wide.week.tolist() == [W2] and other == ["Containeranlage"]


def test_a_hostile_facility_type_is_named_literally_in_the_summary():
    places = _places()
    places.loc[7, "facility_type"] = "[klick](http://x) *fett* $x$ <b>"
    wide = metrics.places_by_type(places)
    text = present.summary_places_by_type(wide, metrics.other_types(places), "de")
    assert r"„\[klick\](http\://x) \*fett\* \$x\$ \<b\>“" in text
