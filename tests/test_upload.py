"""The upload page's core (``reception.web.upload``): preview, load, rollback, templates, bad files."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from reception.accounts import User
from reception.store import db
from reception.web import upload

TODAY = date(2024, 12, 31)
OFFICER = User("mueller", "officer")
OTHER = User("schmidt", "officer")
ADMIN = User("chef", "admin")

GOOD = (
    "Meldung Unterbringung KW 45/2024\n"
    "\n"
    "Kreisschlüssel;Kreis;Woche;Zugänge;Abgänge;Kapazität;Belegung\n"
    "16051;Erfurt;KW 45/2024;25;10;800;640\n"
    "16052;Gera;KW 45/2024;12;3;400;420\n"
).encode("cp1252")
LATER = (
    "Kreis;Woche;Zugänge;Abgänge;Kapazität;Belegung\n"
    "Erfurt;KW 45/2024;30;10;800;650\n"
    "Erfurt;KW 46/2024;20;5;800;655\n"
).encode()


def test_preview_counts_every_warning_and_lists_the_first_thousand(fresh_db: Path) -> None:
    rows = "".join(f"Erfurt;KW 45/2024;Haus {n};10;11\n" for n in range(1500))
    data = ("Kreis;Woche;Unterkunft;Kapazität;Belegung\n" + rows).encode()
    preview = upload.preview_file(data, "voll.csv", OFFICER, today=TODAY)
    assert preview.ok and preview.warning_count == 1500 and len(preview.warnings) == 1000


def loads_table(db_path: Path) -> list[tuple]:
    with db.writer(db_path) as con:
        return con.execute("SELECT load_id, source, loaded_by, status, file_name FROM load_log "
                           "ORDER BY load_id").fetchall()


def test_good_file_preview_shows_format_rows_warnings_and_new_figures(fresh_db: Path) -> None:
    preview = upload.preview_file(GOOD, "meldung.csv", OFFICER, today=TODAY)
    assert preview.ok and preview.rows == 2
    fmt = dict(preview.format_frame().values.tolist())
    assert fmt["Zeichenkodierung"] == "windows-1252"
    assert fmt["Trennzeichen"].startswith(";")
    assert fmt["Kopfzeile in Zeile"] == "3"
    mapping = dict(preview.columns_frame().values.tolist())
    assert mapping == {"Kreisschlüssel": "Kreisschlüssel", "Kreis": "Kreis", "Woche": "Woche",
                       "Zugänge": "Zugänge", "Abgänge": "Abgänge", "Kapazität": "Kapazität",
                       "Belegung": "Belegung"}
    rows = preview.rows_frame()
    assert rows["Kreis"].tolist() == ["Erfurt", "Gera"]
    assert rows["Woche"].tolist() == ["2024-W45", "2024-W45"]
    assert rows["Zeile"].tolist() == [4, 5]
    assert preview.errors == []
    assert [p.code for p in preview.warnings] == ["over_capacity"]
    warnings = preview.problems_frame("warning")
    assert warnings.iloc[0]["Zeile"] == 5 and "Überbelegung" in warnings.iloc[0]["Meldung"]
    assert preview.new_figures == 2 and preview.replaced == 0
    assert preview.new_weeks == [date(2024, 11, 4)]
    assert loads_table(fresh_db) == []  # a preview writes nothing


def test_load_records_source_upload_and_the_signed_in_user(fresh_db: Path) -> None:
    preview = upload.preview_file(GOOD, "meldung.csv", OFFICER, today=TODAY)
    result = upload.load_preview(preview, OFFICER)
    assert result.status == "loaded" and result.rows == 2
    assert loads_table(fresh_db) == [(result.load_id, "upload", "mueller", "loaded", "meldung.csv")]
    with db.reader() as con:  # the snapshot the dashboard reads has the new figures at once
        assert con.execute("SELECT occupied FROM weekly WHERE ags = '16052' AND reported"
                           ).fetchall() == [(420,)]
    again = upload.preview_file(GOOD, "meldung.csv", OFFICER, today=TODAY)
    assert again.duplicate_of[0] == result.load_id
    assert upload.load_preview(again, OFFICER).status == "duplicate"
    assert len(loads_table(fresh_db)) == 1


def test_preview_lists_replaced_figures_with_old_and_new_values(fresh_db: Path) -> None:
    upload.load_preview(upload.preview_file(GOOD, "a.csv", OFFICER, today=TODAY), OFFICER)
    preview = upload.preview_file(LATER, "b.csv", OFFICER, today=TODAY)
    assert preview.replaced == 1 and preview.new_figures == 1
    assert preview.new_weeks == [date(2024, 11, 11)]
    changed = preview.changes_frame().iloc[0]
    assert changed["Kreis"] == "Erfurt" and changed["Woche"] == "2024-W45"
    assert (changed["alt Zugänge"], changed["neu Zugänge"]) == (25, 30)
    assert (changed["alt Belegung"], changed["neu Belegung"]) == (640, 650)


def test_rollback_plan_says_what_comes_back_and_roles_are_enforced(fresh_db: Path) -> None:
    first = upload.load_preview(upload.preview_file(GOOD, "a.csv", OFFICER, today=TODAY), OFFICER)
    second = upload.load_preview(upload.preview_file(LATER, "b.csv", OFFICER, today=TODAY), OFFICER)
    plan = upload.plan_rollback(second.load_id)
    assert plan.in_force == 2 and len(plan.restored) == 1 and plan.removed == 1
    restored = upload.restored_frame(plan, {"16051": "Erfurt"})
    assert restored.iloc[0]["Zugänge"] == 25 and restored.iloc[0]["alt Load"] == first.load_id
    history = upload.history()
    assert upload.rollback_candidates(OTHER, history).empty
    assert len(upload.rollback_candidates(OFFICER, history)) == 2
    with pytest.raises(upload.NotAllowed):
        upload.rollback_load(second.load_id, OTHER)
    with pytest.raises(upload.NotAllowed):
        upload.rollback_load(second.load_id, None)
    assert upload.rollback_load(second.load_id, OFFICER)["restored"] == 1
    assert upload.rollback_load(first.load_id, ADMIN)["status"] == "rolled_back"
    assert [row[3] for row in loads_table(fresh_db)] == ["rolled_back", "rolled_back"]
    assert upload.plan_rollback(999) is None


def test_load_refuses_without_upload_role_and_with_errors(fresh_db: Path) -> None:
    preview = upload.preview_file(GOOD, "a.csv", OFFICER, today=TODAY)
    with pytest.raises(upload.NotAllowed):
        upload.load_preview(preview, None)
    with pytest.raises(upload.NotAllowed):
        upload.load_preview(preview, User("gast", "viewer"))
    bad = upload.preview_file(GOOD.replace(b";25;", b";-25;"), "b.csv", OFFICER, today=TODAY)
    with pytest.raises(ValueError):
        upload.load_preview(bad, OFFICER)
    assert loads_table(fresh_db) == []


def test_officer_bound_to_another_district_cannot_load(fresh_db: Path) -> None:
    preview = upload.preview_file(GOOD, "a.csv", User("jena", "officer", "16053"), today=TODAY)
    assert not preview.ok
    assert preview.errors[0].code == "foreign_district"
    assert "Gera (16052)" in preview.problems_frame("error").iloc[0]["Meldung"]
    made_for_admin = upload.preview_file(GOOD, "a.csv", ADMIN, today=TODAY)
    with pytest.raises(upload.NotAllowed):  # the district is checked again when loading
        upload.load_preview(made_for_admin, User("jena", "officer", "16053"))
    assert loads_table(fresh_db) == []


def _garbage() -> bytes:
    return bytes(range(256)) * 40


def _zip_not_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bericht.txt", "kein Excel")
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "name", "code"), [
    (b"", "leer.csv", "empty_file"),
    (b"   \n\n", "leer.csv", "empty_file"),
    (_garbage(), "muell.csv", "file_binary"),
    (_zip_not_xlsx(), "bericht.xlsx", "file_zip_archive"),
    (b"Hallo Welt\nnur Text\n", "text.csv", "no_header"),
])
def test_bad_files_give_a_clear_message_and_load_nothing(fresh_db: Path, data: bytes, name: str,
                                                         code: str) -> None:
    preview = upload.preview_file(data, name, OFFICER, today=TODAY)
    assert not preview.ok
    assert preview.errors[0].code == code
    assert preview.problems_frame("error").iloc[0]["Meldung"]
    assert preview.rows_frame().empty
    report = pd.read_csv(io.BytesIO(preview.error_report()), sep=";", encoding="utf-8-sig")
    assert code in report["code"].tolist()
    assert loads_table(fresh_db) == []


def test_file_over_the_upload_limit_is_refused_before_reading(fresh_db: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upload, "max_upload_bytes", lambda: 100)
    preview = upload.preview_file(GOOD, "gross.csv", OFFICER, today=TODAY)
    assert not preview.ok and preview.inspection is None
    message = preview.problems_frame("error").iloc[0]["Meldung"]
    assert "zu groß" in message and "100 B" in message
    assert upload.max_upload_bytes.__module__  # the real limit comes from .streamlit/config.toml


def test_max_upload_bytes_follows_streamlit_config() -> None:
    assert upload.max_upload_bytes() == 50 * 1024 * 1024


def test_an_unexpected_reader_failure_becomes_a_message(fresh_db: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(upload.loading, "inspect_bytes", boom)
    preview = upload.preview_file(GOOD, "a.csv", OFFICER, today=TODAY)
    assert [p.code for p in preview.errors] == ["unreadable_file"]
    assert "internal detail" not in preview.problems_frame().to_string()


def test_100000_rows_with_one_bad_row_at_the_end(fresh_db: Path) -> None:
    weeks = pd.date_range("2005-01-03", periods=5000, freq="7D")
    keys = ["16051", "16052", "16053", "16054", "16055", "16061", "16062", "16063", "16064",
            "16065", "16066", "16067", "16068", "16069", "16070", "16071", "16072", "16073",
            "16074", "16075"]
    lines = ["Kreisschlüssel;Datum;Zugänge;Kapazität;Belegung"]
    for monday in weeks:
        day = monday.strftime("%d.%m.%Y")
        lines += [f"{key};{day};5;500;400" for key in keys]
    lines[-1] = lines[-1].replace(";5;", ";fünf;")
    data = ("\n".join(lines) + "\n").encode("utf-8")
    preview = upload.preview_file(data, "gross.csv", ADMIN, today=TODAY)
    assert not preview.ok
    errors = preview.problems_frame("error")
    assert len(errors) == 1
    assert errors.iloc[0]["Zeile"] == 100_001 and errors.iloc[0]["Wert"] == "fünf"
    assert loads_table(fresh_db) == []


def test_templates_are_shipped_valid_and_german(fresh_db: Path) -> None:
    csv_bytes, xlsx_bytes = upload.template_bytes("csv"), upload.template_bytes("xlsx")
    assert csv_bytes == upload.template_csv_bytes()
    assert csv_bytes.decode("utf-8-sig").splitlines()[0].startswith("Kreisschlüssel;Kreis;Woche")
    shipped = pd.read_excel(io.BytesIO(xlsx_bytes), dtype=str)
    assert list(shipped.columns) == upload.TEMPLATE_HEADERS
    for data, name in ((csv_bytes, "vorlage.csv"), (xlsx_bytes, "vorlage.xlsx")):
        preview = upload.preview_file(data, name, OFFICER, today=TODAY)
        assert preview.ok, preview.problems
        assert preview.rows_frame()["Kreis"].tolist() == ["Erfurt"]


def test_the_template_has_the_parts_and_its_preview_shows_them(fresh_db: Path) -> None:
    header = upload.template_bytes("csv").decode("utf-8-sig").splitlines()[0].split(";")
    for label in ("Zugänge Asyl", "Zugänge Ukraine", "Zugänge sonstige", "nicht belegbare Plätze",
                  "Auszugsberechtigte", "angekündigte Zuweisungen"):
        assert label in header
    preview = upload.preview_file(upload.template_bytes("xlsx"), "vorlage.xlsx", OFFICER,
                                  today=TODAY)
    row = preview.rows_frame().iloc[0]
    assert (row["Zugänge"], row["Zugänge Asyl"], row["Zugänge Ukraine (§ 24)"],
            row["Zugänge sonstige"]) == (25, 15, 6, 4)
    assert (row["nicht belegbare Plätze"], row["Auszugsberechtigte"],
            row["angekündigte Zuweisungen"]) == (24, 120, 30)


def test_a_first_version_file_previews_without_the_part_columns(fresh_db: Path) -> None:
    data = "Kreisschlüssel;Woche;Zugänge;Kapazität;Belegung\n16051;KW 45/2024;5;800;640\n"
    columns = upload.preview_file(data.encode(), "alt.csv", OFFICER, today=TODAY).rows_frame()
    assert list(columns.columns) == ["Zeile", "Kreisschlüssel", "Kreis", "Woche", "Unterkunft",
                                     "Unterkunftsart", "Zugänge", "Abgänge", "Kapazität",
                                     "Belegung"]
