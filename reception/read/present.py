"""Figures made readable: display tables (formatted strings, translated headers) and the text
summaries that stand beside each chart. Pure functions of metrics' frames and a language, so the
pages stay free of arithmetic and the wording is tested without Streamlit."""

from __future__ import annotations

import math

import pandas as pd

from reception import fmt
from reception.i18n import t
from reception.read import measures
from reception.read.measures import STATUS_SYMBOLS, status_label
from reception.read.metrics import ARRIVAL_GROUPS, LIMIT, WARN, Headline, arrival_groups, status_rate

# At most this many districts in a bar chart of all districts (the table beside it has all).
CHART_DISTRICTS = 40
# At most this many weeks in the reporting matrix (the download has all).
MATRIX_WEEKS = 52


def _ok(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


# ---------------------------------------------------------------- headline cards (Lage)
# figure -> delta colour (a rise is bad -> "inverse"); a figure's unit is in the measures
# catalogue (the district counts at_warn and at_limit are counts)
HEADLINE_STYLE = {"arrivals": "inverse", "capacity": "normal", "occupied": "off", "occupancy_rate": "inverse",
                  "free_places": "normal", "at_warn": "inverse", "at_limit": "inverse"}


def headline_cards(heads: dict[str, Headline], lang: str, warn: float = 0.9,
                   limit: float = 1.0, estimate=None) -> list[dict]:
    """For st.metric: label, value, delta (vs previous week), delta_color, delta_arrow, caption
    (4-week mean);
    ``warn`` and ``limit`` name the thresholds in the district-count labels. With an
    ``estimate`` (:class:`reception.read.estimate.StateEstimate`) where districts are missing,
    the arrivals card shows the estimated total, marked, with its band, and the occupancy card
    says how many districts it carries forward (:func:`estimated_cards`)."""
    thresholds = {"warn": fmt.percent(warn, 0, lang), "limit": fmt.percent(limit, 0, lang)}
    cards = []
    for key, colour in HEADLINE_STYLE.items():
        head = heads[key]
        if key in measures.CATALOGUE and measures.CATALOGUE[key].unit == measures.PERCENT:
            value, delta = fmt.percent(head.value, 1, lang), fmt.points(head.delta, 1, lang)
            mean, diff = fmt.percent(head.mean4, 1, lang), fmt.points(head.delta_mean4, 1, lang)
        else:
            value, delta = fmt.number(head.value, lang=lang), fmt.number(head.delta, lang=lang, signed=True)
            mean = fmt.number(head.mean4, 1 if key == "arrivals" else 0, lang)
            diff = fmt.number(head.delta_mean4, lang=lang, signed=True)
        has_previous = _ok(head.previous)
        cards.append({
            "label": t(f"headline.{key}", lang, **thresholds),
            "value": value,
            "delta": t("headline.vs_previous", lang, delta=delta) if has_previous else None,
            "delta_color": colour if _ok(head.delta) and head.delta != 0 else "off",
            "delta_arrow": "auto" if _ok(head.delta) and head.delta != 0 else "off",
            "caption": t("headline.mean4", lang, mean=mean, diff=diff) if _ok(head.mean4) else
            t("headline.no_mean4", lang),
        })
    return estimated_cards(cards, heads, estimate, lang) if estimate is not None else cards


def capacity_cards(state: pd.DataFrame, announced: float, lang: str) -> list[dict]:
    """The second row of headline cards (issue 14): usable free places, residents entitled to
    move out (and their share), allocations announced for the next four weeks; each a dict
    label, value, caption. Empty when the state frame has no usable places."""
    if state.empty or "free_usable" not in state.columns:
        return []
    last = state.iloc[-1]
    unusable = last.capacity - last.capacity_usable if _ok(last.capacity_usable) else float("nan")
    entitled_ok = _ok(last.occupied_entitled)
    return [
        {"label": t("headline.free_usable", lang), "value": fmt.number(last.free_usable, lang=lang),
         "caption": t("headline.free_usable_caption", lang,
                      usable=fmt.number(last.capacity_usable, lang=lang),
                      unusable=fmt.number(unusable, lang=lang),
                      rate=fmt.percent(last.get("usable_rate", math.nan), 1, lang))},
        {"label": t("headline.occupied_entitled", lang),
         "value": fmt.number(last.occupied_entitled, lang=lang) if entitled_ok else "–",
         "caption": t("headline.entitled_caption", lang,
                      share=fmt.percent(last.entitled_share, 1, lang)) if entitled_ok
         else t("headline.not_reported", lang)},
        {"label": t("headline.announced", lang),
         "value": fmt.number(announced, lang=lang) if _ok(announced) else "–",
         "caption": t("headline.announced_caption", lang) if _ok(announced)
         else t("headline.not_reported", lang)},
    ]


# ---------------------------------------------------------------- totals despite gaps (issue 25)
def estimate_label(estimate, lang: str) -> str:
    """"geschätzt: 2 Kreise fehlen"."""
    count = len(estimate.missing)
    return t("estimate.label_one", lang) if count == 1 else t("estimate.label", lang, count=count)


def _escaped(name: object) -> str:
    return " ".join(str(name).split()).translate(_MARKDOWN_ACTIVE)


def estimated_cards(cards: list[dict], heads: dict[str, Headline], estimate, lang: str) -> list[dict]:
    """``cards`` of :func:`headline_cards` with the arrivals card showing the estimated total
    ("≈ 259", marked and with its band) and the occupancy card naming the carried-forward
    districts, where the estimate's week misses reports; unchanged otherwise."""
    if not estimate.needed:
        return cards
    out = [dict(card) for card in cards]
    arrivals = out[list(HEADLINE_STYLE).index("arrivals")]
    previous = heads["arrivals"].previous
    banded = _ok(estimate.lower) and _ok(estimate.upper)
    arrivals.update({
        "value": t("estimate.value", lang, total=fmt.number(estimate.arrivals, lang=lang)),
        "caption": t("estimate.card_caption" if banded else "estimate.card_caption_noband", lang,
                     label=estimate_label(estimate, lang),
                     reported=fmt.number(estimate.arrivals_reported, lang=lang),
                     lower=fmt.number(estimate.lower, lang=lang),
                     upper=fmt.number(estimate.upper, lang=lang))})
    if _ok(previous):
        arrivals["delta"] = t("headline.vs_previous", lang, delta=fmt.number(
            estimate.arrivals - previous, lang=lang, signed=True))
    occupancy = estimate.occupancy
    if occupancy is not None and occupancy.carried:
        card = out[list(HEADLINE_STYLE).index("occupancy_rate")]
        card["caption"] = t("estimate.occupancy_caption", lang, carried=occupancy.carried,
                            fresh_rate=fmt.percent(occupancy.fresh_rate, 1, lang))
    return out


def estimate_banner(estimate, lang: str) -> str | None:
    """The estimate in sentences (Markdown): reported + estimated = total with its band, what
    each missing district was estimated at and from what, who has no estimate; None when every
    district reported the week."""
    if estimate is None or not estimate.needed:
        return None
    missing = estimate.missing
    banded = _ok(estimate.lower) and _ok(estimate.upper)
    text = t("estimate.banner" if banded else "estimate.banner_noband", lang,
             label=estimate_label(estimate, lang),
             week=fmt.iso_week(estimate.week, lang),
             reported=fmt.number(estimate.arrivals_reported, lang=lang), reporting=estimate.reported,
             districts=estimate.districts, estimated=fmt.number(estimate.estimated, lang=lang),
             total=fmt.number(estimate.arrivals, lang=lang), lower=fmt.number(estimate.lower, lang=lang),
             upper=fmt.number(estimate.upper, lang=lang))
    parts = [t(_part_key(row), lang, name=_escaped(row.name),
               estimate=fmt.number(row.estimate, lang=lang), lower=fmt.number(row.lower, lang=lang),
               upper=fmt.number(row.upper, lang=lang), last=fmt.iso_week(row.last_reported, lang))
             for row in missing.itertuples(index=False) if row.source != "none"]
    if parts:
        text += " " + t("estimate.parts", lang, parts="; ".join(parts))
    never = pd.Series([_escaped(n) for n in estimate.never], dtype="object")
    return text + _listed("estimate.unestimated", never, lang)


def _part_key(row) -> str:
    if row.source == "forecast" and not (_ok(row.lower) and _ok(row.upper)):
        return "estimate.part_forecast_noband"
    return f"estimate.part_{row.source}"


def estimate_point(estimate) -> tuple | None:
    """(week, total, lower, upper) of the estimated state total for the forecast chart
    (:func:`reception.read.charts.forecast`); None when every district reported."""
    if estimate is None or not estimate.needed:
        return None
    return (estimate.week, float(estimate.arrivals), float(estimate.lower), float(estimate.upper))


def estimate_summary(estimate, lang: str) -> str:
    """The forecast chart's marker in words, for its "Kurz gesagt" text and alt text ("" when
    every district reported)."""
    point = estimate_point(estimate)
    if point is None:
        return ""
    return " " + t("estimate.summary", lang, week=fmt.iso_week(point[0], lang),
                   total=fmt.number(point[1], lang=lang), lower=fmt.number(point[2], lang=lang),
                   upper=fmt.number(point[3], lang=lang), label=estimate_label(estimate, lang))


def estimate_notes(estimate, lang: str) -> tuple[str | None, str | None]:
    """What Lage shows under its heading where districts are missing: the banner
    (:func:`estimate_banner`) and a caption saying what "Auslastung Land" counts and that the
    data stay as reported; (None, None) when every district reported."""
    banner = estimate_banner(estimate, lang)
    if banner is None:
        return None, None
    return banner, " ".join(filter(None, [estimate_occupancy(estimate, lang), t("estimate.note", lang)]))


def estimate_occupancy(estimate, lang: str) -> str | None:
    """What "Auslastung Land" counts when some districts' figures are carried forward; None when
    every district with places reported the week."""
    occupancy = estimate.occupancy if estimate is not None else None
    if occupancy is None or not occupancy.carried:
        return None
    return t("estimate.occupancy", lang, rate=fmt.percent(occupancy.rate, 1, lang), fresh=occupancy.fresh,
             week=fmt.iso_week(estimate.week, lang), carried=occupancy.carried,
             carried_from=fmt.iso_week(occupancy.carried_from, lang),
             fresh_rate=fmt.percent(occupancy.fresh_rate, 1, lang))


def estimate_planung(estimate, lang: str) -> str | None:
    """The state's start week on Planung: whose figures are carried forward (None: nobody's)."""
    occupancy = estimate.occupancy if estimate is not None else None
    if occupancy is None or not occupancy.carried:
        return None
    return t("estimate.planung", lang, week=fmt.iso_week(estimate.week, lang), carried=occupancy.carried,
             carried_from=fmt.iso_week(occupancy.carried_from, lang))


# ---------------------------------------------------------------- tables
def ranking_table(latest: pd.DataFrame, lang: str) -> pd.DataFrame:
    """All districts by the traffic light's rate: of the usable places, with all places beside."""
    return pd.DataFrame({
        t("tab.rank", lang): range(1, len(latest) + 1),
        t("tab.district", lang): latest.name,
        t("tab.status", lang): [status_label(s, lang) for s in latest.status],
        t("tab.usable_rate", lang): [fmt.percent(v, 1, lang) for v in
                                     status_rate(latest).replace(math.inf, math.nan)],
        t("tab.occupied", lang): [fmt.number(v, lang=lang) for v in latest.occupied],
        t("tab.capacity_usable", lang): [fmt.number(v, lang=lang) for v in latest.capacity_usable],
        t("tab.capacity", lang): [fmt.number(v, lang=lang) for v in latest.capacity],
        t("tab.free_usable", lang): [fmt.number(v, lang=lang) for v in latest.free_usable],
        t("tab.reported", lang): [t("reporting.yes" if r else "reporting.no", lang) for r in latest.reported],
    })


def warning_table(warn: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The early-warning list (rate and free places of the usable places, the runway as a
    sentence naming what it counts); with the forecast's outlook (``limit_week`` ...) where present."""
    rate = status_rate(warn).replace(math.inf, math.nan)
    table = pd.DataFrame({
        t("tab.district", lang): warn.name,
        t("tab.reason", lang): [t(f"warning.{r}", lang) for r in warn.reason],
        t("tab.usable_rate", lang): [fmt.percent(v, 1, lang) for v in rate],
        t("tab.free_usable", lang): [fmt.number(v, lang=lang) for v in warn.free_usable],
        t("tab.net_intake", lang): [fmt.number(v, 1, lang) for v in warn.net_intake],
        t("tab.runway", lang): [runway_text(row, lang) for row in warn.itertuples(index=False)],
    })
    if "limit_week" in warn:
        table[t("tab.outlook", lang)] = [outlook_text(row, lang) for row in warn.itertuples(index=False)]
    return table


def runway_text(row, lang: str) -> str:
    """"reicht bei angekündigten Zuweisungen noch 2 Wochen" / "reicht beim Zugang der letzten
    Wochen noch 3,5 Wochen" / "keine Plätze frei" / "–" (not filling up)."""
    weeks = getattr(row, "runway_weeks", math.nan)
    if not _ok(weeks) or pd.isna(weeks):
        return fmt.MISSING
    if weeks <= 0:
        return t("runway.full", lang)
    basis = getattr(row, "runway_basis", "trend")
    return t(f"runway.{'announced' if basis == 'announced' else 'trend'}", lang,
             weeks=fmt.weeks(weeks, lang))


def traffic_rate(row, lang: str) -> str:
    """The rate the traffic light reads (usable places) of one district row, as text."""
    rate = status_rate(pd.DataFrame([row])).iloc[0]
    return t("runway.none_usable", lang) if rate == math.inf else fmt.percent(rate, 1, lang)


def traffic_caption(row, lang: str) -> str:
    """"▲ angespannt · aller Plätze: 81,7 %"."""
    return t("kreis.traffic_caption", lang, status=status_label(row.status, lang),
             rate=fmt.percent(row.occupancy_rate, 1, lang))


def runway_caption(row, window: int, lang: str) -> str:
    """What the runway of one district counts: the announcements, or the recent net intake."""
    key = "kreis.runway_note_announced" if getattr(row, "runway_basis", "") == "announced" \
        else "kreis.runway_note"
    return t(key, lang, net=fmt.number(row.net_intake, 1, lang), window=window)


def outlook_text(row, lang: str) -> str:
    """"voraussichtlich in KW 7/2025 an der Grenze (Band: KW 5/2025–KW 10/2025)"."""
    if getattr(row, "limit_now", False) is True:
        return t("planning.already", lang)
    week = getattr(row, "limit_week", None)
    earliest = getattr(row, "limit_earliest", None)
    if not _ok(week) or pd.isna(week):
        if _ok(earliest) and not pd.isna(earliest):
            return t("outlook.band_only", lang, earliest=fmt.iso_week(earliest, lang))
        return t("planning.not_in_range", lang)
    latest = getattr(row, "limit_latest", None)
    later = fmt.iso_week(latest, lang) if _ok(latest) and not pd.isna(latest) else t("planning.later", lang)
    return t("outlook.week", lang, week=fmt.iso_week(week, lang),
             earliest=fmt.iso_week(earliest, lang) if _ok(earliest) and not pd.isna(earliest) else "–",
             latest=later)


_MARKDOWN_ACTIVE = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|~$:"})


def markdown_table(frame: pd.DataFrame) -> str:
    """``frame`` as a Markdown table for ``st.markdown`` (which never renders raw HTML). Used
    on the landing page: a static table needs none of the data grid's JavaScript (about 1.5 MB
    that the browser would otherwise load beside the first chart's code), and screen readers
    read it as a table. Characters that Markdown or Streamlit would act on (emphasis, links,
    pipes, LaTeX, colour and emoji directives) are escaped; columns of figures align right."""
    def cell(value: object) -> str:
        return " ".join(str(value).split()).translate(_MARKDOWN_ACTIVE)

    def numeric(column: pd.Series) -> bool:  # formatted figures: '109,1 %', '-50', '2,4 Wochen'
        return bool(len(column)) and all(str(v).lstrip("-–")[:1].isdigit() or str(v) in ("–", "-")
                                         for v in column)

    lines = ["| " + " | ".join(cell(c) for c in frame.columns) + " |",
             "|" + "|".join(" ---: " if numeric(frame[c]) else " --- " for c in frame.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def facilities_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Facility rows of the last week; names stay plain text (st.dataframe never renders HTML)."""
    return pd.DataFrame({
        t("tab.facility", lang): frame.facility.astype(str),
        t("tab.facility_type", lang): frame.facility_type.fillna("").astype(str),
        t("tab.capacity", lang): [fmt.number(v, lang=lang) for v in frame.capacity],
        t("tab.occupied", lang): [fmt.number(v, lang=lang) for v in frame.occupied],
        t("tab.occupancy_rate", lang): [fmt.percent(o / c if c else None, 1, lang)
                                         for o, c in zip(frame.occupied, frame.capacity)],
        t("tab.arrivals", lang): [fmt.number(v, lang=lang) for v in frame.arrivals],
    })


def comparison_table(frame: pd.DataFrame, lang: str, ratios_first: bool = False) -> pd.DataFrame:
    """The latest-week table of Vergleich; ``ratios_first``: the four ratio columns right after
    district and population (a ratio is chosen: its column would otherwise lie beyond the
    table's visible width, behind eight absolute columns)."""
    table = _comparison_columns(frame, lang)
    if not ratios_first:
        return table
    ratios = [t("tab.occupancy_rate", lang), *[c for c in _share_columns(frame, lang)]]
    front = [table.columns[0], table.columns[1], *ratios]
    return table[front + [c for c in table.columns if c not in front]]


def _comparison_columns(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("tab.district", lang): frame.name,
        t("tab.population", lang): [fmt.number(v, lang=lang) for v in frame.population],
        t("tab.arrivals_4w", lang): [fmt.number(v, lang=lang) for v in frame.arrivals_4w],
        t("tab.arrivals_4w_per_1000", lang): [fmt.number(v, 2, lang) for v in frame.arrivals_4w_per_1000],
        t("tab.capacity", lang): [fmt.number(v, lang=lang) for v in frame.capacity],
        t("tab.capacity_per_1000", lang): [fmt.number(v, 2, lang) for v in frame.capacity_per_1000],
        t("tab.occupied", lang): [fmt.number(v, lang=lang) for v in frame.occupied],
        t("tab.occupied_per_1000", lang): [fmt.number(v, 2, lang) for v in frame.occupied_per_1000],
        t("tab.free_places", lang): [fmt.number(v, lang=lang) for v in frame.free_places],
        t("tab.occupancy_rate", lang): [fmt.percent(v, 1, lang) for v in frame.occupancy_rate],
        **_share_columns(frame, lang),
    })


def _share_columns(frame: pd.DataFrame, lang: str) -> dict[str, list[str]]:
    """Usable rate, entitled share and 4-week Ukraine share as table columns ("12,3 %"; "–"
    where not reported), for the frames of ``metrics.latest_comparison`` and ``map_frame``."""
    return {t(f"tab.{column}", lang): [fmt.percent(v, 1, lang) for v in frame[column]]
            for column in ("usable_rate", "entitled_share", "ukraine_share_4w") if column in frame}


def missing_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("tab.district", lang): frame.name,
        t("tab.last_reported", lang): [fmt.iso_week(v, lang) if _ok(v) and not pd.isna(v)
                                       else t("reporting.never", lang) for v in frame.last_reported],
    })


def loads_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("tab.load_id", lang): frame.load_id,
        t("tab.loaded_at", lang): [fmt.timestamp(v, lang, utc=True) for v in frame.loaded_at],
        t("tab.file_name", lang): frame.file_name.astype(str),
        t("tab.source", lang): [t(f"source.{s}", lang) for s in frame.source],
        t("tab.loaded_by", lang): frame.loaded_by.fillna("").astype(str),
        t("tab.rows", lang): [fmt.number(v, lang=lang) for v in frame.rows],
        t("tab.districts", lang): [fmt.number(v, lang=lang) for v in frame.districts],
        t("tab.load_status", lang): [t(f"load_status.{s}", lang) for s in frame.status],
        t("plausi.tab.confirmed_by", lang): frame.get(
            "confirmed_by", pd.Series(index=frame.index, dtype=object)).fillna("").astype(str),
        t("plausi.tab.comment", lang): frame.get(
            "confirm_comment", pd.Series(index=frame.index, dtype=object)).fillna("").astype(str),
    })


def confirmed_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Loads confirmed despite plausibility findings, per district, with the comment."""
    return pd.DataFrame({
        t("tab.district", lang): frame["name"].fillna(frame.ags).astype(str),
        t("tab.load_id", lang): frame.load_id,
        t("tab.loaded_at", lang): [fmt.timestamp(v, lang, utc=True) for v in frame.loaded_at],
        t("tab.file_name", lang): frame.file_name.astype(str),
        t("plausi.tab.confirmed_by", lang): frame.confirmed_by.astype(str),
        t("plausi.tab.comment", lang): frame.confirm_comment.fillna("").astype(str),
        t("tab.load_status", lang): [t(f"load_status.{s}", lang) for s in frame.status],
    })


def changes_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The figures changed between two moments (:func:`reception.read.changes.between`)."""
    return pd.DataFrame({
        t("tab.district", lang): frame.name.astype(str),
        t("tab.week", lang): [fmt.iso_week(v, lang) for v in frame.week],
        t("asof.col_figure", lang): [t(f"asof.figure.{f}", lang) for f in frame.figure],
        t("asof.col_before", lang): [fmt.number(v, lang=lang) for v in frame.before],
        t("asof.col_after", lang): [fmt.number(v, lang=lang) for v in frame.after],
        t("asof.col_loads", lang): frame.loads.astype(str),
        t("asof.col_rollbacks", lang): frame.rollbacks.astype(str),
    })


def map_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("tab.district", lang): frame.name,
        t("tab.status", lang): [status_label(s, lang) for s in frame.status],
        t("tab.occupancy_rate", lang): [fmt.percent(v, 1, lang) for v in frame.occupancy_rate],
        t("tab.free_places", lang): [fmt.number(v, lang=lang) for v in frame.free_places],
        t("tab.arrivals_4w_per_1000", lang): [fmt.number(v, 2, lang) for v in frame.arrivals_4w_per_1000],
        t("tab.runway", lang): [fmt.weeks(v, lang) for v in frame.runway_weeks],
        **_share_columns(frame, lang),
    })


def rate_download(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns behind the occupancy chart: week, occupancy_rate [, usable_rate]."""
    return frame[[c for c in ("week", "occupancy_rate", "usable_rate") if c in frame.columns]]


# ---------------------------------------------------------------- summaries
def summary_state(state: pd.DataFrame, lang: str) -> str:
    """The state's arrivals, places and occupancy over the chosen range, in two sentences; a
    third on the groups and a fourth on the usable places where the reports have them."""
    if state.empty:
        return t("summary.none", lang)
    first, last = state.iloc[0], state.iloc[-1]
    peak = state.loc[state.arrivals.fillna(-1).idxmax()]
    text = t("summary.state", lang, first=fmt.iso_week(first.week, lang), last=fmt.iso_week(last.week, lang),
             arrivals=fmt.number(state.arrivals.sum(), lang=lang),
             peak=fmt.number(peak.arrivals, lang=lang), peak_week=fmt.iso_week(peak.week, lang),
             capacity=fmt.number(last.capacity, lang=lang), occupied=fmt.number(last.occupied, lang=lang),
             rate=fmt.percent(last.occupancy_rate, 1, lang),
             capacity_first=fmt.number(first.capacity, lang=lang))
    return " ".join([text, *_groups_sentence(state, lang), *_usable_sentence(last, lang)])


def _groups_sentence(frame: pd.DataFrame, lang: str) -> list[str]:
    if "arrivals_asylum" not in frame.columns or frame.arrivals_asylum.isna().all():
        return []
    if "arrivals_unsplit" not in frame.columns:  # a district's weeks (the state has them)
        frame = arrival_groups(frame[frame.reported.astype(bool)])
    sums = {column: frame[column].sum() for column in (*ARRIVAL_GROUPS, "arrivals_unsplit")}
    key = "summary.groups" if sums["arrivals_unsplit"] > 0 else "summary.groups_all"
    return [t(key, lang, **{k.removeprefix("arrivals_"): fmt.number(v, lang=lang)
                            for k, v in sums.items()})]


def _usable_sentence(last: pd.Series, lang: str) -> list[str]:
    if not _ok(last.get("capacity_usable")) or last.capacity_usable >= last.capacity:
        return []
    return [t("summary.usable", lang, usable=fmt.number(last.capacity_usable, lang=lang),
              unusable=fmt.number(last.capacity - last.capacity_usable, lang=lang),
              rate=fmt.percent(last.usable_rate, 1, lang))]


def summary_ranking(latest: pd.DataFrame, lang: str) -> str:
    if latest.empty:
        return t("summary.none", lang)
    known = latest.assign(_rate=status_rate(latest)).dropna(subset=["_rate"])
    top = ", ".join(f"{n} ({fmt.percent(r, 1, lang)})" for n, r in
                    zip(known.name.head(3), known._rate.head(3)))
    return t("summary.ranking", lang, limit=int((latest.status == LIMIT).sum()),
             warn=int((latest.status == WARN).sum()), total=len(latest), top=top or "–",
             symbol_limit=STATUS_SYMBOLS[LIMIT], symbol_warn=STATUS_SYMBOLS[WARN])


def summary_district(series: pd.DataFrame, name: str, lang: str) -> str:
    reported = series[series.reported]
    if reported.empty:
        return t("summary.none", lang)
    last = series.iloc[-1]
    text = t("summary.district", lang, name=name, weeks=len(reported),
             arrivals=fmt.number(reported.arrivals.sum(), lang=lang),
             capacity=fmt.number(last.capacity, lang=lang), occupied=fmt.number(last.occupied, lang=lang),
             rate=fmt.percent(last.occupancy_rate, 1, lang), week=fmt.iso_week(last.week, lang))
    return " ".join([text, *_groups_sentence(series, lang), *_usable_sentence(last, lang)])


def summary_rate(series: pd.DataFrame, lang: str, warn: float, limit: float) -> str:
    """The rate the traffic light reads (of the usable places where reported) over time."""
    known = series.assign(_rate=status_rate(series).replace(math.inf, math.nan)).dropna(subset=["_rate"])
    if known.empty:
        return t("summary.none", lang)
    high = known.loc[known._rate.idxmax()]
    key = "summary.rate_usable" if "usable_rate" in series.columns else "summary.rate"
    return t(key, lang, max=fmt.percent(high._rate, 1, lang),
             max_week=fmt.iso_week(high.week, lang), now=fmt.percent(known._rate.iloc[-1], 1, lang),
             over_warn=int((known._rate >= warn).sum()),
             over_limit=int((known._rate >= limit).sum()), weeks=len(known),
             warn=fmt.percent(warn, 0, lang), limit=fmt.percent(limit, 0, lang))


def summary_forecast(prediction: pd.DataFrame, lang: str) -> str:
    if prediction.empty:
        return t("summary.forecast_none", lang)
    row = prediction.iloc[0]
    return t("summary.forecast", lang, weeks=len(prediction), level=fmt.number(row.forecast, lang=lang),
             lower=fmt.number(row.lower, lang=lang), upper=fmt.number(row.upper, lang=lang),
             first=fmt.iso_week(prediction.week.iloc[0], lang),
             last=fmt.iso_week(prediction.week.iloc[-1], lang))


def summary_facilities(frame: pd.DataFrame, lang: str) -> str:
    full = int((frame.occupied >= frame.capacity).sum())
    return t("summary.facilities", lang, count=len(frame), full=full,
             capacity=fmt.number(frame.capacity.sum(), lang=lang),
             occupied=fmt.number(frame.occupied.sum(), lang=lang))


def summary_quota(row: pd.Series, lang: str) -> str:
    return t("summary.quota", lang, name=row["name"], ist=fmt.number(row.ist, lang=lang),
             soll=fmt.number(row.soll, lang=lang), quota=fmt.number(row.fulfilment_percent, 1, lang),
             share=fmt.number(row.share_percent, 1, lang),
             population_share=fmt.number(row.population_share_percent, 1, lang))


def summary_quota_all(frame: pd.DataFrame, lang: str) -> str:
    known = frame.dropna(subset=["fulfilment_percent"])
    if known.empty:
        return t("summary.none", lang)
    ahead = int((known.fulfilment_percent >= 100).sum())
    low = known.loc[known.fulfilment_percent.idxmin()]
    high = known.loc[known.fulfilment_percent.idxmax()]
    return t("summary.quota_all", lang, ahead=ahead, behind=len(known) - ahead,
             low=low["name"], low_value=fmt.number(low.fulfilment_percent, 0, lang),
             high=high["name"], high_value=fmt.number(high.fulfilment_percent, 0, lang))


NAMES_LISTED = 5  # districts named in a "nicht gemeldet" sentence; beyond, "and N more"


def _listed(key: str, names: pd.Series, lang: str, **params: object) -> str:
    """" Nicht gemeldet: Gera, Jena." (text ``key``; up to :data:`NAMES_LISTED` names, then
    "und 3 weitere"); "" without names."""
    if names.empty:
        return ""
    listed = ", ".join(names.head(NAMES_LISTED))
    if len(names) > NAMES_LISTED:
        listed = t("summary.and_more", lang, names=listed, more=len(names) - NAMES_LISTED)
    return " " + t(key, lang, names=listed, **params)


def _not_reported(names: pd.Series, lang: str) -> str:
    return _listed("summary.not_reported", names, lang)


def summary_map(frame: pd.DataFrame, measure: str, lang: str) -> str:
    """Highest and lowest district of ``measure``; for the two rates the districts at the limit
    and strained (the usable rate by its own traffic light), for the shares the districts that
    did not report the figure ("nicht gemeldet")."""
    from reception.read.charts import MAP_SHARES, SHARE_WHOLES, map_statuses

    known = frame.dropna(subset=[measure])
    missing = ""
    if measure in MAP_SHARES:
        gap = frame[frame[measure].isna()]
        whole = SHARE_WHOLES[measure]
        empty = (gap[whole].astype("float64").fillna(-1) == 0 if whole in gap
                 else pd.Series(False, index=gap.index))
        what = t(f"summary.zero_whole.{measure.removesuffix('_4w')}", lang)
        missing = (_not_reported(gap.name[~empty], lang)
                   + _listed("summary.zero_whole_names", gap.name[empty], lang,
                             what=what[:1].upper() + what[1:]))
    if known.empty:
        return (t("summary.map_none_reported", lang, measure=measures.label(measure, lang))
                if measure in MAP_SHARES else t("summary.none", lang))
    high = known.loc[known[measure].idxmax()]
    low = known.loc[known[measure].idxmin()]
    params = {"measure": measures.label(measure, lang), "high": high["name"],
              "high_value": measures.show(measure, high[measure], lang), "low": low["name"],
              "low_value": measures.show(measure, low[measure], lang)}
    if measure in MAP_SHARES:
        key = "summary.map_share_single" if len(known) == 1 else "summary.map_share"
        return t(key, lang, **params) + missing
    statuses = map_statuses(frame, "usable_rate") if measure == "usable_rate" else frame.status
    key = "summary.map_usable" if measure == "usable_rate" else "summary.map"
    return t(key, lang, **params, limit=int((statuses == LIMIT).sum()),
             warn=int((statuses == WARN).sum()))


def summary_comparison(long: pd.DataFrame, lang: str, measure: str, per_capita: bool) -> str:
    """The values of the last week, highest first; the ratios in percent, a district without a
    value that week named as "nicht gemeldet" (or, for the Ukraine share, "keine Zugänge"
    where the split was reported but nobody arrived)."""
    week = long.week.max() if len(long) else None
    latest = long[long.week == week]
    last = latest.dropna(subset=["value"]).sort_values("value", ascending=False)
    ratio = measures.is_ratio(measure)
    if last.empty and not ratio:
        return t("summary.none", lang)
    if ratio:
        values = [f"{n}: {fmt.percent(v, 1, lang)}" for n, v in zip(last.name, last.value)]
        part, whole = measures.CATALOGUE[measure].parts
        for row in latest[latest.value.isna()].sort_values("name").itertuples(index=False):
            empty = (part in latest and whole in latest and not pd.isna(getattr(row, part))
                     and not pd.isna(getattr(row, whole)))  # both reported, the whole is 0
            why = f"summary.zero_whole.{measure}" if empty else "chart.not_reported"
            values.append(f"{row.name}: {t(why, lang)}")
        if not values:
            return t("summary.none", lang)
        return t("summary.comparison", lang, week=fmt.iso_week(week, lang), values="; ".join(values))
    decimals = 2 if per_capita else 0
    parts = "; ".join(f"{n}: {fmt.number(v, decimals, lang)}" for n, v in zip(last.name, last.value))
    return t("summary.comparison", lang, week=fmt.iso_week(week, lang), values=parts)


def summary_reporting(matrix: pd.DataFrame, missing: pd.DataFrame, lang: str) -> str:
    if matrix.empty:
        return t("summary.none", lang)
    return t("summary.reporting", lang, districts=len(matrix), weeks=matrix.shape[1],
             share=fmt.percent(float(matrix.values.mean()), 1, lang), missing=len(missing))


def places_params(places: dict, lang: str) -> dict:
    return {"capacity": fmt.number(places["capacity"], lang=lang),
            "minimum": fmt.number(places["minimum"], lang=lang),
            "gap": fmt.number(abs(places["gap"]), lang=lang),
            "share": fmt.percent(places["share"], 1, lang)}


def progress_value(share: float) -> float:
    """A share as st.progress accepts it (0..1)."""
    return 0.0 if not _ok(share) else max(0.0, min(1.0, float(share)))


def today():
    from datetime import date

    return date.today()


def key_is_proportional(key: pd.DataFrame) -> bool:
    """True where the key in force is the population-proportional stand-in (no official key)."""
    from reception.reference.districts import PROPORTIONAL_SOURCE

    sources = key.source.dropna().astype(str) if "source" in key else pd.Series(dtype=str)
    return bool(len(sources)) and bool(sources.str.startswith(PROPORTIONAL_SOURCE).all())


def key_label(key: pd.DataFrame, lang: str) -> str:
    """What the key is, for captions: ``ThürFlüVertVO §2``, or "bevölkerungsproportional, kein
    amtlicher Schlüssel" for the stand-in (the first part of each source, before a colon)."""
    if key_is_proportional(key):
        return t("key.proportional", lang)
    sources = sorted({str(s).split(":")[0].strip() for s in key.get("source", pd.Series()).dropna()})
    return ", ".join(sources) or t("key.unnamed", lang)


def key_table(key: pd.DataFrame, districts: pd.DataFrame, lang: str) -> pd.DataFrame:
    frame = key.merge(districts[["ags", "name"]], on="ags", how="left").sort_values("name")
    return pd.DataFrame({
        t("tab.district", lang): frame.name,
        t("tab.ags", lang): frame.ags,
        t("tab.key_share", lang): [fmt.percent_number(v, 1, lang) for v in frame.share_percent],
        t("tab.valid_from", lang): [fmt.day(v, lang) for v in frame.valid_from],
        t("tab.source", lang): frame.source.fillna(""),
    })


# ---------------------------------------------------------------- forecast and Planung
def forecast_flag(prediction: pd.DataFrame, lang: str) -> str | None:
    """The trend-break warning of a forecast frame, or None."""
    if prediction.empty or "flag" not in prediction or not prediction.flag.iloc[0]:
        return None
    return t(f"forecast.flag_{prediction.flag.iloc[0]}", lang)


def summary_forecast_bands(prediction: pd.DataFrame, lang: str) -> str:
    """First and last forecast week with both bands, in a sentence or two."""
    if prediction.empty or prediction.lower.isna().all():
        return t("summary.forecast_none", lang)
    first, last = prediction.iloc[0], prediction.iloc[-1]
    text = t("summary.forecast_bands", lang, first=fmt.iso_week(first.week, lang),
             last=fmt.iso_week(last.week, lang), level=fmt.number(first.forecast, lang=lang),
             lower=fmt.number(first.lower, lang=lang), upper=fmt.number(first.upper, lang=lang),
             lower50=fmt.number(first.lower50, lang=lang), upper50=fmt.number(first.upper50, lang=lang),
             last_level=fmt.number(last.forecast, lang=lang), last_lower=fmt.number(last.lower, lang=lang),
             last_upper=fmt.number(last.upper, lang=lang), weeks=len(prediction))
    announced = int((prediction.get("source", pd.Series(dtype=str)) == "announced").sum())
    if announced:
        text += " " + t("summary.forecast_announced", lang, weeks=announced)
    return text


def crossing_text(crossing, lang: str) -> str:
    """"KW 7/2025 (Band: KW 5/2025–KW 10/2025)", "bereits erreicht" or "nicht im Zeitraum"."""
    if crossing.now:
        return t("planning.already", lang)
    if crossing.week is None and crossing.earliest is None:
        return t("planning.not_in_range", lang)
    week = (fmt.iso_week(crossing.week, lang) if crossing.week is not None
            else t("planning.not_in_range", lang))
    earliest = fmt.iso_week(crossing.earliest, lang) if crossing.earliest is not None else "–"
    latest = (fmt.iso_week(crossing.latest, lang) if crossing.latest is not None
              else t("planning.later", lang))
    return t("planning.crossing", lang, week=week, earliest=earliest, latest=latest)


def summary_scenario(outcome, lang: str, warn: float, limit: float, reserve: float) -> str:
    """Every number of one scenario explained in sentences."""
    s, path = outcome.scenario, outcome.path
    end = path.iloc[-1]
    if s.mode == "percent":
        inputs = t("planning.input_percent", lang, value=fmt.number(s.value, 0, lang, signed=True))
    elif s.mode == "fixed":
        inputs = t("planning.input_fixed", lang, value=fmt.number(s.value, 0, lang))
    else:
        inputs = t("planning.input_forecast", lang)
    parts = [t("planning.summary_inputs", lang, name=s.name, inputs=inputs,
               moves=fmt.number(path.moves_out.iloc[0], 1, lang),
               extra=fmt.number(s.extra_moves, 0, lang)),
             t("planning.summary_path", lang, start=fmt.percent(outcome.start_rate, 1, lang),
               end_week=fmt.iso_week(end.week, lang), end=fmt.percent(end.rate, 1, lang),
               lower=fmt.percent(end.rate_lower, 1, lang), upper=fmt.percent(end.rate_upper, 1, lang),
               occupied=fmt.number(end.occupied, lang=lang), places=fmt.number(end.capacity, lang=lang))]
    for week, delta in s.changes:
        parts.append(t("planning.summary_change_open" if delta > 0 else "planning.summary_change_close",
                       lang, places=fmt.number(abs(delta), lang=lang), week=fmt.iso_week(week, lang)))
    parts.append(t("planning.summary_lines", lang, warn=fmt.percent(warn, 0, lang),
                   limit=fmt.percent(limit, 0, lang), warn_week=crossing_text(outcome.warn, lang),
                   limit_week=crossing_text(outcome.limit, lang)))
    need = outcome.needs
    if need is not None:
        key = "planning.summary_needs" if need.additional_upper > 0 else "planning.summary_needs_none"
        parts.append(t(key, lang, week=fmt.iso_week(need.week, lang), reserve=fmt.percent(reserve, 0, lang),
                       needed=fmt.number(need.needed, lang=lang),
                       additional=fmt.number(need.additional, lang=lang),
                       needed_upper=fmt.number(need.needed_upper, lang=lang),
                       additional_upper=fmt.number(need.additional_upper, lang=lang),
                       places=fmt.number(need.capacity, lang=lang)))
    return " ".join(parts)


def scenario_table(outcomes, lang: str) -> pd.DataFrame:
    """One row per scenario and week, formatted, for the download and the table."""
    rows = []
    for outcome in outcomes:
        for r in outcome.path.itertuples(index=False):
            rows.append({
                t("tab.scenario", lang): outcome.scenario.name,
                t("tab.week", lang): fmt.iso_week(r.week, lang),
                t("tab.arrivals", lang): round(float(r.arrivals), 1),
                t("tab.moves_out", lang): round(float(r.moves_out), 1),
                t("tab.capacity", lang): round(float(r.capacity)),
                t("tab.occupied", lang): round(float(r.occupied)),
                t("tab.occupied_band", lang): f"{fmt.number(r.occupied_lower, lang=lang)}–"
                                              f"{fmt.number(r.occupied_upper, lang=lang)}",
                t("tab.occupancy_rate", lang): fmt.percent(r.rate, 1, lang),
                t("tab.rate_band", lang): f"{fmt.percent(r.rate_lower, 1, lang)}–"
                                          f"{fmt.percent(r.rate_upper, 1, lang)}",
            })
    return pd.DataFrame(rows)


def needs_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The needs table of every district, formatted."""
    return pd.DataFrame({
        t("tab.district", lang): frame.name,
        t("tab.occupied_now", lang): [fmt.number(v, lang=lang) for v in frame.occupied_now],
        t("tab.capacity", lang): [fmt.number(v, lang=lang) for v in frame.capacity],
        t("tab.occupied_expected", lang): [f"{fmt.number(a, lang=lang)} (↑ {fmt.number(b, lang=lang)})"
                                            for a, b in zip(frame.occupied, frame.occupied_upper)],
        t("tab.needed", lang): [fmt.number(v, lang=lang) for v in frame.needed],
        t("tab.additional", lang): [fmt.number(v, lang=lang) for v in frame.additional],
        t("tab.additional_upper", lang): [fmt.number(v, lang=lang) for v in frame.additional_upper],
    })


def backtest_text(figures: dict, lang: str) -> str:
    """The backtest's coverage and error in sentences for the Methodik page (from
    ``data/forecast_backtest.json``); a note when the file is missing."""
    series = figures.get("series", {})
    if not {"bamf", "eurostat"} <= set(series):
        return t("methodik.backtest_missing", lang)
    bamf, euro = series["bamf"], series["eurostat"]
    params = {
        "coverage": fmt.percent(figures.get("coverage80_real"), 0, lang),
        "bamf80": fmt.percent(bamf["all"]["coverage80"], 0, lang),
        "euro80": fmt.percent(euro["all"]["coverage80"], 0, lang),
        "bamf50": fmt.percent(bamf["all"]["coverage50"], 0, lang),
        "euro50": fmt.percent(euro["all"]["coverage50"], 0, lang),
        "bamf_surge": fmt.percent(bamf["surge"]["coverage80"], 0, lang),
        "euro_surge": fmt.percent(euro["surge"]["coverage80"], 0, lang),
        "bamf_old": fmt.percent(bamf["all"]["coverage80_old"], 0, lang),
        "euro_old": fmt.percent(euro["all"]["coverage80_old"], 0, lang),
        "mae_bamf": fmt.number(bamf["all"]["mae_rel_naive"], 2, lang),
        "mae_euro": fmt.number(euro["all"]["mae_rel_naive"], 2, lang),
        "old_bamf": fmt.number(bamf["all"]["mae_old_rel_naive"], 2, lang),
        "old_euro": fmt.number(euro["all"]["mae_old_rel_naive"], 2, lang),
        "generated": fmt.day(figures.get("generated"), lang),
    }
    text = t("methodik.backtest_real", lang, **params)
    for key in ("demo_state", "demo_districts"):
        if key in series:
            part = series[key]["all"]
            text += " " + t(f"methodik.backtest_{key}", lang, cov80=fmt.percent(part["coverage80"], 0, lang),
                            cov50=fmt.percent(part["coverage50"], 0, lang),
                            old=fmt.percent(part["coverage80_old"], 0, lang),
                            mae=fmt.number(part["mae_rel_naive"], 2, lang),
                            mae_old=fmt.number(part["mae_old_rel_naive"], 2, lang))
    return text


def estimate_method_text(scale: float, lang: str) -> str:
    """The Methodik section on totals despite gaps, with the band's calibration factor."""
    return t("methodik.estimate_text", lang, scale=fmt.number(scale, 2, lang))


def estimate_backtest_text(figures: dict, lang: str) -> str:
    """How often the estimate's 80 % band held the true state total (from
    ``data/estimate_backtest.json``, ``make backtest-estimate``); a note when it is missing."""
    data = figures.get("data", {})
    if not {"demo", "demo_announced", "bamf", "eurostat"} <= set(data):
        return t("methodik.estimate_backtest_missing", lang)

    def share(name: str, part: str = "hide_one") -> str:
        return fmt.percent(data[name][part]["coverage80"], 1, lang)

    return t("methodik.estimate_backtest", lang, generated=fmt.day(figures.get("generated"), lang),
             demo=share("demo"), demo_n=fmt.number(data["demo"]["hide_one"]["n"], lang=lang),
             demo_announced=share("demo_announced"), bamf=share("bamf"), eurostat=share("eurostat"),
             mean=fmt.percent(figures.get("coverage80"), 1, lang),
             demo_raw=share("demo", "hide_one_unscaled"), bamf_raw=share("bamf", "hide_one_unscaled"),
             eurostat_raw=share("eurostat", "hide_one_unscaled"),
             scale=fmt.number(figures.get("band_scale"), 2, lang),
             demo_two=share("demo", "hide_two"), bamf_two=share("bamf", "hide_two"),
             eurostat_two=share("eurostat", "hide_two"),
             share=fmt.percent(figures.get("thuringia_share"), 2, lang),
             seeds=len(figures.get("seeds", [])), verdict=_estimate_verdict(data, lang))


ESTIMATE_AIM = (0.78, 0.82)


def _estimate_verdict(data: dict, lang: str) -> str:
    """"Demo: Band zu breit; BAMF: Band zu schmal; ..." against the aim of 78-82 %."""
    parts = []
    for name, label in (("demo", "Demo"), ("bamf", "BAMF"), ("eurostat", "Eurostat")):
        coverage = data[name]["hide_one"]["coverage80"]
        kind = ("narrow" if coverage < ESTIMATE_AIM[0] else "wide" if coverage > ESTIMATE_AIM[1]
                else "inside")
        parts.append(t(f"methodik.estimate_{kind}", lang, name=label))
    return t("methodik.estimate_verdict", lang, parts="; ".join(parts))


# ---------------------------------------------------------------- the Kreis page (issue 14)
def group_label(group: str, lang: str) -> str:
    """"Gemeinschaftsunterkünfte (GU)", "Wohnungen", "Notunterkünfte", ... (metrics.FACILITY_GROUPS)."""
    return t(f"facility_group.{group}", lang)


def places_by_type_table(wide: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The download beside the places-by-type chart: the week's Monday, then the places of each
    group that had any, headed in the page's language."""
    from reception.read.metrics import FACILITY_GROUPS

    table = pd.DataFrame({t("tab.week", lang): [fmt.iso_week(w, lang) for w in wide.week]})
    for group in FACILITY_GROUPS:
        if group in wide and (wide[group] > 0).any():
            table[group_label(group, lang)] = wide[group].round().astype("int64").to_numpy()
    return table


def summary_places_by_type(wide: pd.DataFrame, other: list[str], lang: str) -> str:
    """The places of the last week by kind, the emergency places' peak, and the texts counted as
    "other"."""
    from reception.read.metrics import FACILITY_GROUPS

    if wide.empty:
        return t("summary.none", lang)
    last = wide.iloc[-1]
    total = float(sum(last[g] for g in FACILITY_GROUPS))
    parts = "; ".join(t("summary.places_part", lang, label=group_label(g, lang),
                        places=fmt.number(last[g], lang=lang),
                        share=fmt.percent(last[g] / total if total else None, 0, lang))
                      for g in FACILITY_GROUPS if last[g] > 0)
    text = t("summary.places_by_type", lang, week=fmt.iso_week(last.week, lang),
             total=fmt.number(total, lang=lang), parts=parts or "–")
    if (wide.emergency > 0).any():
        peak = wide.loc[wide.emergency.idxmax()]
        text += " " + t("summary.places_emergency_peak", lang, places=fmt.number(peak.emergency, lang=lang),
                        week=fmt.iso_week(peak.week, lang), now=fmt.number(last.emergency, lang=lang))
    if other:
        # report text: shown literally (st.markdown would act on links, emphasis and $...$)
        names = (" ".join(str(o).split()).translate(_MARKDOWN_ACTIVE) for o in other[:8])
        text += " " + t("summary.places_other", lang, types=", ".join(f"„{n}“" for n in names))
    return text


def summary_usable(frame: pd.DataFrame, lang: str) -> str:
    """Usable and unusable places of the last week and the highest unusable count of the range."""
    known = frame.dropna(subset=["capacity_unusable"])
    if known.empty:
        return t("summary.none", lang)
    last, peak = frame.iloc[-1], known.loc[known.capacity_unusable.idxmax()]
    return t("summary.kreis_usable", lang, week=fmt.iso_week(last.week, lang),
             capacity=fmt.number(last.capacity, lang=lang),
             unusable=fmt.number(last.capacity_unusable, lang=lang),
             share=fmt.percent(last.unusable_share, 1, lang),
             usable=fmt.number(last.capacity_usable, lang=lang),
             occupied=fmt.number(last.occupied, lang=lang),
             rate=fmt.percent(last.usable_rate, 1, lang),
             peak=fmt.number(peak.capacity_unusable, lang=lang), peak_week=fmt.iso_week(peak.week, lang))


def summary_entitled(frame: pd.DataFrame, lang: str) -> str:
    """Residents entitled to move out now and at the first reported week of the range."""
    known = frame.dropna(subset=["occupied_entitled"])
    if known.empty:
        return t("summary.none", lang)
    first, last = known.iloc[0], known.iloc[-1]
    return t("summary.entitled", lang, week=fmt.iso_week(last.week, lang),
             entitled=fmt.number(last.occupied_entitled, lang=lang),
             share=fmt.percent(last.entitled_share, 1, lang),
             first_week=fmt.iso_week(first.week, lang),
             first=fmt.number(first.occupied_entitled, lang=lang),
             first_share=fmt.percent(first.entitled_share, 1, lang))


def district_cards(now: dict, announced: float, lang: str) -> list[dict]:
    """The Kreis page's second row of cards (label, value, caption): unusable places and their
    share, usable free places, the Auszugsstau (places that would free up) and the allocations
    announced for the next four weeks; "nicht gemeldet" where the district did not report them."""
    missing = t("headline.not_reported", lang)
    unusable_ok, entitled_ok = _ok(now["unusable"]), _ok(now["entitled"])
    return [
        {"label": t("kreis.card_unusable", lang),
         "value": fmt.number(now["unusable"], lang=lang) if unusable_ok else "–",
         "caption": t("kreis.card_unusable_caption", lang,
                      share=fmt.percent(now["unusable_share"], 1, lang)) if unusable_ok else missing},
        {"label": t("headline.free_usable", lang), "value": fmt.number(now["free_usable"], lang=lang),
         "caption": t("kreis.card_usable_caption", lang, usable=fmt.number(now["usable"], lang=lang))},
        {"label": t("kreis.card_entitled", lang),
         "value": t("kreis.card_entitled_value", lang, places=fmt.number(now["entitled"], lang=lang))
         if entitled_ok else "–",
         "caption": t("kreis.card_entitled_caption", lang,
                      share=fmt.percent(now["entitled_share"], 1, lang)) if entitled_ok else missing},
        {"label": t("headline.announced", lang),
         "value": fmt.number(announced, lang=lang) if _ok(announced) else "–",
         "caption": t("headline.announced_caption", lang) if _ok(announced)
         else t("kreis.no_announcement", lang)},
    ]


def announcements_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Announced allocations ahead: KW, angekündigt."""
    return pd.DataFrame({t("tab.week", lang): [fmt.iso_week(w, lang) for w in frame.week],
                         t("tab.announced", lang): [fmt.number(v, lang=lang) for v in frame.announced]})


def validity(valid_from, valid_to, lang: str) -> str:
    """"2024–2026" for whole calendar years, else "01.04.2024–30.06.2026"."""
    if (valid_from.month, valid_from.day, valid_to.month, valid_to.day) == (1, 1, 12, 31):
        years = (valid_from.year, valid_to.year)
        return str(years[0]) if years[0] == years[1] else f"{years[0]}–{years[1]}"
    return f"{fmt.day(valid_from, lang)}–{fmt.day(valid_to, lang)}"


def reimbursement_text(money, settings, lang: str) -> dict:
    """The reimbursement card (:class:`reception.read.metrics.Reimbursement`): value and the
    caption that says how it is made up, its legal basis and validity, or why there is none."""
    period = validity(settings.reimbursement_valid_from, settings.reimbursement_valid_to, lang)
    basis = settings.reimbursement_legal_basis or t("kreis.reimbursement_no_basis", lang)
    kind = t(f"kind.{money.kind}", lang) if money.kind in ("Landkreis", "kreisfreie Stadt") else money.kind
    if money.status == "ok":
        return {"value": fmt.euro(money.amount, lang=lang),
                "caption": t("kreis.reimbursement_caption", lang,
                             places=fmt.number(money.places, lang=lang),
                             rate=fmt.euro(money.rate, lang=lang), kind=kind, basis=basis, period=period)}
    params = {"week": fmt.iso_week(money.week, lang), "period": period, "basis": basis, "kind": kind,
              "land": t(f"land.{settings.reimbursement_land}", lang)}
    return {"value": "–", "caption": t(f"kreis.reimbursement_{money.status}", lang, **params)}


def reimbursement_params(settings, lang: str) -> dict:
    """The configured rates, legal basis, validity and Land for the Methodik text."""
    return {"landkreis": fmt.euro(settings.reimbursement_landkreis, lang=lang),
            "stadt": fmt.euro(settings.reimbursement_kreisfreie_stadt, lang=lang),
            "basis": settings.reimbursement_legal_basis or t("kreis.reimbursement_no_basis", lang),
            "period": validity(settings.reimbursement_valid_from, settings.reimbursement_valid_to, lang),
            "land": t(f"land.{settings.reimbursement_land}", lang)}


# ---------------------------------------------------------------- timeliness (issue 24)
def due_line(status: pd.DataFrame, lang: str) -> str:
    """"Meldung KW 46/2024: fällig am Di 19.11.2024 12:00 Uhr, noch offen: 3 Kreise (…)" for the
    latest week of ``status`` (``reporting_status`` with names)."""
    from reception.read import timeliness

    latest = timeliness.latest_week(status)
    if latest.empty:
        return t("summary.none", lang)
    missing = timeliness.still_missing(status)
    due = latest.due_at.iloc[0]
    passed = bool(latest.status.isin(("missing", "late")).any())
    key = "timeliness.due_passed" if passed else "timeliness.due_ahead"
    names = ", ".join(missing.name) if len(missing) <= 8 else \
        ", ".join(missing.name.iloc[:8]) + " …"
    line = t(key, lang, week=fmt.iso_week(latest.week.iloc[0], lang), due=due_text(due, lang),
             count=len(missing), districts=t("timeliness.districts", lang)
             if len(missing) != 1 else t("timeliness.district", lang))
    return line + (f" ({names})" if len(missing) else "")


def due_text(due_at: object, lang: str) -> str:
    """``Di 19.11.2024 12:00`` in Berlin time from a UTC moment."""
    local = pd.Timestamp(due_at).tz_localize("UTC").tz_convert("Europe/Berlin")
    day = t(f"timeliness.weekday.{local.weekday()}", lang)
    return f"{day} {fmt.timestamp(due_at, lang, utc=True)}"


def deadline_rule(deadline: tuple[int, int], lang: str) -> str:
    """The deadline setting as the page says it: ``Di 12:00``."""
    weekday, minute = deadline
    return f"{t(f'timeliness.weekday.{weekday}', lang)} {minute // 60:02d}:{minute % 60:02d}"


def rates_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``timeliness.rate_table`` for the page: district, on-time rate and the counts."""
    return pd.DataFrame({
        t("tab.district", lang): frame.name,
        t("timeliness.rate", lang): [fmt.percent(v, 0, lang) for v in frame.on_time_rate],
        t("timeliness.on_time", lang): frame.on_time,
        t("timeliness.late", lang): frame.late,
        t("timeliness.missing", lang): frame.missing,
    })


def summary_timeliness(status: pd.DataFrame, rates: pd.DataFrame, lang: str) -> str:
    """Counts of the statuses shown and the lowest on-time rates."""
    due = status[status.status.isin(("on_time", "late", "missing"))]
    if due.empty:
        return t("summary.none", lang)
    counts = due.status.value_counts()
    lowest = rates.dropna(subset=["on_time_rate"]).head(3)
    low = ", ".join(f"{n} ({fmt.percent(r, 0, lang)})" for n, r in zip(lowest.name,
                                                                       lowest.on_time_rate))
    return t("timeliness.summary", lang, districts=status.ags.nunique(),
             weeks=due.week.nunique(), on_time=fmt.percent(counts.get("on_time", 0) / len(due), 0, lang),
             late=int(counts.get("late", 0)), missing=int(counts.get("missing", 0)), lowest=low)
