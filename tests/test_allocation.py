"""The allocation proposal (contract "Allocation proposal"): hand-computed cases, and the closed
form against the literal one-person-at-a-time rule."""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reception.read import allocation

WEEK = pd.Timestamp("2024-11-25")


def inputs(*rows: tuple) -> pd.DataFrame:
    """(ags, share_percent, ist, capacity_usable, free_usable) per district; reported in KW 47."""
    frame = pd.DataFrame(rows, columns=["ags", "share_percent", "ist", "capacity_usable", "free_usable"])
    frame.insert(1, "name", "Kreis " + frame.ags)
    frame["last_reported"] = pd.Timestamp("2024-11-18")
    return frame


def proposed(result: allocation.Proposal) -> dict[str, int]:
    return dict(zip(result.table.ags, result.table.proposed))


def literal(deficits: list[Fraction], caps: list[int], order: list[tuple], persons: int):
    """The contract's words as a loop: one person at a time."""
    given_ = [0] * len(caps)
    for _ in range(persons):
        open_ = [i for i in range(len(caps)) if given_[i] < caps[i]]
        if not open_:
            break
        best = min(open_, key=lambda i: (-(deficits[i] - given_[i]), order[i]))
        given_[best] += 1
    return given_, persons - sum(given_)


# Three districts: Ist 40/30/10 (80), N = 20 -> Soll 50/30/20, deficit 10/0/10.
THREE = (("16051", 50.0, 40, 1000, 4), ("16052", 30.0, 30, 1000, 500), ("16053", 20.0, 10, 1000, 500))


def test_one_district_capped_by_its_free_places() -> None:
    result = allocation.proposal(inputs(*THREE), 20, WEEK)
    # 16051 and 16053 tie at 10 behind; 16053 first (Ist/Soll 0,5 < 0,8), then they alternate
    # until 16051's 4 free places are taken (8 persons); 16053 goes on alone from 6 behind to 0
    # (6 more); then 16052 and 16053 tie at 0, 0 and -1, -1, ...: 16053 first each time
    # (0,5 < 1,0), 6 persons alternate: 16053 +3, 16052 +3.
    assert proposed(result) == {"16051": 4, "16052": 3, "16053": 13}
    assert result.unplaced == 0
    row = result.table.set_index("ags").loc["16051"]
    assert (row.soll, row.ist, row.deficit, row.cap) == (50.0, 40, 10.0, 4)
    assert "Obergrenze 4" in row.explanation


def test_a_tie_goes_to_the_lower_fulfilment_then_the_lower_ags() -> None:
    even = inputs(("16052", 50.0, 0, 100, 100), ("16051", 50.0, 0, 100, 100))
    # deficits 1.5 and 1.5, Ist/Soll 0 and 0: 16051 (lower ags), then 16052 (1.5 > 0.5), then
    # 0.5 against 0.5: 16051 again
    assert proposed(allocation.proposal(even, 3, WEEK)) == {"16052": 1, "16051": 2}
    behind = inputs(("16051", 50.0, 10, 100, 100), ("16052", 50.0, 6, 100, 100))
    # Soll (16 + 2) / 2 = 9 each: deficits -1 and 3; 16052 takes both
    assert proposed(allocation.proposal(behind, 2, WEEK)) == {"16051": 0, "16052": 2}


def test_when_all_are_full_every_person_is_unplaced_and_the_csv_says_so() -> None:
    full = inputs(("16051", 60.0, 5, 100, 0), ("16052", 40.0, 5, 100, -3))
    result = allocation.proposal(full, 7, WEEK)
    assert proposed(result) == {"16051": 0, "16052": 0} and result.unplaced == 7
    lines = allocation.to_csv(result).splitlines()
    assert lines[0] == ",".join(allocation.CSV_COLUMNS)
    assert lines[-1] == ",nicht unterzubringen,,,,,,,7"
    assert lines[2] == "16052,Kreis 16052,40.0,6.8,5,1.8,-3,0,0"  # Soll 0.4 x 17; overcrowded: cap 0


def test_an_excluded_district_gets_nobody_and_keeps_its_soll() -> None:
    result = allocation.proposal(inputs(*THREE), 20, WEEK, excluded={"16053": "Aufnahmestopp"})
    # 16051 takes its 4 places, 16052 the other 16 (16053 would have been first)
    assert proposed(result) == {"16051": 4, "16052": 16, "16053": 0}
    row = result.table.set_index("ags").loc["16053"]
    assert row.excluded == "Aufnahmestopp" and row.soll == 20.0 and row.cap == 500
    assert "Aufnahmestopp" in row.explanation


def test_the_reserve_is_kept_free_of_usable_places() -> None:
    spare = inputs(("16051", 50.0, 0, 100, 14), ("16052", 50.0, 0, 200, 15))
    # reserve 10 %: caps floor(14 - 10) = 4 and max(0, 15 - 20) = 0
    result = allocation.proposal(spare, 10, WEEK, reserve_percent=10)
    assert list(result.table.cap) == [4, 0]
    assert proposed(result) == {"16051": 4, "16052": 0} and result.unplaced == 6
    assert allocation.cap(14, 100, Fraction(1, 8)) == 1  # 14 - 12.5, rounded down


def test_a_district_that_never_reported_has_cap_0() -> None:
    frame = inputs(("16051", 50.0, 0, None, None), ("16052", 50.0, 0, 100, 50))
    frame.loc[0, "last_reported"] = pd.NaT
    result = allocation.proposal(frame, 5, WEEK)
    assert proposed(result) == {"16051": 0, "16052": 5}
    assert "Keine Meldung" in result.table.explanation.iloc[0]


def test_no_key_and_bounds() -> None:
    with pytest.raises(allocation.NoKey):
        allocation.proposal(inputs(), 5, WEEK)
    with pytest.raises(ValueError):
        allocation.proposal(inputs(*THREE), allocation.MAX_PERSONS + 1, WEEK)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 12), st.integers(1, 9)),
                min_size=1, max_size=7), st.integers(0, 90))
def test_the_closed_form_is_the_one_at_a_time_rule(districts: list[tuple], persons: int) -> None:
    shares = [Fraction(weight, sum(w for *_, w in districts)) for *_, weight in districts]
    ist = [i for i, _, _ in districts]
    total = sum(ist) + persons
    deficits = [s * total - i for s, i in zip(shares, ist)]
    caps = [c for _, c, _ in districts]
    order = [(Fraction(i) / (s * total) if s * total else math.inf, f"{n:05d}")
             for n, (i, s) in enumerate(zip(ist, shares))]
    assert allocation.distribute(deficits, caps, order, persons) == literal(deficits, caps, order,
                                                                             persons)


def test_a_hundred_thousand_persons_at_once() -> None:
    many = inputs(*[(f"16{n:03d}", 100 / 22, 100 * n, 10_000, 5_000 + n) for n in range(22)])
    result = allocation.proposal(many, 100_000, WEEK)
    assert result.table.proposed.sum() + result.unplaced == 100_000
    assert (result.table.proposed <= result.table.cap).all()


def test_the_download_carries_each_exclusion_with_its_reason_and_the_unplaced_row() -> None:
    small = inputs(("16051", 50.0, 0, 100, 3), ("16052", 50.0, 0, 100, 50))
    result = allocation.proposal(small, 10, WEEK, excluded={"16052": "Aufnahmestopp (Brandschutz)"})
    frame = allocation.export_frame(result)
    assert list(frame.columns) == ["Kreisschlüssel", "Kreis", "Anteil Verteilschlüssel (%)", "Soll",
                                   "Ist", "Rückstand (Soll − Ist)", "Freie belegbare Plätze",
                                   "Obergrenze", "Vorschlag", "Ausgeschlossen (Grund)", "Erläuterung"]
    assert list(frame["Ausgeschlossen (Grund)"]) == ["", "Aufnahmestopp (Brandschutz)", ""]
    assert list(frame["Vorschlag"]) == [3, 0, 7] and frame["Kreis"].iloc[-1] == "nicht unterzubringen"
    shown = allocation.display(result)
    assert shown["Vorschlag"].iloc[-1] == "7" and "nicht unterzubringen" in shown["Kreis"].iloc[-1]
