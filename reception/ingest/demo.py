"""Demo figures: a synthetic weekly history for every district, for trying the app out.

What it is: a seeded simulation, from the first ISO week of 2022 up to the current week, shaped
like the real course of events so that every part of the dashboard has something to show. State
arrivals follow the known pattern (the spring 2022 surge from Ukraine, asylum arrivals rising to a
peak in autumn 2023, a decline in 2024, a lower plateau since 2025) and are split among the
districts by the distribution key (table ``distribution_key``) with a persistent factor per
district, so some districts lag behind their quota and some run ahead. Occupancy follows arrivals
and departures (a share of the persons accommodated leaves each week), in each district and in
each facility (occupied = last week's + arrivals - departures, so that the plausibility findings
of issue 23 raise few false alarms on the demo); places grow in steps a few
weeks after a district ran close to its limit, and shrink when they stood largely empty for months.
A few districts run over 100 % in the latest weeks, a couple stand between 90 and 100 %, some
weeks are missing (about 2 % at random, and one or two districts have not reported the latest
week yet), and a few districts report per facility instead of as a district total.

What it is not: official figures, a forecast, or a statement about any real district. Every number
is invented; loads from here carry source ``demo`` and the app labels them as demo data.

The same ``today`` gives the same data (fixed seed). The random draws of each week come from a
generator seeded with that week's index, so the history up to a week does not change when later
weeks are added, except for the last few weeks, which are shaped to end in the situation
described above.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from reception.ingest.load import write_rows

SEED = 20220103
FIRST_WEEK = date(2022, 1, 3)  # Monday of ISO week 1/2022
SOURCE = "demo"

# State-wide asylum arrivals per week (anchor points, linearly interpolated between them).
_ASYLUM_ANCHORS = [
    (date(2022, 1, 3), 150), (date(2022, 6, 1), 200), (date(2022, 10, 15), 330),
    (date(2023, 1, 15), 300), (date(2023, 6, 1), 400), (date(2023, 10, 15), 640),
    (date(2023, 12, 15), 470), (date(2024, 3, 1), 330), (date(2024, 9, 1), 300),
    (date(2024, 12, 15), 230), (date(2025, 6, 1), 200), (date(2027, 1, 1), 195),
]
_UKRAINE_START = date(2022, 2, 28)
_UKRAINE_PEAK = 1000.0  # persons in the peak week (mid-March 2022)

# Districts that report per facility: (ags, [(facility, type, share of places)]).
_FACILITIES = {
    "16051": [("GU Am Stadtpark", "GU", 0.34), ("GU Nordstrand", "GU", 0.22),
              ("Wohnungsverbund Herrenberg", "Wohnung", 0.18), ("GU Gispersleben", "GU", 0.14),
              ("Notunterkunft Messehalle", "Notunterkunft", 0.12)],
    "16053": [("GU Am Stadtpark", "GU", 0.45), ("Wohnungen Lobeda", "Wohnung", 0.35),
              ("Notunterkunft Sporthalle Nord", "Notunterkunft", 0.20)],
    "16067": [("GU Gotha Ost", "GU", 0.38), ("GU Waltershausen", "GU", 0.24),
              ("Wohnungen Ohrdruf", "Wohnung", 0.22), ("Notunterkunft Turnhalle", "Notunterkunft",
                                                       0.16)],
    "16070": [("GU Arnstadt", "GU", 0.40), ("GU Ilmenau", "GU", 0.30),
              ("Wohnungen Stadtilm", "Wohnung", 0.18), ("Wohnungen Gehren", "Wohnung", 0.12)],
    "16076": [("GU Greiz Zentrum", "GU", 0.36), ("GU Zeulenroda", "GU", 0.26),
              ("Wohnungen Weida", "Wohnung", 0.14), ("Wohnungen Berga", "Wohnung", 0.10),
              ("Notunterkunft Alte Schule", "Notunterkunft", 0.08),
              ("Wohnungen Hohenleuben", "Wohnung", 0.06)],
}
# The latest situation: districts over the limit (> 100 %) and close to it (90-100 %).
_OVER_LIMIT = ("16052", "16065", "16067", "16073")
_NEAR_LIMIT = ("16051", "16072")
_LATE = ("16054", "16069")
# Another Land's demo: roles drawn (seeded) from its district list, with these facility mixes.
_GENERIC_FACILITIES = [
    [("GU Nord", "GU", 0.38), ("GU Süd", "GU", 0.26), ("Wohnungsverbund Mitte", "Wohnung", 0.22),
     ("Notunterkunft Turnhalle", "Notunterkunft", 0.14)],
    [("GU Am Bahnhof", "GU", 0.45), ("Wohnungen Altstadt", "Wohnung", 0.35),
     ("Notunterkunft Messehalle", "Notunterkunft", 0.20)],
    [("GU Kreisstadt", "GU", 0.40), ("GU Ost", "GU", 0.30), ("Wohnungen West", "Wohnung", 0.30)],
]
# The curves above are drawn for Thuringia; another Land's figures scale with its population.
_CURVE_POPULATION = 2_100_277
_RAMP_WEEKS = 10
_SHORTAGE_RATE, _SHORTAGE_WEEKS = 0.95, 3
_SLACK_RATE, _SLACK_WEEKS = 0.72, 14


def iso_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def demo_weeks(today: date | None = None) -> list[date]:
    """Every ISO week (its Monday) from the first week of 2022 to the week of ``today``."""
    last = iso_monday(today or date.today())
    count = max((last - FIRST_WEEK).days // 7 + 1, 1)
    return [FIRST_WEEK + timedelta(weeks=i) for i in range(count)]


def state_arrivals_curve(weeks: list[date]) -> np.ndarray:
    """Expected state-wide arrivals per week (before noise)."""
    asylum, ukraine = _curve_parts(weeks)
    return asylum + ukraine


def _curve_parts(weeks: list[date]) -> tuple[np.ndarray, np.ndarray]:
    """(asylum and others, Ukraine) parts of the expected state-wide arrivals per week."""
    ordinal = np.array([w.toordinal() for w in weeks], dtype=float)
    anchors = np.array([d.toordinal() for d, _ in _ASYLUM_ANCHORS], dtype=float)
    asylum = np.interp(ordinal, anchors, [v for _, v in _ASYLUM_ANCHORS])
    # Ukraine: a surge from the first week of March 2022 (peak in its third week), decaying to a
    # small stream that fades out during 2023
    since = (ordinal - _UKRAINE_START.toordinal()) / 7.0
    surge = np.where(since >= 0, _UKRAINE_PEAK * (since / 2.5) * np.exp(1 - since / 2.5), 0.0)
    stream = np.where(since >= 0, 120.0 * np.exp(-np.clip(since, 0, None) / 60.0), 0.0)
    # a little seasonality: fewer arrivals around the turn of the year
    day_of_year = np.array([w.timetuple().tm_yday for w in weeks], dtype=float)
    season = 1.0 + 0.08 * np.cos(2 * np.pi * (day_of_year - 280) / 365.25)
    return asylum * season, surge + stream


def _load_reference(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    rows = con.execute("""
        SELECT d.ags, coalesce(k.share_percent, 0) AS share, d.population
        FROM district_ref d LEFT JOIN (
            SELECT ags, share_percent FROM distribution_key
            QUALIFY row_number() OVER (PARTITION BY ags ORDER BY valid_from DESC NULLS LAST) = 1
        ) k USING (ags) ORDER BY d.ags
    """).fetchall()
    frame = pd.DataFrame(rows, columns=["ags", "share", "population"])
    if frame.share.sum() <= 0:  # no key installed: population shares
        frame["share"] = frame.population.fillna(1).astype(float)
    frame["share"] = frame.share / frame.share.sum()
    return frame


def roles(ags: list[str]) -> tuple[tuple, tuple, tuple, dict]:
    """(over the limit, near it, late this week, facility mixes by district) for ``ags``: the
    Thuringian choices where those districts exist, else a seeded draw from the list (about one
    in twenty over the limit, one in forty near it, two late, up to five per facility)."""
    if any(code in ags for code in _OVER_LIMIT):
        return _OVER_LIMIT, _NEAR_LIMIT, _LATE, _FACILITIES
    n = len(ags)
    picked = [ags[i] for i in np.random.default_rng([SEED, 4, n]).permutation(n)]
    over, near = max(1, round(n / 20)), max(1, round(n / 40))
    late, facility = min(2, max(n - over - near, 0)), min(5, n)
    over_ags, near_ags = tuple(picked[:over]), tuple(picked[over:over + near])
    late_ags = tuple(picked[over + near:over + near + late])
    facilities = {code: _GENERIC_FACILITIES[k % len(_GENERIC_FACILITIES)]
                  for k, code in enumerate(picked[-facility:])}
    return over_ags, near_ags, late_ags, facilities


def _week_rng(week_index: int) -> np.random.Generator:
    return np.random.default_rng([SEED, week_index])


def simulate(ags: list[str], shares: np.ndarray, weeks: list[date],
             scale: float = 1.0) -> dict[str, np.ndarray]:
    """District-level figures, arrays of shape (weeks, districts); ``scale``: the Land's
    population against Thuringia's (the curves' base)."""
    n_weeks, n = len(weeks), len(ags)
    params = np.random.default_rng([SEED, 0])
    factor = params.uniform(0.8, 1.2, n)  # persistent: ahead of or behind the quota
    weights = shares * factor
    weights = weights / weights.sum()
    leave_rate = params.uniform(0.019, 0.025, n)  # share of occupants leaving per week
    start_rate = params.uniform(0.70, 0.86, n)
    state_start = 7400.0 * scale
    occupied0 = np.round(state_start * shares * params.uniform(0.85, 1.15, n))
    capacity0 = np.round(occupied0 / start_rate / 10) * 10

    expected = state_arrivals_curve(weeks) * scale
    arrivals = np.zeros((n_weeks, n), dtype=np.int64)
    departures = np.zeros((n_weeks, n), dtype=np.int64)
    occupied = np.zeros((n_weeks, n), dtype=np.int64)
    capacity = np.zeros((n_weeks, n), dtype=np.int64)
    occ, cap = occupied0.astype(np.int64), capacity0.astype(np.int64)
    tight = np.zeros(n, dtype=int)
    slack = np.zeros(n, dtype=int)
    pending_week = np.full(n, -1)
    pending_size = np.zeros(n, dtype=np.int64)
    for i in range(n_weeks):
        rng = _week_rng(i)
        state_total = expected[i] * rng.lognormal(0.0, 0.08)
        mean = state_total * weights * rng.lognormal(0.0, 0.22, n)
        arrivals[i] = rng.poisson(mean)
        # Ukrainian arrivals of spring 2022 found private flats fast: more departures then
        extra = 0.07 * np.exp(-max(i - 9, 0) / 16.0) if i >= 9 else 0.0
        departures[i] = rng.binomial(occ, np.clip(leave_rate + extra, 0, 1))
        occ = np.maximum(occ + arrivals[i] - departures[i], 0)
        # capacity: a step a few weeks after a shortage, a cut after months of empty places
        arrived = pending_week == i
        cap = cap + np.where(arrived, pending_size, 0)
        pending_week = np.where(arrived, -1, pending_week)
        rate = occ / np.maximum(cap, 1)
        tight = np.where(rate > _SHORTAGE_RATE, tight + 1, 0)
        slack = np.where(rate < _SLACK_RATE, slack + 1, 0)
        plan = (tight >= _SHORTAGE_WEEKS) & (pending_week < 0)
        if plan.any():
            step = np.maximum(np.round(cap * rng.uniform(0.12, 0.25, n) / 10) * 10,
                              np.round((occ - cap) * 1.3 / 10) * 10 + 20)
            pending_week = np.where(plan, i + rng.integers(3, 8, n), pending_week)
            pending_size = np.where(plan, step.astype(np.int64), pending_size)
            tight = np.where(plan, 0, tight)
        cut = (slack >= _SLACK_WEEKS) & (pending_week < 0)
        cap = np.where(cut, np.round(cap * 0.92 / 10).astype(np.int64) * 10, cap)
        slack = np.where(cut, 0, slack)
        occupied[i], capacity[i] = occ, cap
    return {"arrivals": arrivals, "departures": departures, "occupied": occupied,
            "capacity": capacity}


def _shape_latest(figures: dict[str, np.ndarray], ags: list[str],
                  over: tuple = _OVER_LIMIT, near: tuple = _NEAR_LIMIT) -> None:
    """End in the situation the dashboard should show: a few districts over the limit, a couple
    close to it. Over the last weeks their places stay fixed (an emergency shelter closed) while
    occupancy climbs to the chosen end rate; departures keep the books balanced."""
    n_weeks = len(figures["arrivals"])
    ramp = min(_RAMP_WEEKS, n_weeks - 1)
    if ramp < 2:
        return
    rng = np.random.default_rng([SEED, 1])
    ends = {a: rng.uniform(1.04, 1.13) for a in over}
    ends |= {a: rng.uniform(0.91, 0.98) for a in near}
    arr, dep, occ, cap = (figures[k] for k in ("arrivals", "departures", "occupied", "capacity"))
    start = n_weeks - ramp - 1
    for code, end_rate in ends.items():
        if code not in ags:
            continue
        j = ags.index(code)
        places = int(min(cap[start, j], np.round(occ[start, j] / 0.88 / 10) * 10))
        begin = occ[start, j] / max(places, 1)
        path = np.round(places * np.linspace(begin, end_rate, ramp + 1)[1:]).astype(np.int64)
        cap[start + 1:, j] = places
        for k, target in enumerate(path, start=start + 1):
            net = target - occ[k - 1, j]
            leaving = max(int(round(occ[k - 1, j] * 0.02)), 0)
            arr[k, j] = max(net + leaving, 0)
            dep[k, j] = arr[k, j] - net
            occ[k, j] = target


def _split(total: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Integer split of each total by shares (largest remainder): rows sum to ``total``.
    ``shares``: one share per part, or one row of shares per total."""
    raw = total[:, None] * np.atleast_2d(shares)
    base = np.floor(raw).astype(np.int64)
    rest = total - base.sum(axis=1)
    order = np.argsort(-(raw - base), axis=1, kind="stable")
    ranks = np.argsort(order, axis=1, kind="stable")
    return base + (ranks < rest[:, None])


def _facility_shares(facilities: list, capacity: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """Each facility's share of the district's places per week. Emergency shelters hold the
    places above a permanent stock that grows slowly from the places of early 2022: they open
    when capacity is added in a surge and close first when it is cut."""
    shares = np.array([s for _, _, s in facilities], dtype=float)
    shares = shares / shares.sum()
    emergency = np.array([kind == "Notunterkunft" for _, kind, _ in facilities])
    if not emergency.any() or emergency.all():
        return np.broadcast_to(shares, (len(capacity), len(shares)))
    years = (weeks - np.datetime64(FIRST_WEEK)).astype(int) / 365.25
    permanent = capacity[0] * (1 - shares[emergency].sum()) * (1 + 0.08 * years)
    # a few places stay in every shelter (a standby reserve)
    extra = np.maximum(capacity - permanent, capacity * 0.03)
    out = np.zeros((len(capacity), len(shares)))
    out[:, emergency] = (extra / np.maximum(capacity, 1))[:, None] * (
        shares[emergency] / shares[emergency].sum())[None, :]
    out[:, ~emergency] = (1 - out[:, emergency].sum(axis=1))[:, None] * (
        shares[~emergency] / shares[~emergency].sum())[None, :]
    return out


def _facility_rows(facilities: list, code: str, week_index: np.ndarray,
                   figures: dict[str, np.ndarray], j: int, weeks: np.ndarray) -> pd.DataFrame:
    """The district's figures split over its facilities, week by week, so that each facility's
    books balance as the district's do (occupied = last week's + arrivals - departures, issue
    23): departures leave the facilities in proportion to their occupants, arrivals go where
    the facility holds fewer persons than its share of places (each facility's share, a little
    uneven), and the sums over the facilities are the district's figures."""
    place_shares = _facility_shares(facilities, figures["capacity"][:, j], weeks)
    rng = np.random.default_rng([SEED, 2, int(code)])
    # occupancy spreads a little unevenly over the facilities (a fixed lean per facility)
    lean = place_shares * rng.lognormal(0, 0.08, len(facilities))
    lean = lean / np.maximum(lean.sum(axis=1, keepdims=True), 1e-12)
    occupied, arrivals, departures = _facility_flows(
        lean, *(figures[m][:, j] for m in ("occupied", "arrivals", "departures")))
    parts = {"capacity": _split(figures["capacity"][:, j], place_shares),
             "occupied": occupied, "arrivals": arrivals, "departures": departures,
             "capacity_unusable": _split(figures["capacity_unusable"][:, j], place_shares),
             "occupied_entitled": _split(figures["occupied_entitled"][:, j],
                                         _weights(occupied, place_shares)),
             "announced": _split(figures["announced"][:, j], place_shares)}
    # arrivals by group: each facility's arrivals split as the district's are
    for part in ("arrivals_other", "arrivals_ukraine"):
        share = figures[part][:, j] / np.maximum(figures["arrivals"][:, j], 1)
        parts[part] = np.floor(arrivals * share[:, None] + 0.5).astype(np.int64)
    # a part never exceeds its whole in one facility either
    for part, whole in (("capacity_unusable", "capacity"), ("occupied_entitled", "occupied")):
        parts[part] = np.minimum(parts[part], parts[whole])
    parts["arrivals_other"] = np.minimum(parts["arrivals_other"], parts["arrivals"])
    parts["arrivals_ukraine"] = np.minimum(parts["arrivals_ukraine"],
                                           parts["arrivals"] - parts["arrivals_other"])
    parts["arrivals_asylum"] = parts["arrivals"] - parts["arrivals_other"] - parts[
        "arrivals_ukraine"]
    frames = []
    for f, (name, kind, _) in enumerate(facilities):
        frames.append(pd.DataFrame({
            "ags": code, "week": weeks[week_index], "facility": name, "facility_type": kind,
            **{m: parts[m][week_index, f] for m in parts}, "_week": week_index,
        }))
    return pd.concat(frames, ignore_index=True)


def _weights(counts: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Rows of ``counts`` as shares; ``fallback``'s row where a row sums to nought."""
    totals = counts.sum(axis=1, keepdims=True)
    return np.where(totals > 0, counts / np.maximum(totals, 1), fallback)


def _facility_flows(lean: np.ndarray, occupied: np.ndarray, arrivals: np.ndarray,
                    departures: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(occupied, arrivals, departures) per week and facility whose books balance and whose
    sums are the district's (which balance: occupied = last week's + arrivals - departures)."""
    n_weeks, n = lean.shape
    occ = np.zeros((n_weeks, n), dtype=np.int64)
    arr = np.zeros_like(occ)
    dep = np.zeros_like(occ)
    occ[0] = _split(occupied[:1], lean[:1])[0]
    for i in range(1, n_weeks):
        before = occ[i - 1]
        leaving = _split(departures[i:i + 1], _weights(before[None, :], lean[i:i + 1]))[0]
        excess = np.maximum(leaving - before, 0)  # rounding: no one leaves an empty facility
        leaving = leaving - excess
        if excess.sum():
            leaving[np.argmax(before - leaving)] += excess.sum()
        staying = before - leaving
        room = np.maximum(lean[i] * occupied[i] - staying, 0)
        arr[i] = _split(arrivals[i:i + 1], _weights(room[None, :], lean[i:i + 1]))[0]
        dep[i], occ[i] = leaving, staying + arr[i]
    arr[0] = _split(arrivals[:1], lean[:1])[0]
    dep[0] = _split(departures[:1], lean[:1])[0]
    return occ, arr, dep


# the figures of the second version of the report format that the demo fills
_PARTS = ("arrivals_asylum", "arrivals_ukraine", "arrivals_other", "capacity_unusable",
          "occupied_entitled", "announced")
_ENTITLED_FROM, _ENTITLED_TO = (date(2022, 1, 3), 0.10), (date(2025, 12, 29), 0.30)
_ANNOUNCED_AHEAD = 4  # weeks


def add_parts(figures: dict[str, np.ndarray], weeks: list[date]) -> None:
    """The parts of each district-week, in ``figures`` (after ``_shape_latest``): arrivals by
    group following the two parts of the state curve (the 2022 wave mostly § 24), 3-10 % of
    the places unusable (drifting per district), the share entitled to move out growing from
    about 10 % to 30 %, and the Land's announcement of each week (made four weeks ahead; it
    mostly comes true). Each week's draws come from its own seed: history stays stable."""
    arrivals, n = figures["arrivals"], figures["arrivals"].shape[1]
    asylum_curve, ukraine_curve = _curve_parts(weeks)
    ukraine_share = ukraine_curve / np.maximum(asylum_curve + ukraine_curve, 1e-9)
    params = np.random.default_rng([SEED, 5])
    unusable_base = params.uniform(0.03, 0.10, n)
    entitled_offset = params.uniform(-0.03, 0.03, n)
    ordinal = np.array([w.toordinal() for w in weeks], dtype=float)
    entitled_share = np.interp(ordinal, [_ENTITLED_FROM[0].toordinal(),
                                         _ENTITLED_TO[0].toordinal()],
                               [_ENTITLED_FROM[1], _ENTITLED_TO[1]])
    out = {m: np.zeros_like(arrivals) for m in _PARTS}
    drift = np.zeros(n)
    for i in range(len(weeks)):
        rng = np.random.default_rng([SEED, 6, i])
        ukraine = rng.binomial(arrivals[i], np.clip(ukraine_share[i], 0, 1))
        other = rng.binomial(arrivals[i] - ukraine, 0.12)
        out["arrivals_ukraine"][i], out["arrivals_other"][i] = ukraine, other
        out["arrivals_asylum"][i] = arrivals[i] - ukraine - other
        drift = np.clip(drift + rng.normal(0, 0.004, n), -0.02, 0.02)
        rate = np.clip(unusable_base + drift, 0.03, 0.10)
        out["capacity_unusable"][i] = np.round(figures["capacity"][i] * rate)
        share = np.clip(entitled_share[i] + entitled_offset, 0.05, 0.4)
        out["occupied_entitled"][i] = np.round(figures["occupied"][i] * share)
        # mostly right: within about a tenth, now and then a larger miss
        miss = rng.lognormal(0.0, 0.1, n) * np.where(rng.random(n) < 0.08, 1.4, 1.0)
        out["announced"][i] = np.round(arrivals[i] * miss)
    figures.update(out)


def _future_announcements(figures: dict[str, np.ndarray], ags: list[str], weeks: list[date],
                          facility_mix: dict) -> pd.DataFrame:
    """Announcement-only rows of the four weeks after the latest one: the Land's notice of
    what is coming, about the recent weeks' level (per facility where a district reports so,
    split by places)."""
    recent = figures["arrivals"][-_ANNOUNCED_AHEAD:].mean(axis=0)
    rows = []
    for k in range(1, _ANNOUNCED_AHEAD + 1):
        rng = np.random.default_rng([SEED, 7, len(weeks) + k - 1])
        amount = np.round(recent * rng.lognormal(0.0, 0.15, len(ags))).astype(np.int64)
        week = weeks[-1] + timedelta(weeks=k)
        for j, code in enumerate(ags):
            mix = facility_mix.get(code)
            if mix is None:
                rows.append((code, week, "", None, int(amount[j])))
                continue
            split = _split(np.array([amount[j]]), np.array([s for _, _, s in mix]) /
                           sum(s for _, _, s in mix))[0]
            rows += [(code, week, name, kind, int(split[f]))
                     for f, (name, kind, _) in enumerate(mix)]
    return pd.DataFrame(rows, columns=["ags", "week", "facility", "facility_type", "announced"])


def build_demo_frame(con: duckdb.DuckDBPyConnection, today: date | None = None) -> pd.DataFrame:
    """The demo rows (columns of ``report_row`` less ``load_id``), without writing them."""
    weeks = demo_weeks(today)
    reference = _load_reference(con)
    ags = reference.ags.tolist()
    over, near, late_ags, facility_mix = roles(ags)
    population = float(reference.population.fillna(0).sum())
    scale = population / _CURVE_POPULATION if population > 0 else 1.0
    figures = simulate(ags, reference.share.to_numpy(), weeks, scale)
    _shape_latest(figures, ags, over, near)
    add_parts(figures, weeks)
    n_weeks, n = figures["arrivals"].shape

    # who reported which week: ~2 % gaps at random, and one or two districts late this week
    missing = np.vstack([np.random.default_rng([SEED, 3, i]).random(n) < 0.02
                         for i in range(n_weeks)])
    late = [a for a in late_ags if a in ags and a not in over + near]
    if n_weeks > 1:
        missing[-1] = False
        for code in late:
            missing[-1, ags.index(code)] = True

    week_array = np.array(weeks, dtype="datetime64[D]")
    frames = []
    district_level = [j for j, a in enumerate(ags) if a not in facility_mix]
    grid_week, grid_unit = np.nonzero(~missing[:, district_level])
    columns = {m: figures[m][:, district_level][grid_week, grid_unit] for m in figures}
    frames.append(pd.DataFrame({
        "ags": np.array(ags, dtype=object)[np.array(district_level)][grid_unit],
        "week": week_array[grid_week], "facility": "", "facility_type": None, **columns,
        "_week": grid_week,
    }))
    for j, code in enumerate(ags):
        if code in facility_mix:
            reported = np.nonzero(~missing[:, j])[0]
            frames.append(_facility_rows(facility_mix[code], code, reported, figures, j,
                                         week_array))
    ahead = _future_announcements(figures, ags, weeks, facility_mix)
    ahead["_week"] = n_weeks + (pd.to_datetime(ahead.week) - pd.Timestamp(weeks[-1])).dt.days // 7
    frames.append(ahead)
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.sort_values(["_week", "ags", "facility"], kind="stable").drop(columns="_week")
    frame["week"] = pd.to_datetime(frame.week).dt.date
    frame["facility_type"] = frame.facility_type.astype(object).where(frame.facility_type.notna(),
                                                                      None)
    for measure in ("arrivals", "departures", "capacity", "occupied", *_PARTS):
        frame[measure] = frame[measure].astype("Int64")  # empty in the announcement-only rows
    frame = frame.reset_index(drop=True)
    frame["line"] = np.arange(len(frame), dtype=np.int64) + 2
    return frame[["ags", "week", "facility", "facility_type", "arrivals", "departures",
                  "capacity", "occupied", "line", *_PARTS]]


def frame_sha256(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()


def install_demo(con: duckdb.DuckDBPyConnection, today: date | None = None) -> dict:
    """Write the demo history as one load (source ``demo``); nothing if the same is in force."""
    frame = build_demo_frame(con, today)
    weeks = int(frame.week[frame.capacity.notna()].nunique())  # reported, not announced
    sha = frame_sha256(frame)
    found = con.execute(
        "SELECT load_id FROM load_log WHERE sha256 = ? AND status = 'loaded' AND source = ? "
        "ORDER BY load_id LIMIT 1", [sha, SOURCE]).fetchall()
    if found:
        return {"weeks": weeks, "rows": len(frame), "load_id": int(found[0][0]), "new": False}
    load_id, _ = write_rows(con, con.from_df(frame), file_name="demo", sha256=sha, source=SOURCE,
                            loaded_by="demo")
    return {"weeks": weeks, "rows": len(frame), "load_id": int(load_id), "new": True}
