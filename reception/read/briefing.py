"""The weekly briefing (Lagebericht): a German A4 PDF of one week for the crisis meeting.

    pdf = briefing.render()                       # the latest reported week
    pdf = briefing.render(isoweek.parse("2024-W47"))

Content (:func:`content`): the state's headline figures with the change to the week before,
arrivals against places and occupancy over 52 weeks, the districts at or near the limit with
their runway, who did not report, the ranking, a methods box, "Stand", the demo notice where it
applies, page numbers and the date. All figures come from the published snapshot through
:mod:`reception.read.queries` and the functions the Lage page uses (:mod:`metrics`,
:mod:`present`), so the paper and the screen say the same.

Made with Typst (the ``typst`` package ships the compiler in its wheel: no TeX, no system
library): the layout lives in ``templates/lagebericht.typ``, which reads the content as JSON, so
no text is ever parsed as markup. The PDF is tagged PDF/UA-1 (title, language, headings, table
headers, alt text of every chart: public bodies must publish accessible documents). Charts are
the app's plotly figures, exported as SVG (vector) by kaleido, which drives the system Chromium;
where no Chromium can be started the briefing is still written, with the chart's text summary in
its place and a note saying why.

``forecaster``: a function from the district weeks up to the briefing's week (the ``weekly``
frame, whole history), the announced allocations after it (the ``announcements`` view) and the
settings to the state's forecast (week, forecast, lower50, upper50,
lower, upper, flag: the frame of :func:`reception.read.forecast.forecast_total`). :func:`render`
uses :func:`state_forecast`, the forecast the Lage page shows; :func:`content` makes none unless
given one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from reception import config, fmt, isoweek
from reception.i18n import t
from reception.read import charts, estimate, metrics, present, queries, timeliness

log = logging.getLogger(__name__)

TEMPLATE = Path(__file__).resolve().parent / "templates" / "lagebericht.typ"
HISTORY_WEEKS = 52
RANKING_ROWS = 30  # at most this many districts in the ranking table (2-4 pages)
WARNING_ROWS = 40  # ... in the early-warning table (a national crisis may list hundreds)
MISSING_TABLE = 12  # more districts without a report than this: one paragraph, not a table
MISSING_LISTED = 60  # ... naming at most this many
FONT = "Liberation Sans, DejaVu Sans, sans-serif"
Forecaster = Callable[[pd.DataFrame, pd.DataFrame, config.Settings], pd.DataFrame]
_EXPORT_LOCK = threading.Lock()  # one Chromium at a time per process
EXPORT_TIMEOUT = 60.0  # seconds for Chromium to draw all charts; then the briefing goes without


class NoData(LookupError):
    """No district reported the week ``monday`` asked for (None: nothing was ever reported);
    ``str()`` says so in German, :meth:`message` in ``lang``."""

    def __init__(self, monday: date | None = None) -> None:
        self.monday = monday
        super().__init__(self.message("de"))

    def message(self, lang: str = "de") -> str:
        week = fmt.iso_week(self.monday, lang) if self.monday is not None else "–"
        return t("briefing.no_data", lang, week=week)


def file_name(week: date) -> str:
    """``lagebericht_KW47_2024.pdf``."""
    year, number = isoweek.year_and_number(week)
    return f"lagebericht_KW{number:02d}_{year}.pdf"


def resolve_week(week: date | None, path: Path | None = None) -> date:
    """``week`` (any day of it) as its Monday if some district reported it, else :class:`NoData`;
    None means the latest reported week."""
    first, last = queries.week_bounds(path)
    if last is None:
        raise NoData()
    if week is None:
        return last
    monday = week - timedelta(days=week.weekday())
    reported = queries.weekly(since=monday, until=monday, path=path)
    if reported.empty or not reported.reported.any():
        raise NoData(monday)
    return monday


# ---------------------------------------------------------------- content
def _headline_rows(state: pd.DataFrame, settings: config.Settings, lang: str) -> list[list[str]]:
    heads = metrics.headlines(state)
    cards = present.headline_cards(heads, lang, settings.warn_rate, settings.limit_rate)
    rows = []
    for key, card in zip(present.HEADLINE_STYLE, cards):
        head = heads[key]
        if key == "occupancy_rate":
            previous, change = fmt.percent(head.previous, 1, lang), fmt.points(head.delta, 1, lang)
        else:
            previous = fmt.number(head.previous, lang=lang)
            change = fmt.number(head.delta, lang=lang, signed=True)
        mean = (fmt.percent(head.mean4, 1, lang) if key == "occupancy_rate"
                else fmt.number(head.mean4, 1 if key == "arrivals" else 0, lang))
        rows.append([card["label"], card["value"], previous, change, mean])
    last = state.iloc[-1]
    previous = state.iloc[-2] if len(state) > 1 else None
    rows.append([t("briefing.reporting", lang),
                 t("briefing.reporting_value", lang, reporting=int(last.reporting),
                   districts=int(last.districts)),
                 fmt.number(previous.reporting, lang=lang) if previous is not None else fmt.MISSING,
                 fmt.number(last.reporting - previous.reporting, lang=lang, signed=True)
                 if previous is not None else fmt.MISSING, fmt.MISSING])
    return rows


def _numeric(column: pd.Series) -> bool:
    """A column of formatted figures ('109,1 %', '-50', '2,4 Wochen'): aligned right."""
    return bool(len(column)) and all(str(v).lstrip("-+±–")[:1].isdigit() or str(v) == fmt.MISSING
                                     for v in column)


def _table(frame: pd.DataFrame) -> dict:
    return {"header": [str(c) for c in frame.columns],
            "align": ["right" if _numeric(frame[c]) else "left" for c in frame.columns],
            "rows": [[str(v) for v in row] for row in frame.itertuples(index=False, name=None)]}


def _missing_list(missing: pd.DataFrame, lang: str) -> str:
    """Many districts without a report as one paragraph: 'Name (KW 46/2024), ...'."""
    named = [f"{row['name']} ({fmt.iso_week(row['last_reported'], lang)})"
             if not pd.isna(row["last_reported"]) else f"{row['name']} ({t('reporting.never', lang)})"
             for _, row in missing.head(MISSING_LISTED).iterrows()]
    text = t("briefing.missing_count", lang, count=len(missing)) + " " + ", ".join(named)
    if len(missing) > MISSING_LISTED:
        text += " " + t("briefing.more", lang, count=len(missing) - MISSING_LISTED)
    return text + "."


def _plain(text: str) -> str:
    return text.replace("**", "")


def content(week: date | None = None, path: Path | None = None,
            settings: config.Settings | None = None, forecaster: Forecaster | None = None,
            lang: str = "de", now: datetime | None = None) -> dict:
    """Everything the briefing says, as formatted strings and tables, plus the frames its charts
    are drawn from (``_state``, ``_forecast``). :class:`NoData` when ``week`` was not reported."""
    settings = settings or config.settings()
    week = resolve_week(week, path)
    weekly = queries.weekly(since=week - timedelta(weeks=HISTORY_WEEKS - 1), until=week, path=path)
    state = metrics.state_weekly(weekly, settings)
    latest = metrics.latest_by_district(weekly, settings, queries.announcements(since=week, path=path))
    out = _front(week, state, settings, path, lang, now or datetime.now())
    out.update(_districts(weekly, latest, settings, fmt.iso_week(week, lang), lang))
    out.update(_methods(settings, path, lang))
    out.update(_forecast_of(forecaster, week, path, settings, lang))
    out.update(_estimate_of(week, path, lang))
    if out["forecast_summary"]:  # the chart's marker in words (its alt text too)
        out["forecast_summary"] += out["_estimate_summary"]
    out.update(_deadline_of(week, path, lang))
    return out


def _deadline_of(week: date, path: Path | None, lang: str) -> dict:
    """Who met the deadline for ``week`` (issue 24): one sentence naming the districts whose
    report came late and those whose report is still missing; None where nothing is due yet."""
    status = queries.reporting_status(since=week, until=week, path=path)
    due = status[status.status.isin(timeliness.DUE)]
    if due.empty:
        return {"deadline": None}
    names = {kind: ", ".join(sorted(due[due.status == kind].name)) or "–"
             for kind in ("late", "missing")}
    return {"deadline": t("briefing.deadline", lang, week=fmt.iso_week(week, lang),
                          due=present.due_text(due.due_at.iloc[0], lang),
                          on_time=int(due.status.eq("on_time").sum()), total=len(due),
                          late=names["late"],
                          missing=names["missing"])}


def _estimate_of(week: date, path: Path | None, lang: str) -> dict:
    """The state's arrivals with the estimate of the districts that did not report ``week``, and
    what the state's occupancy counts (both None when every district reported), as on Lage."""
    gaps = estimate.state_estimate(queries.weekly(until=week, path=path),
                                   queries.announcements(since=week, path=path), week)
    banner = present.estimate_banner(gaps, lang)
    return {"estimate": _plain(banner) if banner else None,
            "estimate_occupancy": present.estimate_occupancy(gaps, lang) if banner else None,
            "_estimate_point": present.estimate_point(gaps),
            "_estimate_summary": present.estimate_summary(gaps, lang)}


def _front(week: date, state: pd.DataFrame, settings: config.Settings, path: Path | None,
           lang: str, now: datetime) -> dict:
    """Title, Stand, demo notice, the state's headline figures and its places."""
    meta = queries.snapshot_meta(path)
    land = queries.reference_meta(path).get("land", "")
    label = fmt.iso_week(week, lang)
    demo = None
    if meta.get("has_demo"):
        demo = t("briefing.demo" if not meta.get("has_real") else "briefing.demo_mixed", lang)
    places = metrics.state_places(state, settings.state_minimum_places)
    return {
        "lang": lang,
        "title": f"{t('briefing.title', lang)} {label}",
        "heading": t("briefing.title", lang),
        "subtitle": t("briefing.subtitle", lang, land=land, week=label, first=fmt.day(week, lang),
                      last=fmt.day(week + timedelta(days=6), lang)).lstrip(" ·"),
        "week": label,
        "stand": t("briefing.stand", lang, week=label,
                   published=fmt.timestamp(meta.get("published_at"), lang, utc=True),
                   created=fmt.timestamp(now, lang))
        + (" " + t("asof.briefing", lang) if meta.get("historical") else ""),
        "created": fmt.day(now, lang),
        "demo": demo,
        "labels": {key: t(f"briefing.{key}", lang) for key in (
            "headlines", "figure", "change", "mean4", "development", "warning", "ranking",
            "methods", "forecast", "page", "of")},
        "headlines": {"header": [t("briefing.figure", lang), label,
                                 fmt.iso_week(week - timedelta(weeks=1), lang),
                                 t("briefing.change", lang), t("briefing.mean4", lang)],
                      "align": ["left"] + ["right"] * 4,
                      "rows": _headline_rows(state, settings, lang)},
        "places": _plain(t("lage.places_text" if places["gap"] >= 0 else "lage.places_text_short",
                           lang, **present.places_params(places, lang))),
        "development_summary": present.summary_state(state, lang),
        "_state": state,
    }


def _districts(weekly: pd.DataFrame, latest: pd.DataFrame, settings: config.Settings,
               label: str, lang: str) -> dict:
    """The early warning, who did not report, and the ranking."""
    warning = metrics.early_warning(latest, settings)
    missing = metrics.missing_latest(weekly)
    ranking = present.ranking_table(latest.head(RANKING_ROWS), lang).drop(
        columns=[t("tab.reported", lang)])
    return {
        "warning_note": t("lage.warning_note", lang, horizon=settings.runway_horizon_weeks,
                          window=settings.net_intake_window_weeks),
        "warning": (_table(present.warning_table(warning.head(WARNING_ROWS), lang))
                    if len(warning) else None),
        "warning_more": (t("briefing.more", lang, count=len(warning) - WARNING_ROWS)
                         if len(warning) > WARNING_ROWS else None),
        "warning_none": t("briefing.warning_none", lang, horizon=settings.runway_horizon_weeks),
        "at_limit": [str(n) for n in warning[warning.reason == metrics.LIMIT].name],
        "missing_title": t("briefing.missing", lang, week=label),
        "missing": (_table(present.missing_table(missing, lang))
                    if 0 < len(missing) <= MISSING_TABLE else None),
        "missing_list": _missing_list(missing, lang) if len(missing) > MISSING_TABLE else None,
        "missing_none": t("briefing.missing_none", lang, districts=len(latest)),
        "missing_note": t("briefing.missing_note", lang),
        "ranking": _table(ranking),
        "ranking_summary": present.summary_ranking(latest, lang),
        "ranking_more": (t("briefing.ranking_more", lang, shown=len(ranking), total=len(latest))
                         if len(latest) > len(ranking) else None),
    }


def _methods(settings: config.Settings, path: Path | None, lang: str) -> dict:
    population = queries.reference_meta(path).get("population_source", "–")
    return {
        "methods": t("briefing.methods_text", lang, window=settings.net_intake_window_weeks,
                     horizon=settings.runway_horizon_weeks,
                     minimum=fmt.number(settings.state_minimum_places, lang=lang),
                     warn=fmt.percent(settings.warn_rate, 0, lang),
                     limit=fmt.percent(settings.limit_rate, 0, lang)),
        "sources": t("briefing.sources", lang, population=population),
    }


def _forecast_of(forecaster: Forecaster | None, week: date, path: Path | None,
                 settings: config.Settings, lang: str) -> dict:
    """The forecast section (None-valued without a forecaster or a forecast)."""
    out = {"_forecast": None, "forecast_summary": None, "forecast_flag": None, "forecast_note": None}
    if forecaster is None:
        return out
    prediction = forecaster(queries.weekly(until=week, path=path),
                            queries.announcements(since=week + timedelta(weeks=1), path=path), settings)
    if prediction is None or not len(prediction):
        return out
    return {"_forecast": prediction,
            "forecast_summary": present.summary_forecast_bands(prediction, lang),
            "forecast_flag": present.forecast_flag(prediction, lang),
            "forecast_note": t("briefing.forecast_note", lang)}


def state_forecast(weekly: pd.DataFrame, announced: pd.DataFrame,
                   settings: config.Settings) -> pd.DataFrame:
    """The state's weekly arrivals for ``forecast_weeks`` weeks with 50 % and 80 % bands, summed
    from the districts' forecasts, announced allocations replacing them for their weeks (as on
    the Lage page)."""
    from reception.read import forecast

    return forecast.forecast_total(weekly[["ags", "week", "arrivals", "reported"]],
                                   settings.forecast_weeks, announced=announced)


# ---------------------------------------------------------------- charts
def _print_style(fig, height: int) -> None:
    fig.update_layout(title=None, font={"family": FONT, "size": 15, "color": "#000000"},
                      width=1000, height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      paper_bgcolor="white", plot_bgcolor="white")


def _figures(data: dict) -> dict:
    """The plotly figures of the briefing (name -> figure)."""
    figures = {"development": charts.arrivals_vs_capacity(data["_state"], data["lang"])}
    _print_style(figures["development"], 460)
    if data["_forecast"] is not None:
        history = data["_state"][["week", "arrivals"]].tail(26)
        figures["forecast"] = charts.forecast(history, data["_forecast"], data["lang"],
                                              data.get("_estimate_point"))
        _print_style(figures["forecast"], 400)
    return figures


def chromium() -> str | None:
    """The Chromium kaleido is to drive: ``BROWSER_PATH`` if it names a program, else Debian's
    (no browser download, ever); None when there is none. Checked here because kaleido, given a
    path that is not there, waits for its browser forever."""
    configured = config.env("BROWSER_PATH")
    candidates = [configured] if configured else [
        "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


async def _export(figures: dict, timeout: float) -> dict[str, bytes]:
    import kaleido

    async with kaleido.Kaleido(n=1, timeout=timeout) as renderer:
        return {name: await renderer.calc_fig(fig, opts={
                    "format": "svg", "width": fig.layout.width, "height": fig.layout.height})
                for name, fig in figures.items()}


def svgs(figures: dict, timeout: float = EXPORT_TIMEOUT) -> tuple[dict[str, bytes], str | None]:
    """SVG of each figure through kaleido (one Chromium for all, at most ``timeout`` seconds),
    or ({}, reason) when that cannot be done."""
    if not figures:
        return {}, None
    browser = chromium()
    if browser is None:
        return {}, t("briefing.no_chromium", "de")
    os.environ["BROWSER_PATH"] = browser  # what choreographer, kaleido's driver, reads
    try:
        with _EXPORT_LOCK:
            return asyncio.run(asyncio.wait_for(_export(figures, timeout), timeout)), None
    except Exception as error:  # a crashed or hung browser: the briefing goes out without
        log.warning("briefing charts not exported: %s: %s", type(error).__name__, error)
        return {}, type(error).__name__


# ---------------------------------------------------------------- PDF
def pdf(data: dict, images: dict[str, bytes], no_chart: str | None = None) -> bytes:
    """Compile the Typst template with ``data`` and the SVGs into a tagged PDF/UA-1."""
    import typst

    public = {k: v for k, v in data.items() if not k.startswith("_")}
    public["charts"] = {name: f"{name}.svg" for name in images}
    public["no_chart"] = (t("briefing.no_chart", data["lang"], reason=no_chart) if no_chart else None)
    with tempfile.TemporaryDirectory(prefix="lagebericht-") as folder:
        root = Path(folder)
        shutil.copy(TEMPLATE, root / "main.typ")
        (root / "data.json").write_text(json.dumps(public, ensure_ascii=False), encoding="utf-8")
        for name, svg in images.items():
            (root / f"{name}.svg").write_bytes(svg)
        return typst.compile(str(root / "main.typ"), root=str(root), pdf_standards=["ua-1"])


def render(week: date | None = None, path: Path | None = None,
           forecaster: Forecaster | None = state_forecast,
           settings: config.Settings | None = None) -> bytes:
    """The briefing of ``week`` (default: the latest reported week) as PDF bytes."""
    data = content(week, path, settings, forecaster)
    images, reason = svgs(_figures(data))
    return pdf(data, images, reason)


def write(target: Path, week: date | None = None, path: Path | None = None,
          forecaster: Forecaster | None = state_forecast) -> tuple[Path, date]:
    """Write the briefing to ``target`` (a file, or a folder for :func:`file_name`); atomic, so
    a reader never sees half a file. Returns the path and the week's Monday."""
    monday = resolve_week(week, path)
    if target.is_dir():
        target = target / file_name(monday)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(render(monday, path, forecaster))
    os.replace(partial, target)
    return target, monday
