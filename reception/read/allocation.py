"""Who takes the next arrivals: the allocation proposal (Verteilungsvorschlag), exactly as the
contract's "Allocation proposal" defines it. Pure functions over the inputs of
:func:`reception.read.queries.allocation_inputs`; the CLI (``etl allocate``), the API
(``/api/v1/allocation.csv``), the page Verteilung and Methodik's worked example all call
:func:`proposal`.

For N persons in week W, per district i with the key's share s_i (share_percent / 100) in force
in W:

* Ist_i = arrivals of i in the ISO weeks of W's ISO year before W (as "since 1 January" on the
  Kreis page, :func:`reception.isoweek.year_start`: KW 1 may begin in late December);
* Soll_i = s_i x (sum of all Ist + N); deficit_i = Soll_i - Ist_i;
* cap_i = max(0, floor(free_usable_i - r x capacity_usable_i)), from i's latest reported week
  before W, r = ``[allocation] reserve_percent`` / 100; a district that never reported before W
  (or reported no places) has cap 0: nobody knows it has room;
* persons one at a time to the district with the largest deficit_i - proposed_i among those
  below their cap; ties to the smaller Ist_i / Soll_i, then the lower ``ags``; the rest is
  unplaced ("nicht unterzubringen"). The proposals and the unplaced sum to exactly N.

Decisions: districts excluded by the user (e.g. an Aufnahmestopp, with a stated reason) keep
their Soll and deficit but have cap 0 for the rule; the reason travels into the page's export.
Arithmetic is exact (fractions: shares like 9,5 % are decimals), so ties are real ties, not
float noise. "One at a time" is computed in closed form (:func:`distribute`): district i's
k-th person has the priority deficit_i - k, so the greedy takes the N best of these slots in
the order (priority desc, Ist/Soll asc, ags asc); a search over whole-number levels finds them
in O(districts x log N), whatever N (bounded by :data:`MAX_PERSONS`). ``tests/test_allocation.py``
checks it against the literal one-person-at-a-time loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path

import pandas as pd

from reception import config, fmt
from reception.i18n import t
from reception.read import queries

MAX_PERSONS = 1_000_000  # the Land's arrivals of a year are far fewer; bounds input and output
UNPLACED = "nicht unterzubringen"
CSV_COLUMNS = ["ags", "name", "share_percent", "soll", "ist", "deficit", "free_usable", "cap",
               "proposed"]


class NoKey(LookupError):
    """No distribution key is in force in the week asked for."""


class NoWeek(LookupError):
    """No week was given and none was ever reported (so there is no "next week")."""


@dataclass(frozen=True)
class Proposal:
    """The proposal: one row per district (``CSV_COLUMNS`` plus ``capacity_usable``,
    ``last_reported``, ``excluded`` (the reason, "" if none), ``explanation``) and the
    persons no district can take."""

    week: pd.Timestamp
    persons: int
    reserve_percent: float
    table: pd.DataFrame
    unplaced: int


def exact(value: object) -> Fraction:
    """A stored decimal (9.5 as DOUBLE) as the exact fraction it stands for (19/2)."""
    return Fraction(repr(float(value)))


def cap(free_usable: object, capacity_usable: object, reserve: Fraction) -> int:
    """max(0, floor(free_usable - reserve x capacity_usable)); 0 where either is unknown."""
    if pd.isna(free_usable) or pd.isna(capacity_usable):
        return 0
    return max(0, math.floor(Fraction(int(free_usable)) - reserve * int(capacity_usable)))


def distribute(deficits: list[Fraction], caps: list[int], order: list[tuple],
               persons: int) -> tuple[list[int], int]:
    """(proposed per district, unplaced) of the contract's one-at-a-time rule. ``order``: the
    tie-break key per district (Ist/Soll, ags), smaller first."""
    total = sum(caps)
    if persons >= total:
        return list(caps), persons - total
    if persons <= 0:
        return [0] * len(caps), 0

    floors = [math.floor(d) for d in deficits]  # floor(d - level) = floor(d) - level: whole numbers

    def slots(level: int) -> list[int]:  # per district: its persons with priority >= level
        return [min(c, max(0, f - level + 1)) for f, c in zip(floors, caps)]

    # the highest whole level with at least ``persons`` slots at or above it
    low = min(f - c for f, c in zip(floors, caps))  # every slot is above it
    high = max(floors) + 2  # no slot reaches it
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if sum(slots(middle)) >= persons else (low, middle)
    taken = slots(low + 1)  # all slots of priority >= low + 1: fewer than ``persons``
    # each district has at most one further slot in [low, low + 1): the best of those fill up
    candidates = sorted((i for i, n in enumerate(slots(low)) if n > taken[i]),
                        key=lambda i: (-(deficits[i] - taken[i]), order[i]))
    for i in candidates[:persons - sum(taken)]:
        taken[i] += 1
    return taken, 0


def proposal(inputs: pd.DataFrame, persons: int, week: pd.Timestamp, reserve_percent: float = 0.0,
             excluded: dict[str, str] | None = None, lang: str = "de") -> Proposal:
    """The proposal for ``persons`` from :func:`reception.read.queries.allocation_inputs`
    (ags, name, share_percent, ist, last_reported, capacity_usable, free_usable); ``excluded``:
    ags -> the stated reason. :class:`NoKey` where ``inputs`` is empty."""
    if inputs.empty:
        raise NoKey(str(week))
    if not 0 <= persons <= MAX_PERSONS:
        raise ValueError(f"persons must be between 0 and {MAX_PERSONS}")
    excluded = excluded or {}
    reserve = exact(reserve_percent) / 100
    ist = [int(v) for v in inputs.ist.fillna(0)]
    total = sum(ist) + persons
    soll = [exact(s) / 100 * total for s in inputs.share_percent]
    deficits = [s - i for s, i in zip(soll, ist)]
    caps = [cap(f, c, reserve) for f, c in zip(inputs.free_usable, inputs.capacity_usable)]
    usable = [0 if a in excluded else c for a, c in zip(inputs.ags, caps)]
    order = [(Fraction(i) / s if s > 0 else math.inf, a) for i, s, a in zip(ist, soll, inputs.ags)]
    proposed, unplaced = distribute(deficits, usable, order, persons)
    table = inputs[["ags", "name", "share_percent"]].copy()
    table["soll"], table["ist"] = [float(s) for s in soll], ist
    table["deficit"] = [float(d) for d in deficits]
    table["free_usable"] = inputs.free_usable.astype("Int64")
    table["cap"], table["proposed"] = caps, proposed
    table["capacity_usable"] = inputs.capacity_usable.astype("Int64")
    table["last_reported"] = inputs.last_reported
    table["excluded"] = [excluded.get(a, "") for a in inputs.ags]
    table["explanation"] = [explain(row, lang) for row in table.itertuples()]
    return Proposal(pd.Timestamp(week), persons, float(reserve_percent),
                    table.reset_index(drop=True), unplaced)


def next_week(path: Path | None = None) -> pd.Timestamp:
    """The default week of the proposal: the week after the latest reported week."""
    last = queries.week_bounds(path)[1]
    if last is None:
        raise NoWeek()
    return week_after(last)


def from_store(persons: int, week: date | None = None, reserve_percent: float | None = None,
               excluded: dict[str, str] | None = None, lang: str = "de",
               path: Path | None = None) -> Proposal:
    """The proposal for ``persons`` in ``week`` (its Monday; None: :func:`next_week`) from the
    published snapshot ``path``; the reserve defaults to ``[allocation] reserve_percent``."""
    monday = pd.Timestamp(week) if week is not None else next_week(path)
    if reserve_percent is None:
        reserve_percent = config.settings().allocation_reserve_percent
    inputs = queries.allocation_inputs(monday.date(), path)
    return proposal(inputs, persons, monday, reserve_percent, excluded, lang)


def explain(row, lang: str = "de") -> str:
    """One sentence: why district ``row`` (a row of :attr:`Proposal.table`) gets what it gets."""
    figures = {"soll": fmt.number(row.soll, 1, lang), "ist": fmt.number(row.ist, lang=lang),
               "deficit": fmt.number(row.deficit, 1, lang), "cap": fmt.number(row.cap, lang=lang),
               "proposed": fmt.number(row.proposed, lang=lang),
               "rest": fmt.number(row.deficit - row.proposed, 1, lang)}
    if row.excluded:
        return t("allocation.why_excluded", lang, reason=row.excluded, **figures)
    if pd.isna(row.last_reported):
        return t("allocation.why_unreported", lang, **figures)
    if row.cap == 0:
        return t("allocation.why_full", lang, free=fmt.number(row.free_usable, lang=lang), **figures)
    if row.proposed == row.cap:
        return t("allocation.why_capped", lang, **figures)
    if row.proposed == 0:
        return t("allocation.why_ahead" if row.deficit <= 0 else "allocation.why_behind_less",
                 lang, **figures)
    return t("allocation.why_share", lang, **figures)


def csv_rows(result: Proposal) -> pd.DataFrame:
    """The contract's CSV columns, one row per district, and the unplaced row (``ags`` empty,
    ``name`` "nicht unterzubringen") where persons remain: the proposed column sums to N."""
    frame = result.table[CSV_COLUMNS].astype({"free_usable": "Int64"}).copy()
    frame["soll"] = frame.soll.round(2)
    frame["deficit"] = frame.deficit.round(2)
    if result.unplaced:
        last = {column: None for column in CSV_COLUMNS}
        last.update(ags="", name=UNPLACED, proposed=result.unplaced)
        frame = pd.concat([frame, pd.DataFrame([last])], ignore_index=True)
    return frame


def to_csv(result: Proposal) -> str:
    """The contract's CSV: UTF-8, ``,``, ``.`` as decimal point, empty cells where unknown."""
    return csv_rows(result).to_csv(index=False, lineterminator="\n")


# ---------------------------------------------------------------- for the page and Methodik
def display(result: Proposal, lang: str = "de") -> pd.DataFrame:
    """Per district the figures formatted (German numbers) and the sentence explaining them
    (the key's share is in the download and on Methodik: the page's table stays narrow enough
    for the sentences)."""
    table = result.table
    number = lambda values, decimals=0: [fmt.number(v, decimals, lang) for v in values]  # noqa: E731
    shown = pd.DataFrame({
        t("alloc_tab.district", lang): table.name,
        t("alloc_tab.soll", lang): number(table.soll, 1),
        t("alloc_tab.ist", lang): number(table.ist),
        t("alloc_tab.deficit", lang): number(table.deficit, 1),
        t("alloc_tab.free_usable", lang): number(table.free_usable),
        t("alloc_tab.cap", lang): number(table.cap),
        t("alloc_tab.proposed", lang): number(table.proposed),
        t("alloc_tab.explanation", lang): table.explanation,
    })
    if result.unplaced:  # the last row, as in the CSV: the proposals and it sum to N
        last = dict.fromkeys(shown.columns, fmt.MISSING)
        last.update({shown.columns[0]: t("allocation.unplaced_name", lang),
                     t("alloc_tab.proposed", lang): fmt.number(result.unplaced, lang=lang),
                     t("alloc_tab.explanation", lang): t("allocation.unplaced_row", lang)})
        shown = pd.concat([shown, pd.DataFrame([last])], ignore_index=True)
    return shown


def export_frame(result: Proposal, lang: str = "de") -> pd.DataFrame:
    """The download (CSV/Excel): the contract's columns as numbers, the stated reason of each
    exclusion and the explanation, and the unplaced persons as the last row."""
    frame = csv_rows(result)
    frame["excluded"] = [*result.table.excluded, *([""] if result.unplaced else [])]
    frame["explanation"] = [*result.table.explanation,
                            *([t("allocation.unplaced_row", lang)] if result.unplaced else [])]
    names = {c: t(f"alloc_tab.{c}", lang) for c in frame.columns}
    return frame.rename(columns=names)


def summary(result: Proposal, lang: str = "de") -> str:
    """What the proposal says in short: persons, the districts that take them, the unplaced."""
    taking = result.table[result.table.proposed > 0].sort_values("proposed", ascending=False)
    named = ", ".join(f"{name} {fmt.number(p, lang=lang)}" for name, p in
                      zip(taking.name.head(5), taking.proposed.head(5)))
    return t("allocation.summary", lang, persons=fmt.number(result.persons, lang=lang),
             week=fmt.iso_week(result.week, lang), districts=len(taking), named=named or "–",
             placed=fmt.number(result.persons - result.unplaced, lang=lang),
             excluded=int((result.table.excluded != "").sum()))


def week_after(last: object) -> pd.Timestamp:
    """The week after ``last`` (a Monday): the coming week the page proposes for."""
    return pd.Timestamp(last) + pd.Timedelta(weeks=1)


def worked_example() -> Proposal:
    """Methodik's worked example: three districts, 20 persons, one capped, a tie."""
    inputs = pd.DataFrame({"ags": ["16051", "16052", "16053"], "name": ["A", "B", "C"],
                           "share_percent": [50.0, 30.0, 20.0], "ist": [40, 30, 10],
                           "last_reported": pd.Timestamp("2024-11-18"),
                           "capacity_usable": [100, 100, 100], "free_usable": [4, 50, 50]})
    return proposal(inputs, 20, pd.Timestamp("2024-11-25"))


def example_text(result: Proposal, lang: str = "de") -> str:
    """Methodik's worked example in words, every figure read from ``result``."""
    table = result.table
    listed = lambda values, decimals=0: ", ".join(  # noqa: E731
        f"{n} {fmt.number(v, decimals, lang)}" for n, v in zip(table.name, values))
    return t("allocation.example", lang, persons=fmt.number(result.persons, lang=lang),
             shares=", ".join(f"{n} {fmt.percent_number(v, 0, lang)}"
                              for n, v in zip(table.name, table.share_percent)),
             ist=listed(table.ist), total=fmt.number(table.ist.sum() + result.persons, lang=lang),
             soll=listed(table.soll, 1), deficit=listed(table.deficit, 1), cap=listed(table.cap),
             proposed=listed(table.proposed)) + _tie_text(table, lang)


def _tie_text(table: pd.DataFrame, lang: str) -> str:
    """" Gleichstand ...": who of the districts tied at the largest deficit goes first, and why."""
    tied = table[table.deficit == table.deficit.max()]
    if len(tied) < 2:
        return ""
    tied = tied.assign(ratio=tied.ist / tied.soll).sort_values(["ratio", "ags"])
    return " " + t("allocation.example_tie", lang, tied=t("allocation.and", lang).join(tied.name),
                   first=tied.name.iloc[0], ratios=" < ".join(fmt.number(r, 2, lang) for r in tied.ratio))
