"""Every page of the dashboard through Streamlit's AppTest, against a small fixture database."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import dashboard_data

ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "dashboard.py")
PAGES = ["lage", "kreis", "karte", "vergleich", "meldungen", "methodik", "planung", "verteilung"]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dashboard_data.build(tmp_path_factory.mktemp("dash") / "reception.duckdb")


@pytest.fixture
def app_db(fixture_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RECEPTION_DB", str(fixture_db))
    return fixture_db


def open_page(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=30)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page != "lage":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.info] + [e.value for e in at.warning] + [e.value for e in at.success]
    return "\n".join(parts)


def charts(at: AppTest) -> list:
    return at.get("plotly_chart")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(app_db, page):
    at = open_page(page)
    assert len(at.title) == 1


def test_lage_shows_stand_headlines_warning_list_and_charts(app_db):
    at = open_page("lage")
    assert at.title[0].value == "Lage: Aufnahme und Unterbringung in Thüringen"
    assert "Stand: KW 47/2024" in texts(at)
    metrics = {m.label: m.value for m in at.metric}
    # KW 47: Erfurt 100 places, Gotha 70, Jena 60 carried forward
    assert metrics["Plätze"] == "230"
    assert metrics["Belegt"] == "199"  # 96 + 73 + 30
    assert metrics["Auslastung"] == "86,5 %"
    assert metrics["Kreise ≥ 90 %"] == "2" and metrics["Kreise ≥ 100 %"] == "1"
    # Erfurt 20 + Gotha 5 + 3 reported; Jena has not reported since KW 42 (7 arrivals, its only
    # report): estimated at 7 (issue 25)
    assert metrics["Zugänge (Woche)"] == "≈ 35"
    # a first-version dataset: every place usable, no split, nothing announced
    assert metrics["Freie belegbare Plätze"] == "31"  # 230 - 199
    assert metrics["Auszugsberechtigte"] == "–" and metrics["Angekündigt, nächste 4 Wochen"] == "–"
    assert len(charts(at)) == 4  # development, occupancy, state forecast, ranking
    warning = next(m.value for m in at.markdown if m.value.startswith("| Kreis |"))
    rows = [line.split(" | ") for line in warning.splitlines()[2:]]
    # Jena (30 of 60 places, +4 a week net at its only report) reaches the limit by the forecast
    assert [row[0].lstrip("| ") for row in rows] == ["Gotha", "Erfurt", "Jena"]
    assert rows[2][1].startswith("▲ Prognose")
    assert "voraussichtlich in KW" in rows[2][-1] or "bereits erreicht" in rows[0][-1]
    assert rows[0][1].startswith("■")
    assert not at.dataframe  # the full ranking table only on request
    at.toggle(key="lage_ranking_table").set_value(True).run()
    assert len(at.dataframe[0].value) == 22  # every district of the reference
    assert "13.500" in texts(at)
    assert "Demodaten" not in texts(at)  # real data: no demo notice
    assert len(at.get("download_button")) >= 4


def test_language_switch_keeps_the_page(app_db):
    at = open_page("kreis", {"kreis": "16051"})
    at.sidebar.radio(key="lang_choice").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "District in detail"
    assert "As of CW 47/2024" in texts(at)
    assert at.selectbox(key="kreis_select").value == "16051"
    at.switch_page("pages/lage.py").run()
    assert at.title[0].value == "Overview: reception and accommodation in Thuringia"
    assert {m.label for m in at.metric} >= {"Places", "Occupancy rate"}


def test_filters_survive_a_page_change(app_db):
    at = open_page("lage")
    at.sidebar.selectbox(key="range_weeks").set_value(12).run()
    at.sidebar.multiselect(key="kinds").set_value(["Landkreis"]).run()
    at.switch_page("pages/meldungen.py").run()
    assert at.sidebar.selectbox(key="range_weeks").value == 12
    assert at.sidebar.multiselect(key="kinds").value == ["Landkreis"]
    names = set(at.dataframe[0].value["Kreis"])  # missing reports, Landkreise only
    assert "Jena" not in names and "Gotha" not in names and "Eichsfeld" in names


def test_kreis_follows_the_query_parameter(app_db):
    at = open_page("kreis", {"kreis": "16067"})
    assert at.selectbox(key="kreis_select").value == "16067"
    assert "Gotha in KW 47/2024" in [h.value for h in at.header]  # h2 under the page title
    assert len(charts(at)) == 6  # development, rate, kinds of accommodation, facilities, quota, forecast
    facilities = at.dataframe[0].value
    assert dashboard_data.HOSTILE_FACILITY in list(facilities["Unterkunft"])  # shown as plain text
    assert not at.warning or all("Link" not in w.value for w in at.warning)


def test_kreis_select_writes_the_query_parameter(app_db):
    at = open_page("kreis", {"kreis": "16067"})
    at.selectbox(key="kreis_select").set_value("16051").run()
    assert not at.exception
    assert at.query_params["kreis"] == ["16051"] or at.query_params["kreis"] == "16051"
    assert "Erfurt in KW 47/2024" in [h.value for h in at.header]  # h2 under the page title


@pytest.mark.parametrize("bad", ["' OR 1=1 --", "99999", "<script>alert(1)</script>", ""])
def test_kreis_rejects_unknown_query_values(app_db, bad):
    at = open_page("kreis", {"kreis": bad})
    assert any("nicht bekannt" in w.value for w in at.warning)
    assert at.selectbox(key="kreis_select").value == "16077"  # first in the list: Altenburger Land
    assert all(bad not in w.value for w in at.warning if bad)


def test_kreis_without_reports_says_so(app_db):
    at = open_page("kreis", {"kreis": "16054"})  # Suhl never reported
    assert any("Suhl" in i.value and "keine Meldungen" in i.value for i in at.info)
    assert not charts(at)


def test_kreis_quota_fulfilment(app_db):
    at = open_page("kreis", {"kreis": "16051"})
    metrics = {m.label: m.value for m in at.metric}
    # since KW 1/2024: Erfurt 90, Gotha 48, Jena 7 -> 145; Erfurt's share 9.5 % -> Soll 13.775
    assert metrics["Ist"] == "90" and metrics["Soll"] == "14"
    assert metrics["Erfüllungsquote"] == "653,4 %"
    assert metrics["Anteil laut Schlüssel"] == "9,5 %"


def test_karte_switches_measure(app_db):
    at = open_page("karte")
    assert len(charts(at)) == 1
    at.radio(key="map_measure").set_value("free_places").run()
    assert not at.exception
    assert "Freie Plätze: am höchsten" in texts(at)


def test_vergleich_absolute_and_per_capita(app_db):
    at = open_page("vergleich")
    at.multiselect(key="compare").set_value(["16051", "16067"]).run()
    at.selectbox(key="compare_measure").set_value("capacity").run()
    at.radio(key="compare_scale").set_value("absolute").run()
    assert "Erfurt: 100" in texts(at)
    at.radio(key="compare_scale").set_value("per_1000").run()
    assert "Erfurt: 0,46" in texts(at)  # 100 / 216,300 x 1,000
    table = at.dataframe[0].value
    assert list(table["Kreis"]) == ["Erfurt", "Gotha"]


def test_meldungen_lists_missing_districts_and_loads(app_db):
    at = open_page("meldungen")
    missing = at.dataframe[0].value
    assert "Jena" in set(missing["Kreis"]) and "Erfurt" not in set(missing["Kreis"])
    assert missing.set_index("Kreis").loc["Jena", "Zuletzt gemeldet"] == "KW 42/2024"
    loads = at.dataframe[-1].value
    assert list(loads["Datei"]) == ["fixture.csv"]
    assert len(charts(at)) == 1
    # timeliness (issue 24): the fixture was loaded today, so its 2024 weeks all came late
    rates = at.dataframe[1].value.set_index("Kreis")
    assert rates.loc["Erfurt", "Pünktlichkeit"] == "0 %" and rates.loc["Erfurt", "fehlt"] == 12
    due = [i.value for i in at.info if i.value.startswith("Meldung KW ")]
    assert len(due) == 1 and "fällig am Di " in due[0] and ": 22 Kreise (Altenburger" in due[0]


def test_methodik_names_sources_and_the_eisenach_assumption(app_db):
    at = open_page("methodik")
    body = texts(at)
    assert "Gemeindeverzeichnis GV100AD" in body and "31.12.2024" in body  # population: source, date
    assert "© GeoBasis-DE / BKG (2020), Daten verändert" in body
    assert "7,7 %" in body and "Eisenach" in body
    assert "früheren Fehlern des Verfahrens" in body  # the forecast method


def test_no_snapshot_gives_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("RECEPTION_DB", str(tmp_path / "none.duckdb"))
    for page in PAGES:
        at = open_page(page)
        if page != "methodik":
            assert any("noch keine daten" in i.value.lower() for i in at.info), page


def test_empty_database_gives_a_message(tmp_path, monkeypatch):
    path = dashboard_data.build(tmp_path / "empty.duckdb", with_rows=False)
    monkeypatch.setenv("RECEPTION_DB", str(path))
    for page in PAGES:
        at = open_page(page)
        if page not in ("methodik",):
            assert any("keine Meldungen" in i.value for i in at.info), page


def test_single_week_is_explained(tmp_path, monkeypatch):
    path = dashboard_data.build(tmp_path / "one.duckdb", rows=dashboard_data.single_week_rows())
    monkeypatch.setenv("RECEPTION_DB", str(path))
    at = open_page("lage")
    assert any("erst eine Meldewoche" in i.value for i in at.info)
    for page in PAGES[1:]:
        open_page(page, {"kreis": "16051"})


def test_new_load_shows_on_next_interaction(tmp_path, monkeypatch):
    path = dashboard_data.build(tmp_path / "grow.duckdb", rows=dashboard_data.single_week_rows())
    monkeypatch.setenv("RECEPTION_DB", str(path))
    at = open_page("lage")
    assert {m.label: m.value for m in at.metric}["Plätze"] == "170"
    dashboard_data.add_jena_places(path)
    at.run()
    assert {m.label: m.value for m in at.metric}["Plätze"] == "1.170"


def test_upload_pages_join_the_navigation_only_when_present(tmp_path):
    from reception.web import ui

    assert ui.optional_pages(tmp_path) == []
    (tmp_path / "hochladen.py").write_text("")
    found = [(name, title) for _, name, title in ui.optional_pages(tmp_path)]
    assert found == [("hochladen", "Hochladen")]
    (tmp_path / "anmelden.py").write_text("")
    assert [name for _, name, _ in ui.optional_pages(tmp_path)] == ["anmelden", "hochladen"]


def test_a_page_addressed_directly_on_a_fresh_server_runs_through_the_entry(app_db):
    """Streamlit's old pages/ mode would run pages/kreis.py alone; ensure_navigation reroutes it."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = True
    try:
        at = AppTest.from_file(str(ROOT / "pages" / "kreis.py"), default_timeout=30)
        at.run()
        assert PagesManager.uses_pages_directory is False
    finally:
        PagesManager.uses_pages_directory = False


def test_karte_draws_configured_boundaries_and_survives_a_broken_file(app_db, tmp_path, monkeypatch):
    from tests.test_geo import squares_geojson

    monkeypatch.setenv("RECEPTION_GEOJSON", str(squares_geojson(tmp_path / "kreise.geojson")))
    at = open_page("karte")
    assert any("RECEPTION_GEOJSON" in c.value for c in at.caption)
    assert not at.warning or all("Grenzdatei" not in w.value for w in at.warning)
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("RECEPTION_GEOJSON", str(broken))
    at = open_page("karte")
    assert any("Grenzdatei" in w.value for w in at.warning)
    assert len(charts(at)) == 1  # the tile map instead


def test_karte_draws_the_shipped_boundaries_by_default_and_tiles_on_request(app_db, monkeypatch):
    import json

    monkeypatch.delenv("RECEPTION_GEOJSON", raising=False)
    at = open_page("karte")
    assert at.radio(key="map_view").value == "boundaries"
    assert any("© GeoBasis-DE / BKG (2020), Daten verändert" in c.value for c in at.caption)
    spec = json.loads(charts(at)[0].proto.spec)
    filled = [trace for trace in spec["data"] if trace.get("fill") == "toself"]
    assert len(filled) == 22 and all(isinstance(trace["x"], dict) for trace in filled)  # binary
    assert spec["layout"]["title"]["text"] == "Thüringen nach Kreisgrenzen: Auslastung der belegbaren Plätze"
    assert "an der Belastungsgrenze" in texts(at)  # the text summary beside the map
    at.radio(key="map_view").set_value("tiles").run()
    assert not at.exception
    assert any("Jede Kachel ist ein Kreis" in c.value for c in at.caption)
    spec = json.loads(charts(at)[0].proto.spec)
    assert spec["layout"]["title"]["text"] == "Thüringen als Kachelkarte: Auslastung der belegbaren Plätze"
    assert len([t for t in spec["data"] if t.get("fill") == "toself"]) == 22
    at.switch_page("pages/lage.py").run()
    at.switch_page("pages/karte.py").run()
    assert at.radio(key="map_view").value == "tiles"  # the choice survives a page change


@pytest.fixture(scope="module")
def bavaria_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import run_etl

    path = tmp_path_factory.mktemp("bayern") / "reception.duckdb"
    run_etl("init", "--land", "09", "--demo", env={"RECEPTION_DB": str(path)})
    return path


@pytest.mark.parametrize("page", PAGES)
def test_bavaria_with_demo_data_renders_every_page(bavaria_db, monkeypatch, page):
    monkeypatch.setenv("RECEPTION_DB", str(bavaria_db))
    monkeypatch.delenv("RECEPTION_GEOJSON", raising=False)
    at = open_page(page)
    body = texts(at)
    if page == "karte":
        import json

        spec = json.loads(charts(at)[0].proto.spec)
        assert len([t for t in spec["data"] if t.get("fill") == "toself"]) == 96
        assert spec["layout"]["title"]["text"].startswith("Bayern nach Kreisgrenzen")
    if page == "methodik":
        assert "bevölkerungsproportional, kein amtlicher Schlüssel" in body
    if page == "kreis":
        assert "bevölkerungsproportional, kein amtlicher Schlüssel" in body
    if page == "lage":
        assert at.title[0].value == "Lage: Aufnahme und Unterbringung in Bayern"
    assert any("Aufnahme-Monitor Bayern" in m.value for m in at.sidebar.markdown)


def test_nrw_with_demo_data_draws_its_53_districts(tmp_path, monkeypatch):
    import json

    from tests.conftest import run_etl

    path = tmp_path / "reception.duckdb"
    run_etl("init", "--land", "05", "--demo", env={"RECEPTION_DB": str(path)})
    monkeypatch.setenv("RECEPTION_DB", str(path))
    monkeypatch.delenv("RECEPTION_GEOJSON", raising=False)
    at = open_page("karte")
    spec = json.loads(charts(at)[0].proto.spec)
    assert len([t for t in spec["data"] if t.get("fill") == "toself"]) == 53
    assert spec["layout"]["title"]["text"] == ("Nordrhein-Westfalen nach Kreisgrenzen: "
                                               "Auslastung der belegbaren Plätze")
    at.radio(key="map_view").set_value("tiles").run()
    assert not at.exception


def test_page_choices_survive_a_visit_to_another_page(app_db):
    at = open_page("vergleich")
    at.multiselect(key="compare").set_value(["16051", "16067"]).run()
    at.radio(key="compare_scale").set_value("absolute").run()
    at.switch_page("pages/karte.py").run()
    at.radio(key="map_measure").set_value("free_places").run()
    at.switch_page("pages/lage.py").run()
    at.switch_page("pages/vergleich.py").run()
    assert at.multiselect(key="compare").value == ["16051", "16067"]
    assert at.radio(key="compare_scale").value == "absolute"
    at.switch_page("pages/karte.py").run()
    assert at.radio(key="map_measure").value == "free_places"


def test_planung_computes_scenarios_from_the_link_and_keeps_changes_in_the_url(app_db):
    at = open_page("planung", {"einheit": "16051", "wochen": "8", "reserve": "10",
                               "szenarien": "Basis~forecast~0~0~|Viel~percent~50~0~"})
    assert [t.value for t in at.text_input] == ["Basis", "Viel"]
    summary = next(m.value for m in at.markdown if m.value.startswith("**Basis**"))
    # Erfurt: 96 of 100 places, arrivals forecast about 20, moves out 11 (mean of 8, 10, 12, 14)
    assert "11,0 Auszüge je Woche" in summary
    assert "die 100 %-Linie: KW 48/2024" in summary and "**Viel**" in summary
    assert "Reserve" in summary
    assert len(charts(at)) == 1
    needs = at.dataframe[-1].value
    assert set(needs["Kreis"]) == {"Erfurt", "Gotha", "Jena"}  # the districts with figures
    at.number_input(key="plan1_value").set_value(20.0).run()
    assert "Viel~percent~20~0~" in at.query_params["szenarien"]
    assert at.query_params["einheit"] == "16051" and at.query_params["wochen"] == "8"


def test_planung_for_the_state_with_a_broken_link_falls_back_to_the_defaults(app_db):
    at = open_page("planung", {"szenarien": "kaputt~~|x", "einheit": "99999", "wochen": "abc"})
    assert [t.value for t in at.text_input] == ["Basis", "+20 % Zugänge", "mit Turnhalle"]
    assert at.selectbox(key="plan_unit").value == "land"
    assert "Land insgesamt" in at.header[0].value or any("Land insgesamt" in h.value for h in at.header)
    at.radio(key="plan_count").set_value(1).run()
    assert not at.exception
    assert at.query_params["szenarien"] == "Basis~forecast~0~0~"


def test_planung_in_english_names_the_default_and_unnamed_scenarios_in_english(app_db):
    # (one run each: AppTest formats a rerun's radio options outside the session, in German)
    at = open_page("planung", {"lang": "en"})
    assert [t.value for t in at.text_input] == ["Baseline", "+20 % arrivals", "with sports hall"]
    at = open_page("planung", {"lang": "en", "szenarien": "~percent~10~0~|Mehr~percent~20~0~"})
    assert [t.value for t in at.text_input] == ["Scenario 1", "Mehr"]


def test_planung_renames_the_default_scenarios_when_the_language_changes_but_not_a_typed_name(app_db):
    at = open_page("planung")
    at.text_input(key="plan1_name").set_value("Turnhalle Nord").run()
    at.radio(key="lang_choice").set_value("en").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.text_input] == ["Baseline", "Turnhalle Nord", "with sports hall"]


def test_methodik_quotes_the_measured_coverage_of_the_forecast_band(app_db):
    at = open_page("methodik")
    text = texts(at)
    assert "Das 80-%-Band traf in der Rückrechnung in" in text
    assert "Eurostat" in text and "BAMF" in text


def test_planung_for_a_district_without_figures_says_so(app_db):
    at = open_page("planung", {"einheit": "16052"})  # Gera: no report in the fixture
    assert any("Für Gera gibt es keine" in i.value for i in at.info)
    assert not charts(at)
