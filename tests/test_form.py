"""The form's road (reception.web.form): fields -> one-row CSV -> the upload's check and load."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from reception.accounts import User
from reception.read import queries
from reception.web import form, upload

WEEK = date(2024, 11, 4)  # KW 45/2024
TODAY = date(2024, 11, 13)  # a Wednesday of KW 46: KW 45 is due
OFFICER = User("mueller", "officer", "16051")


def row(preview: upload.Preview) -> dict:
    assert preview.inspection is not None and preview.inspection.rows is not None, preview.problems
    return preview.inspection.rows.to_pylist()[0]


def test_german_numbers_are_read_as_the_reader_reads_them(fresh_db: Path) -> None:
    preview = form.check("16051", WEEK, {"capacity": "1.250", "occupied": "1 180",
                                         "arrivals": "25", "departures": " 10 "}, OFFICER, TODAY)
    assert preview.ok, [p.render() for p in preview.problems]
    loaded = row(preview)
    assert (loaded["capacity"], loaded["occupied"], loaded["arrivals"], loaded["departures"]) == \
        (1250, 1180, 25, 10)
    assert loaded["ags"] == "16051" and loaded["week"] == WEEK


def test_empty_optional_fields_are_not_reported_and_the_parts_make_the_arrivals(
        fresh_db: Path) -> None:
    preview = form.check("16051", WEEK, {"arrivals": "", "arrivals_asylum": "15",
                                         "arrivals_ukraine": "6", "arrivals_other": "4",
                                         "capacity": "800", "occupied": "640"}, OFFICER, TODAY)
    assert preview.ok
    loaded = row(preview)
    assert loaded["arrivals"] == 25  # only the parts given: their sum (CONTRACT.md)
    assert loaded["departures"] is None and loaded["capacity_unusable"] is None
    assert loaded["occupied_entitled"] is None and loaded["announced"] is None


def test_an_error_is_tied_to_its_field_and_named_in_its_message(fresh_db: Path) -> None:
    preview = form.check("16051", WEEK, {"capacity": "800", "occupied": "-3",
                                         "arrivals": "12;5", "arrivals_asylum": "30"}, OFFICER,
                         TODAY)
    assert not preview.ok
    found = form.by_field(preview.problems)
    assert [p.code for p in found.of("occupied")] == ["negative"]
    assert form.field_message(found.of("occupied")[0], "occupied") == 'Belegung: "-3" ist negativ'
    # a ';' typed into a field stays in its cell: nothing shifts into the next column
    assert [p.code for p in found.of("arrivals")] == ["not_a_number"]
    assert found.of("capacity") == [] and found.general == []
    english = form.field_message(found.of("occupied")[0], "occupied", "en")
    assert english.startswith("Occupied: ")


def test_a_part_larger_than_its_whole_is_shown_at_the_part(fresh_db: Path) -> None:
    preview = form.check("16051", WEEK, {"capacity": "100", "capacity_unusable": "1.200",
                                         "occupied": "50"}, OFFICER, TODAY)
    found = form.by_field(preview.problems)
    assert [p.code for p in found.of("capacity_unusable")] == ["unusable_over_capacity"]
    assert "Nicht belegbare Plätze: " in form.field_message(found.of("capacity_unusable")[0],
                                                            "capacity_unusable")


def test_another_districts_report_is_refused_for_an_officer(fresh_db: Path) -> None:
    preview = form.check("16053", WEEK, {"capacity": "100"}, OFFICER, TODAY)
    assert not preview.ok
    assert [p.code for p in form.by_field(preview.problems).general] == ["foreign_district"]


def test_an_empty_form_is_noticed_before_anything_is_read() -> None:
    assert form.is_empty({name: "" for name in form.FIELDS})
    assert form.is_empty({"capacity": "   "})
    assert not form.is_empty({"announced": "0"})


def test_send_loads_through_the_upload_road_as_source_form(fresh_db: Path) -> None:
    preview = form.check("16051", WEEK, {"arrivals": "25", "capacity": "1.250",
                                         "occupied": "640"}, OFFICER, TODAY)
    result = form.send(preview, OFFICER)
    assert result.status == "loaded"
    loaded = upload.history().set_index("load_id").loc[result.load_id]
    assert (loaded["source"], loaded["loaded_by"], loaded["file_name"]) == \
        ("form", "mueller", "formular_16051_2024-W45.csv")
    again = form.check("16051", WEEK, {"arrivals": "25", "capacity": "1.250",
                                       "occupied": "640"}, OFFICER, TODAY)
    assert again.duplicate_of is not None and again.duplicate_of[0] == result.load_id


def test_the_due_week_is_the_latest_completed_week_not_yet_reported() -> None:
    last = date(2024, 11, 4)
    assert form.offered_weeks(TODAY)[0] == last
    assert form.due_week(set(), TODAY) == last
    assert form.due_week({last}, TODAY) == last - timedelta(weeks=1)  # a late report first
    everything = set(form.offered_weeks(TODAY))
    assert form.due_week(everything, TODAY) == last  # all in: the last week, to correct
    assert form.due_week(set(), date(2024, 11, 11)) == last  # Monday: last week is complete


def history(*weeks: tuple[date, int, bool]) -> pd.DataFrame:
    return pd.DataFrame([{"week": pd.Timestamp(week), "reported": reported, "arrivals": 20,
                          "arrivals_asylum": None, "arrivals_ukraine": None, "arrivals_other": None,
                          "departures": 5, "capacity": capacity, "capacity_unusable": 12,
                          "occupied": 700, "occupied_entitled": None, "announced": None}
                         for week, capacity, reported in weeks])



def test_prefill_takes_the_latest_earlier_report_written_the_german_way() -> None:
    earlier = history((WEEK - timedelta(weeks=2), 1100, True), (WEEK - timedelta(weeks=1), 1250, True))
    before = form.prefill(earlier, WEEK)
    assert before.source_week == WEEK - timedelta(weeks=1) and not before.already_reported
    texts = before.texts()
    assert texts["capacity"] == "1.250" and texts["occupied"] == "700"
    assert texts["arrivals_asylum"] == "" and texts["announced"] == ""


def test_prefill_skips_unreported_weeks_and_shows_a_reported_week_itself() -> None:
    frame = history((WEEK - timedelta(weeks=2), 1100, True), (WEEK - timedelta(weeks=1), 999, False),
                    (WEEK, 1300, True))
    assert form.prefill(frame, WEEK - timedelta(weeks=1)).texts()["capacity"] \
        == "1.100"
    same = form.prefill(frame, WEEK)
    assert same.already_reported and same.texts()["capacity"] == "1.300"
    assert form.prefill(history(), WEEK).source_week is None


def test_the_summary_shows_what_is_sent_beside_the_prefill(fresh_db: Path) -> None:
    before = form.prefill(history((WEEK - timedelta(weeks=1), 1250, True)), WEEK)
    preview = form.check("16051", WEEK, {"capacity": "1.300", "occupied": "1.280"}, OFFICER, TODAY)
    frame = form.summary_frame(preview, before).set_index("Feld")
    assert frame.loc["Plätze"].tolist() == ["1.300", "1.250"]
    assert frame.loc["Zugänge"].tolist() == ["–", "20"]
    assert list(frame.columns) == ["Wird gemeldet", "Zuletzt (KW 44/2024)"]


def test_the_prefill_sent_unchanged_is_a_finding(fresh_db: Path) -> None:
    """Last week's figures, announcement included, read back through the read path: sent again
    as they are prefilled, the check asks whether they were copied by mistake."""
    earlier = {"arrivals": "25", "departures": "10", "capacity": "1.250", "occupied": "1.180",
               "announced": "30"}
    form.send(form.check("16051", WEEK - timedelta(weeks=1), earlier, OFFICER, TODAY), OFFICER)
    before = form.prefill(queries.weekly(ags=("16051",)), WEEK)
    assert before.texts()["capacity"] == "1.250" and before.texts()["announced"] == ""
    preview = form.check("16051", WEEK, before.texts(), OFFICER, TODAY)
    assert preview.ok and [p.code for p in form.findings(preview)] == ["stale_copy"]
