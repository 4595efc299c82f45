"""Figures made readable: display tables (formatted strings, translated headers) and the text
summaries that stand beside each chart. Pure functions of metrics' frames and a language, so the
pages stay free of arithmetic and the wording is tested without Streamlit."""

from __future__ import annotations

import math

import pandas as pd

from reception import fmt
from reception.i18n import t
from reception.read.charts import STATUS_SYMBOLS, status_label
from reception.read.metrics import LIMIT, WARN, Headline

# At most this many districts in a bar chart of all districts (the table beside it has all).
CHART_DISTRICTS = 40
# At most this many weeks in the reporting matrix (the download has all).
MATRIX_WEEKS = 52


def _ok(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


# ---------------------------------------------------------------- headline cards (Lage)
HEADLINE_STYLE = {  # figure -> (kind, delta colour: a rise is bad -> "inverse")
    "arrivals": ("number", "inverse"),
    "capacity": ("number", "normal"),
    "occupied": ("number", "off"),
    "occupancy_rate": ("percent", "inverse"),
    "free_places": ("number", "normal"),
    "at_warn": ("number", "inverse"),
    "at_limit": ("number", "inverse"),
}


def headline_cards(heads: dict[str, Headline], lang: str, warn: float = 0.9,
                   limit: float = 1.0) -> list[dict]:
    """For st.metric: label, value, delta (vs previous week), delta_color, delta_arrow, caption
    (4-week mean);
    ``warn`` and ``limit`` name the thresholds in the district-count labels."""
    thresholds = {"warn": fmt.percent(warn, 0, lang), "limit": fmt.percent(limit, 0, lang)}
    cards = []
    for key, (kind, colour) in HEADLINE_STYLE.items():
        head = heads[key]
        if kind == "percent":
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
    return cards


# ---------------------------------------------------------------- tables
def ranking_table(latest: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("tab.rank", lang): range(1, len(latest) + 1),
        t("tab.district", lang): latest.name,
        t("tab.status", lang): [status_label(s, lang) for s in latest.status],
        t("tab.occupancy_rate", lang): [fmt.percent(v, 1, lang) for v in latest.occupancy_rate],
        t("tab.occupied", lang): [fmt.number(v, lang=lang) for v in latest.occupied],
        t("tab.capacity", lang): [fmt.number(v, lang=lang) for v in latest.capacity],
        t("tab.free_places", lang): [fmt.number(v, lang=lang) for v in latest.free_places],
        t("tab.reported", lang): [t("reporting.yes" if r else "reporting.no", lang) for r in latest.reported],
    })


def warning_table(warn: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("tab.district", lang): warn.name,
        t("tab.reason", lang): [t(f"warning.{r}", lang) for r in warn.reason],
        t("tab.occupancy_rate", lang): [fmt.percent(v, 1, lang) for v in warn.occupancy_rate],
        t("tab.free_places", lang): [fmt.number(v, lang=lang) for v in warn.free_places],
        t("tab.net_intake", lang): [fmt.number(v, 1, lang) for v in warn.net_intake],
        t("tab.runway", lang): [fmt.weeks(v, lang) for v in warn.runway_weeks],
    })


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


def comparison_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
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
    })


def missing_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("tab.district", lang): frame.name,
        t("tab.last_reported", lang): [fmt.iso_week(v, lang) if _ok(v) and not pd.isna(v)
                                       else t("reporting.never", lang) for v in frame.last_reported],
    })


def loads_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("tab.load_id", lang): frame.load_id,
        t("tab.loaded_at", lang): [fmt.timestamp(v, lang) for v in frame.loaded_at],
        t("tab.file_name", lang): frame.file_name.astype(str),
        t("tab.source", lang): [t(f"source.{s}", lang) for s in frame.source],
        t("tab.loaded_by", lang): frame.loaded_by.fillna("").astype(str),
        t("tab.rows", lang): [fmt.number(v, lang=lang) for v in frame.rows],
        t("tab.districts", lang): [fmt.number(v, lang=lang) for v in frame.districts],
        t("tab.load_status", lang): [t(f"load_status.{s}", lang) for s in frame.status],
    })


def map_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("tab.district", lang): frame.name,
        t("tab.status", lang): [status_label(s, lang) for s in frame.status],
        t("tab.occupancy_rate", lang): [fmt.percent(v, 1, lang) for v in frame.occupancy_rate],
        t("tab.free_places", lang): [fmt.number(v, lang=lang) for v in frame.free_places],
        t("tab.arrivals_4w_per_1000", lang): [fmt.number(v, 2, lang) for v in frame.arrivals_4w_per_1000],
        t("tab.runway", lang): [fmt.weeks(v, lang) for v in frame.runway_weeks],
    })


# ---------------------------------------------------------------- summaries
def summary_state(state: pd.DataFrame, lang: str) -> str:
    """The state's arrivals, places and occupancy over the chosen range, in two sentences."""
    if state.empty:
        return t("summary.none", lang)
    first, last = state.iloc[0], state.iloc[-1]
    peak = state.loc[state.arrivals.fillna(-1).idxmax()]
    return t("summary.state", lang, first=fmt.iso_week(first.week, lang), last=fmt.iso_week(last.week, lang),
             arrivals=fmt.number(state.arrivals.sum(), lang=lang),
             peak=fmt.number(peak.arrivals, lang=lang), peak_week=fmt.iso_week(peak.week, lang),
             capacity=fmt.number(last.capacity, lang=lang), occupied=fmt.number(last.occupied, lang=lang),
             rate=fmt.percent(last.occupancy_rate, 1, lang),
             capacity_first=fmt.number(first.capacity, lang=lang))


def summary_ranking(latest: pd.DataFrame, lang: str) -> str:
    if latest.empty:
        return t("summary.none", lang)
    known = latest.dropna(subset=["occupancy_rate"])
    top = ", ".join(f"{n} ({fmt.percent(r, 1, lang)})" for n, r in
                    zip(known.name.head(3), known.occupancy_rate.head(3)))
    return t("summary.ranking", lang, limit=int((latest.status == LIMIT).sum()),
             warn=int((latest.status == WARN).sum()), total=len(latest), top=top or "–",
             symbol_limit=STATUS_SYMBOLS[LIMIT], symbol_warn=STATUS_SYMBOLS[WARN])


def summary_district(series: pd.DataFrame, name: str, lang: str) -> str:
    reported = series[series.reported]
    if reported.empty:
        return t("summary.none", lang)
    last = series.iloc[-1]
    return t("summary.district", lang, name=name, weeks=len(reported),
             arrivals=fmt.number(reported.arrivals.sum(), lang=lang),
             capacity=fmt.number(last.capacity, lang=lang), occupied=fmt.number(last.occupied, lang=lang),
             rate=fmt.percent(last.occupancy_rate, 1, lang), week=fmt.iso_week(last.week, lang))


def summary_rate(series: pd.DataFrame, lang: str, warn: float, limit: float) -> str:
    known = series.dropna(subset=["occupancy_rate"])
    if known.empty:
        return t("summary.none", lang)
    high = known.loc[known.occupancy_rate.idxmax()]
    return t("summary.rate", lang, max=fmt.percent(high.occupancy_rate, 1, lang),
             max_week=fmt.iso_week(high.week, lang), now=fmt.percent(known.occupancy_rate.iloc[-1], 1, lang),
             over_warn=int((known.occupancy_rate >= warn).sum()),
             over_limit=int((known.occupancy_rate >= limit).sum()), weeks=len(known),
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


def summary_map(frame: pd.DataFrame, measure: str, lang: str) -> str:
    known = frame.dropna(subset=[measure])
    if known.empty:
        return t("summary.none", lang)
    from reception.read.charts import MAP_FORMATS

    high = known.loc[known[measure].idxmax()]
    low = known.loc[known[measure].idxmin()]
    show = MAP_FORMATS[measure]
    return t("summary.map", lang, measure=t(f"measure.{measure}", lang), high=high["name"],
             high_value=show(high[measure], lang), low=low["name"], low_value=show(low[measure], lang),
             limit=int((frame.status == LIMIT).sum()), warn=int((frame.status == WARN).sum()))


def summary_comparison(long: pd.DataFrame, lang: str, measure: str, per_capita: bool) -> str:
    last = long[long.week == long.week.max()].dropna(subset=["value"])
    if last.empty:
        return t("summary.none", lang)
    factor = 100 if measure == "occupancy_rate" else 1
    decimals = 2 if per_capita or measure == "occupancy_rate" else 0
    parts = "; ".join(f"{n}: {fmt.number(v * factor, decimals, lang)}"
                      for n, v in zip(last.sort_values("value", ascending=False).name,
                                      last.sort_values("value", ascending=False).value))
    return t("summary.comparison", lang, week=fmt.iso_week(long.week.max(), lang), values=parts)


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
