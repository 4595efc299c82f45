"""The shipped reference of all German districts: any Land by its code, names short for display
and official for matching, kinds, the population-proportional key, the automatic tile grid."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from reception import config
from reception.read import present
from reception.reference import districts
from reception.reference.districts import Matcher
from reception.store import db

# What the CSV itself says (read without the code under test): rows and inhabitants per Land.
with open(config.GERMANY_DISTRICTS, encoding="utf-8", newline="") as handle:
    ROWS = list(csv.DictReader(handle))


def csv_population(land: str) -> int:
    return sum(int(row["population"]) for row in ROWS if row["land_code"] == land)


@pytest.mark.parametrize(("land", "count"), [("16", 22), ("09", 96), ("05", 53)])
def test_a_land_has_its_districts_and_the_official_population(land, count):
    reference = districts.land_reference(land)
    assert len(reference.table) == count
    assert reference.table.population.sum() == csv_population(land)
    assert set(reference.table.ags.str[:2]) == {land}
    assert reference.meta["population_reference_date"] == "2024-12-31"
    assert "GV100AD" in reference.meta["population_source"]


def test_thuringia_takes_the_official_population_of_31_12_2024():
    reference = districts.land_reference("16")
    assert reference.table.population.sum() == 2_100_277 == csv_population("16")
    official = {row["ags"]: row for row in ROWS if row["land_code"] == "16"}
    for row in reference.table.itertuples():  # the curated file equals the national one
        assert row.population == int(official[row.ags]["population"])
        assert row.official_name == official[row.ags]["name"]
    assert "16056" in set(reference.retired.ags)  # Eisenach: merged into the Wartburgkreis
    assert districts.key_path("16") == config.DEFAULT_DISTRIBUTION_KEY


def test_the_whole_of_germany_is_400_districts_and_83_million():
    table = districts.germany_reference().table
    assert len(table) == 400 and table.population.sum() == 83_577_140
    assert table.name.is_unique  # no two districts share a display name


def test_short_names_drop_the_kind_and_name_the_landkreis_where_a_city_shares_its_name():
    names = dict(zip(districts.germany_reference().table.ags, districts.germany_reference().table.name))
    assert names["16051"] == "Erfurt"  # "Erfurt, Stadt"
    assert names["09162"] == "München" and names["09184"] == "Landkreis München"
    assert names["09163"] == "Rosenheim" and names["09187"] == "Landkreis Rosenheim"
    assert names["05315"] == "Köln"
    assert names["03404"] == "Osnabrück" and names["03459"] == "Landkreis Osnabrück"
    assert names["05158"] == "Mettmann"  # a Kreis without a namesake city keeps its name
    assert names["10041"] == "Regionalverband Saarbrücken"
    renamed = [a for a, name in names.items() if name.startswith(("Landkreis ", "Kreis "))]
    assert len(renamed) == 22 and sum(a.startswith("09") for a in renamed) == 15


def test_kind_codes_map_to_the_contracts_two_kinds():
    table = districts.germany_reference().table.set_index("ags")
    assert set(table.kind) == {"Landkreis", "kreisfreie Stadt"}
    assert table.kind["08111"] == "kreisfreie Stadt"  # Stuttgart, Stadtkreis (42)
    assert table.kind["05158"] == "Landkreis"  # Mettmann, Kreis (43)
    assert table.kind["10041"] == "Landkreis"  # Regionalverband Saarbrücken (45)
    bavaria = districts.land_reference("09").table
    assert (bavaria.kind == "kreisfreie Stadt").sum() == 25 and (bavaria.kind == "Landkreis").sum() == 71


def test_unknown_land_code_raises_with_the_known_codes():
    with pytest.raises(districts.UnknownLand) as caught:
        districts.land_reference("99")
    assert "09 Bayern" in caught.value.known


def _matcher(reference: districts.Reference) -> Matcher:
    table = reference.table
    return Matcher.build(list(zip(table.ags, table.name, table.official_name, table.kind)))


@pytest.mark.parametrize(("name", "ags"), [
    ("Erfurt", "16051"), ("Erfurt, Stadt", "16051"), ("Stadt Erfurt", "16051"),
    ("Gotha", "16067"), ("Landkreis Gotha", "16067"), ("Kyffhaeuserkreis", "16065"),
])
def test_thuringia_matches_short_and_official_names(name, ags):
    assert _matcher(districts.land_reference("16")).ags_for_name(name) == ags


@pytest.mark.parametrize(("name", "ags"), [
    ("München", "09162"), ("München, Landeshauptstadt", "09162"), ("Landeshauptstadt München", "09162"),
    ("Landkreis München", "09184"), ("München, Landkreis", "09184"), ("LK München", "09184"),
    ("Rosenheim", "09163"), ("Stadt Rosenheim", "09163"), ("Rosenheim, kreisfreie Stadt", "09163"),
    ("Landkreis Rosenheim", "09187"), ("Lkr. Rosenheim", "09187"), ("Rosenheim (Landkreis)", "09187"),
    ("Kempten (Allgäu)", "09763"), ("Weißenburg-Gunzenhausen", "09577"),
])
def test_bavaria_tells_a_city_from_the_landkreis_of_the_same_name(name, ags):
    assert _matcher(districts.land_reference("09")).ags_for_name(name) == ags


def test_nrw_matches_official_kreis_and_city_names():
    matcher = _matcher(districts.land_reference("05"))
    assert matcher.ags_for_name("Köln, Stadt") == matcher.ags_for_name("Köln") == "05315"
    assert matcher.ags_for_name("Kreis Mettmann") == "05158"
    assert matcher.ags_for_name("Erfurt") is None


def test_the_proportional_key_follows_population_and_says_what_it_is():
    table = districts.land_reference("05").table
    key = districts.proportional_key(table)
    assert key.share_percent.sum() == pytest.approx(100)
    cologne = table.set_index("ags").population["05315"] / table.population.sum() * 100
    assert key.set_index("ags").share_percent["05315"] == pytest.approx(cologne)
    assert key.source.str.startswith("bevölkerungsproportional, kein amtlicher Schlüssel").all()
    assert present.key_is_proportional(key)
    assert present.key_label(key, "de") == "bevölkerungsproportional, kein amtlicher Schlüssel"
    assert districts.key_path("05") is None


def test_the_tile_grid_gives_every_district_its_own_cell_north_on_top():
    table = districts.land_reference("09").table
    cells = set(zip(table.grid_row, table.grid_col))
    assert len(cells) == 96
    rows = table.set_index("ags").grid_row
    assert rows["09661"] < rows["09180"]  # Aschaffenburg (north) above Garmisch-Partenkirchen


def _init(tmp_path: Path, monkeypatch, *args: str) -> tuple[int, Path]:
    from etl.cli import main

    path = tmp_path / "reception.duckdb"
    monkeypatch.setenv("RECEPTION_DB", str(path))
    return main(["init", *args]), path


@pytest.mark.parametrize(("land", "count"), [("09", 96), ("05", 53)])
def test_init_land_sets_up_the_reference_and_a_proportional_key(land, count, tmp_path, monkeypatch):
    code, path = _init(tmp_path, monkeypatch, "--land", land)
    assert code == 0
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*), sum(population) FROM districts").fetchone() == (
            count, csv_population(land))
        share, sources = con.execute("SELECT sum(share_percent), list(DISTINCT source) "
                                     "FROM distribution_key").fetchone()
        assert share == pytest.approx(100)
        assert sources == ["bevölkerungsproportional, kein amtlicher Schlüssel (Einwohner)"]
        # the snapshot carries the official names for the app's matcher
    with duckdb.connect(str(path) + ".snapshot", read_only=True) as snap:
        matcher = Matcher.from_db(snap)
    assert len(matcher.names) == count


def test_init_default_is_thuringia_with_its_official_key(tmp_path, monkeypatch):
    code, path = _init(tmp_path, monkeypatch)
    assert code == 0
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*), sum(population) FROM districts").fetchone() == (22, 2_100_277)
        wartburg = con.execute("SELECT share_percent FROM distribution_key WHERE ags = '16063'")
        assert wartburg.fetchone() == (7.7,)
        assert con.execute("SELECT official_name FROM district_ref WHERE ags = '16051'").fetchone() == (
            "Erfurt, Stadt",)


def test_init_unknown_land_exits_1_in_german_and_creates_nothing(tmp_path, monkeypatch, capsys):
    code, path = _init(tmp_path, monkeypatch, "--land", "99")
    assert code == 1
    err = capsys.readouterr().err
    assert "Unbekannter Landesschlüssel „99“" in err and "09 Bayern" in err
    assert not path.exists()


def test_init_with_districts_and_key_files_still_works(tmp_path, monkeypatch):
    reference = tmp_path / "kreise.csv"
    districts.land_reference("05").table.head(3).to_csv(reference, index=False)
    key = tmp_path / "key.csv"
    key.write_text("ags,share_percent,valid_from,valid_to,source\n05111,50,2020-01-01,,Erlass 1\n"
                   "05112,30,2020-01-01,,Erlass 1\n05113,20,2020-01-01,,Erlass 1\n", encoding="utf-8")
    code, path = _init(tmp_path, monkeypatch, "--districts", str(reference), "--key", str(key))
    assert code == 0
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM districts").fetchone() == (3,)
        assert con.execute("SELECT sum(share_percent), min(source) FROM distribution_key").fetchone() == (
            100.0, "Erlass 1")


def test_a_bavarian_report_naming_official_and_short_forms_loads_to_the_right_districts(
        tmp_path, monkeypatch, capsys):
    from etl.cli import main

    code, path = _init(tmp_path, monkeypatch, "--land", "09")
    report = tmp_path / "meldung.csv"
    report.write_text("Kreis;KW;Plätze;Belegung\nRosenheim;KW 45/2024;100;90\n"
                      "Landkreis Rosenheim;KW 45/2024;200;150\nMünchen, Landeshauptstadt;KW 45/2024;900;800\n"
                      "München, Landkreis;KW 45/2024;300;250\n", encoding="utf-8")
    assert main(["ingest", str(report), "--user", "test"]) == 0, capsys.readouterr()
    with duckdb.connect(str(path), read_only=True) as con:
        rows = dict(con.execute("SELECT ags, capacity FROM weekly WHERE reported").fetchall())
    assert rows == {"09163": 100, "09187": 200, "09162": 900, "09184": 300}


def test_a_database_from_before_official_names_migrates_and_matches(tmp_path, monkeypatch):
    code, path = _init(tmp_path, monkeypatch)
    with duckdb.connect(str(path)) as con:  # as it was before migration 005
        con.execute("ALTER TABLE district_ref DROP COLUMN official_name")
        con.execute("DELETE FROM schema_migrations WHERE name = '005_district_official_name.sql'")
    with db.writer(path) as con:
        db.migrate(con)
        matcher = Matcher.from_db(con)
    assert matcher.ags_for_name("Erfurt") == "16051"  # official_name NULL: the name alone



def test_a_reference_file_without_a_tile_grid_gets_one_laid_from_its_points(tmp_path):
    path = tmp_path / "kreise.csv"
    districts.germany_reference().table.drop(columns=["grid_row", "grid_col"]).to_csv(path, index=False)
    table = districts.read_reference(path).table
    assert len(set(zip(table.grid_row, table.grid_col))) == 400
