"""Display tables and the text summaries beside the charts."""

from __future__ import annotations

import pandas as pd

from reception.read import metrics, present
from tests.test_metrics import SETTINGS, weekly


def test_headline_cards_show_change_mean_and_thresholds():
    heads = metrics.headlines(metrics.state_weekly(weekly(), SETTINGS))
    cards = {card["label"]: card for card in present.headline_cards(heads, "de", 0.85, 1.0)}
    arrivals = cards["Zugänge (Woche)"]
    assert arrivals["value"] == "55" and arrivals["delta"] == "+10 ggü. Vorwoche"
    assert arrivals["caption"] == "Ø 4 Vorwochen: 22,5 (+33)"  # 55 - 22.5 = 32.5, rounded half up
    assert arrivals["delta_color"] == "inverse"
    assert cards["Auslastung"]["value"] == "101,7 %"
    assert "Kreise ≥ 85 %" in cards and "Kreise ≥ 100 %" in cards
    assert cards["Plätze"]["delta_color"] == "off"  # no change: no colour, no arrow
    assert cards["Plätze"]["delta_arrow"] == "off" and arrivals["delta_arrow"] == "auto"
    english = present.headline_cards(heads, "en")
    assert english[0]["label"] == "Arrivals (week)" and english[0]["delta"] == "+10 vs previous week"


def test_warning_table_is_formatted_german():
    latest = metrics.latest_by_district(weekly(), SETTINGS)
    table = present.warning_table(metrics.early_warning(latest, SETTINGS), "de")
    assert list(table["Kreis"]) == ["Bstadt", "Aland"]
    assert table["Auslastung (belegbare Plätze)"].tolist() == ["105,0 %", "95,0 %"]
    assert table["Reichweite"].tolist() == ["keine belegbaren Plätze frei",
                                            "reicht beim bisherigen Zugang noch 0,3 Wochen"]
    assert table["Warnung"].iloc[0].startswith("■")


def test_warning_table_says_the_runway_counts_announcements():
    frame = weekly()
    after = frame.week.max() + pd.Timedelta(weeks=1)
    # A: 5 free; 25 announced next week, 10 move out on average: 15 in -> 5/15 of a week
    announced = pd.DataFrame({"ags": ["A"], "week": [after], "announced": [25.0]})
    latest = metrics.latest_by_district(frame, SETTINGS, announced)
    table = present.warning_table(metrics.early_warning(latest, SETTINGS), "de")
    assert table["Reichweite"].iloc[1] == "reicht bei angekündigten Zuweisungen noch 0,3 Wochen"
    english = present.warning_table(metrics.early_warning(latest, SETTINGS), "en")
    assert english["Runway"].iloc[1] == "lasts 0.3 weeks at the announced allocations"


def test_state_summary_names_total_peak_and_latest():
    text = present.summary_state(metrics.state_weekly(weekly(), SETTINGS), "de")
    assert "Von KW 43/2024 bis KW 47/2024 kamen 145 Personen an" in text
    assert "am meisten in KW 47/2024 (55)" in text
    assert "Auslastung 101,7 %" in text


def test_ranking_summary_counts_statuses():
    text = present.summary_ranking(metrics.latest_by_district(weekly(), SETTINGS), "en")
    assert text.startswith("1 of 2 districts have reached the limit")
    assert "Bstadt (105.0%)" in text


def test_facility_table_keeps_report_text_verbatim():
    frame = pd.DataFrame({"facility": ["=cmd|' /C calc'!A0", "<i>x</i>"], "facility_type": [None, "GU"],
                          "capacity": [10, 0], "occupied": [5, 1], "arrivals": [1, None]})
    table = present.facilities_table(frame, "de")
    assert table["Unterkunft"].tolist() == ["=cmd|' /C calc'!A0", "<i>x</i>"]
    assert table["Auslastung"].tolist() == ["50,0 %", "–"]
    assert table["Zugänge"].tolist() == ["1", "–"]


def test_empty_inputs_give_a_sentence_not_an_error():
    empty = metrics.state_weekly(weekly().iloc[0:0], SETTINGS)
    assert present.summary_state(empty, "de") == "Für diese Auswahl liegen keine Zahlen vor."
    assert present.summary_forecast(pd.DataFrame(columns=["week", "forecast"]), "de").startswith(
        "Für eine Prognose")


def test_markdown_table_escapes_what_markdown_or_streamlit_would_act_on():
    frame = pd.DataFrame({"Kreis": ["Gotha", "A|B *x* :red[y] $z$ <b>"], "Frei": ["13.500", "1\n2"]})
    lines = present.markdown_table(frame).splitlines()
    assert lines[:3] == ["| Kreis | Frei |", "| --- | ---: |", "| Gotha | 13.500 |"]
    figures = present.markdown_table(pd.DataFrame({"Kreis": ["Gera"], "Frei": ["-50"], "Quote": ["9,1 %"]}))
    assert figures.splitlines()[1] == "| --- | ---: | ---: |"
    assert lines[3] == "| A\\|B \\*x\\* \\:red\\[y\\] \\$z\\$ \\<b\\> | 1 2 |"


def test_backtest_text_says_when_the_figures_are_missing():
    from reception.read import present

    assert "make backtest" in present.backtest_text({}, "de")


def test_capacity_cards_name_usable_places_entitled_and_announced() -> None:
    state = pd.DataFrame({"week": [pd.Timestamp("2024-11-11")], "capacity": [1500],
                          "capacity_usable": [1400], "free_usable": [-20], "usable_rate": [1420 / 1400],
                          "occupied_entitled": [300], "entitled_share": [0.2]})
    cards = present.capacity_cards(state, 1234.0, "de")
    assert [c["label"] for c in cards] == ["Freie belegbare Plätze", "Auszugsberechtigte",
                                           "Angekündigt, nächste 4 Wochen"]
    assert [c["value"] for c in cards] == ["-20", "300", "1.234"]
    assert cards[0]["caption"] == "von 1.400 belegbaren Plätzen (Auslastung 101,4 %); 100 nicht belegbar"
    assert cards[1]["caption"].startswith("20,0 %")
    unsplit = state.assign(occupied_entitled=[float("nan")])
    assert [c["value"] for c in present.capacity_cards(unsplit, float("nan"), "de")][1:] == [
        "–", "–"]
    assert present.capacity_cards(state.drop(columns="free_usable"), 1.0, "de") == []
