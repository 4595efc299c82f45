"""The demo generator for any Land's district list (``etl init --land CODE --demo``)."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from reception.ingest import demo
from reception.reference import districts
from reception.store import db

TODAY = date(2026, 11, 24)


def _frame(tmp_path, land: str):
    reference = districts.land_reference(land)
    with db.writer(tmp_path / f"{land}.duckdb") as con:
        districts.install_reference(con, reference)
        districts.install_distribution_key(con, districts.proportional_key(reference.table))
        return reference.table, demo.build_demo_frame(con, TODAY)


@pytest.mark.parametrize(("land", "count"), [("09", 96), ("05", 53)])
def test_demo_covers_every_district_of_the_land_with_a_few_at_the_limit(tmp_path, land, count):
    table, frame = _frame(tmp_path, land)
    assert set(frame.ags) == set(table.ags) and len(table) == count
    latest = frame[frame.week == frame.week.max()].groupby("ags")[["capacity", "occupied"]].sum()
    rate = latest.occupied / latest.capacity
    over, near, late, mix = demo.roles(table.ags.tolist())
    assert (rate > 1).sum() >= len(over) and len(over) == round(count / 20)
    assert all(rate[a] > 1 for a in over) and all(0.9 < rate[a] < 1 for a in near)
    assert set(frame[frame.facility != ""].ags) == set(mix)  # some report per facility
    assert not set(late) & set(latest.index)  # late this week


def test_demo_of_a_land_scales_with_its_population_and_is_deterministic(tmp_path):
    table, frame = _frame(tmp_path, "09")
    weekly = frame.groupby("week").occupied.sum()
    thuringia = districts.land_reference("16").table.population.sum()
    scale = table.population.sum() / thuringia  # Bavaria: about 6.3 times Thuringia
    assert 0.5 * scale * 7400 < weekly.iloc[0] < 1.5 * scale * 7400
    second = tmp_path / "again"
    second.mkdir()
    _, again = _frame(second, "09")
    assert demo.frame_sha256(again) == demo.frame_sha256(frame)


def test_thuringia_keeps_its_chosen_districts():
    ags = districts.land_reference("16").table.ags.tolist()
    over, near, late, mix = demo.roles(ags)
    assert over == ("16052", "16065", "16067", "16073") and "16051" in mix


def test_init_land_demo_end_to_end(tmp_path, monkeypatch):
    from etl.cli import main

    path = tmp_path / "reception.duckdb"
    monkeypatch.setenv("RECEPTION_DB", str(path))
    assert main(["init", "--land", "05", "--demo"]) == 0
    with duckdb.connect(str(path) + ".snapshot", read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT ags) FROM weekly WHERE reported").fetchone() == (53,)
