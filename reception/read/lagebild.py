"""The Lagebild: the Lage page's figures, texts and charts as one static, accessible HTML page
(German), for the many who only look (issue 22). Served at ``/lagebild`` from a cache that is
rebuilt once per data version (:mod:`reception.web.lagebild`), so no Python runs per reader
beyond handing out the bytes.

It shows the same view as the start page's default (the last 26 weeks, every kind of district:
:func:`reception.read.views.lage`), so both say the same. Everything from the data and the texts
is escaped (``html.escape``); the only markup added to a text is ``**bold**`` turned into
``<strong>`` after escaping. Charts are SVG images drawn by kaleido (as for the briefing), each
with its "Kurz gesagt" summary as alternative text and caption; without a Chromium the page
shows the summaries alone.
"""

from __future__ import annotations

import base64
import html
import re
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from reception import config, fmt
from reception.i18n import t
from reception.read import briefing, metrics, planning, queries, views

RANGE_WEEKS = 26  # the start page's default range
CHART_WIDTH = 900
BOLD = re.compile(r"\*\*(.+?)\*\*")

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0;
       color: #1a1a1a; background: #fff; line-height: 1.5; }
header, main, footer { max-width: 62rem; margin: 0 auto; padding: 0 1rem; }
h1 { font-size: 1.9rem; margin: 1.2rem 0 .3rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 .6rem; border-bottom: 1px solid #ccc; }
a { color: #0b57a4; } a:focus-visible { outline: 3px solid #0b57a4; outline-offset: 2px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .8rem;
         padding: 0; margin: 0; }
.card { border: 1px solid #bbb; border-radius: 6px; padding: .6rem .8rem; margin: 0; }
.card dt { font-size: .95rem; } .card dd { margin: 0; }
.card .value { font-size: 1.7rem; font-weight: 600; } .card .note { font-size: .9rem; color: #444; }
.notice { border-left: 5px solid #8a5a00; background: #fff6e0; padding: .5rem .8rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: .95rem; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { border: 1px solid #bbb; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
.table-wrap { overflow-x: auto; } .small { font-size: .9rem; color: #444; }
"""


class NoData(LookupError):
    """The snapshot holds no reported week yet."""


def text(value: object) -> str:
    """``value`` escaped for HTML, with ``**bold**`` as ``<strong>`` (added after escaping)."""
    return BOLD.sub(r"<strong>\1</strong>", html.escape(str(value), quote=True))


def build_view(path: Path | None = None) -> tuple[views.LageView, dict]:
    """The start page's default view of the snapshot at ``path`` and the snapshot's metadata."""
    cfg = config.settings()
    _, last = queries.week_bounds(path=path)
    if last is None:
        raise NoData(str(path))
    weekly = queries.weekly(since=metrics.range_start(last, RANGE_WEEKS), path=path)
    ahead = planning.foresight(queries.weekly(path=path), cfg.forecast_weeks, cfg.net_intake_window_weeks,
                               cfg.limit_rate, announced=queries.announcements(path=path))
    view = views.lage(weekly, queries.announcements(since=last, path=path), ahead, cfg, "de", last)
    return view, queries.snapshot_meta(path=path)


def chart_images(view: views.LageView) -> dict[str, bytes]:
    """SVG of each chart of ``view`` (name -> bytes); {} where they cannot be drawn."""
    figures = {}
    for chart in (*view.development, view.forecast, view.ranking):
        figure = go.Figure(chart.figure)
        figure.update_layout(width=CHART_WIDTH, height=figure.layout.height or 450)
        figures[chart.name] = figure
    images, _ = briefing.svgs(figures)
    return images


def render(view: views.LageView, meta: dict, images: dict[str, bytes]) -> str:
    """The whole page as HTML (German)."""
    cfg = view.settings
    lang = "de"
    week = fmt.iso_week(view.last_week, lang)
    parts = [
        f"<header><h1>{text(t('lagebild.title', lang))}</h1>",
        _para("msg.stand", week=week, published=fmt.timestamp(meta.get("published_at"), lang)),
        f"<p class=\"small\">{text(t('lagebild.intro', lang))} "
        f"<a href=\"/\">{text(t('lagebild.link_dashboard', lang))}</a> · "
        f"<a href=\"/api/v1/briefing.pdf\">{text(t('lagebild.link_briefing', lang))}</a> · "
        f"<a href=\"/api/v1/weekly.csv\">{text(t('lagebild.link_data', lang))}</a></p>",
    ]
    if meta.get("has_demo"):
        key = "msg.demo_only" if not meta.get("has_real") else "msg.demo_mixed"
        parts.append(f"<p class=\"notice\">{text(t(key, lang))}</p>")
    parts.append("</header><main>")
    parts.append(f"<h2>{text(t('lage.headlines', lang))}</h2>")
    if view.estimate_banner:
        parts.append(f"<p class=\"notice\">{text(view.estimate_banner)}</p>")
        if view.estimate_note:
            parts.append(f"<p class=\"small\">{text(view.estimate_note)}</p>")
    parts.append(_cards(view))
    if view.single_week:
        parts.append(f"<p>{text(t('msg.single_week', lang))}</p>")
    parts.append(f"<h2>{text(t('lage.development', lang))}</h2>")
    parts += [_chart(chart, images) for chart in view.development]
    parts.append(f"<h2>{text(t('lage.forecast', lang))}</h2>")
    if view.forecast_flag:
        parts.append(f"<p class=\"notice\">{text(view.forecast_flag)}</p>")
    parts.append(_chart(view.forecast, images))
    parts.append(f"<p class=\"small\">{text(t('lage.forecast_note', lang))}</p>")
    parts.append(f"<h2>{text(t('lage.warning', lang))}</h2>")
    note = (t("lage.warning_note", lang, horizon=cfg.runway_horizon_weeks,
              window=cfg.net_intake_window_weeks) + " "
            + t("lage.warning_outlook", lang, weeks=cfg.forecast_weeks))
    parts.append(f"<p class=\"small\">{text(note)}</p>")
    if view.warning_table is None:
        parts.append(f"<p>{text(t('lage.warning_none', lang))}</p>")
    else:
        parts.append(_table(view.warning_table, t("lage.warning", lang)))
    parts.append(f"<h2>{text(t('lage.places', lang))}</h2>")
    parts.append(f"<p>{text(t(view.places_key, lang, **view.places))}</p>")
    parts.append(f"<h2>{text(t('lage.ranking', lang))}</h2>")
    if view.ranking_shown < view.ranking_total:
        parts.append(_para("lage.ranking_top", "small", shown=view.ranking_shown, total=view.ranking_total))
    parts.append(_chart(view.ranking, images))
    parts.append("</main>")
    parts.append(f"<footer><p class=\"small\">{text(t('lagebild.footer', lang))} "
                 f"<a href=\"/methodik\">{text(t('lagebild.link_method', lang))}</a></p></footer>")
    title = f"{t('lagebild.title', lang)} – {week}"
    return ("<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{text(title)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def _para(key: str, css: str = "", **params: object) -> str:
    attribute = f" class=\"{css}\"" if css else ""
    return f"<p{attribute}>{text(t(key, 'de', **params))}</p>"


def _cards(view: views.LageView) -> str:
    items = []
    for card in (*view.cards, *view.capacity_cards):
        delta = f"<dd class=\"note\">{text(card['delta'])}</dd>" if card.get("delta") else ""
        caption = f"<dd class=\"note\">{text(card['caption'])}</dd>" if card.get("caption") else ""
        items.append(f"<div class=\"card\"><dt>{text(card['label'])}</dt>"
                     f"<dd class=\"value\">{text(card['value'])}</dd>{delta}{caption}</div>")
    return "<dl class=\"cards\">" + "".join(items) + "</dl>"


def _chart(chart: views.Chart, images: dict[str, bytes]) -> str:
    summary = text(chart.summary)
    title = _title(chart.figure)
    svg = images.get(chart.name)
    if svg is None:
        return (f"<figure><figcaption><strong>{text(title)}</strong><br>"
                f"{text(t('msg.summary', 'de'))}: {summary}</figcaption></figure>")
    source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    alt = html.escape(f"{title}. {chart.summary}" if title else chart.summary, quote=True)
    return (f"<figure><img src=\"{source}\" alt=\"{alt}\" width=\"{CHART_WIDTH}\">"
            f"<figcaption><strong>{text(t('msg.summary', 'de'))}</strong>: {summary}</figcaption></figure>")


def _title(figure) -> str:
    title = getattr(getattr(getattr(figure, "layout", None), "title", None), "text", None) or ""
    return re.sub(r"<[^>]+>", " ", str(title)).strip()


def _table(frame: pd.DataFrame, caption: str) -> str:
    head = "".join(f"<th scope=\"col\">{text(column)}</th>" for column in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{text('' if pd.isna(value) else value)}</td>" for value in row)
                   + "</tr>" for row in frame.itertuples(index=False))
    return (f"<div class=\"table-wrap\"><table><caption class=\"small\">{text(caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")


def page(path: Path | None = None) -> tuple[str, date]:
    """The Lagebild of the snapshot at ``path`` (default: the configured one) and its week."""
    view, meta = build_view(path)
    return render(view, meta, chart_images(view)), view.last_week
