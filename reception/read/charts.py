"""Figures: pure functions from DataFrames (as :mod:`reception.read.metrics` returns them) to plotly
figures. No Streamlit, no database; tested in ``tests/test_charts.py``.

One colour-blind-safe palette (Okabe & Ito) for series, one set of threshold colours for the
traffic light, and every status also carries a symbol and a word, so nothing is told by colour
alone. Axis titles name their units. Text from reports (facility names) is escaped before plotly
sees it (plotly renders a few HTML tags in labels).
"""

from __future__ import annotations

import base64
import html
import math
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from reception import fmt
from reception.config import Settings
from reception.i18n import t
from reception.read import measures, metrics
from reception.read.measures import LIMIT, OK, STATUS_SYMBOLS, UNKNOWN, WARN, status_label
from reception.read.metrics import FACILITY_GROUPS

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
ARRIVALS_COLOUR = "#56B4E9"
CAPACITY_COLOUR = "#000000"
OCCUPIED_COLOUR = "#0072B2"
FORECAST_COLOUR = "#CC79A7"
STATUS_COLOURS = {OK: "#009E73", WARN: "#E69F00", LIMIT: "#D55E00", UNKNOWN: "#BBBBBB"}
# Sequential scale for continuous measures (cividis: readable in every colour vision).
SEQUENTIAL = "Cividis"


def safe(text: object) -> str:
    """Report text as plotly shows it literally."""
    return html.escape(str(text), quote=False)


def _layout(fig: go.Figure, title: str, lang: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        template="plotly_white", height=height, separators=fmt.plotly_separators(lang),
        font={"size": 14}, margin={"l": 10, "r": 10, "t": 80, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.03, "xanchor": "right", "x": 1},
        hoverlabel={"font_size": 14},
    )
    fig.update_yaxes(separatethousands=True)
    fig.update_xaxes(separatethousands=True)
    _month_ticks(fig, lang)
    return fig


def _legend_below(fig: go.Figure, height: int) -> go.Figure:
    """The legend under the plot, left-aligned, in the traces' order: beside the title it covers
    the title on a phone (and a stack reads bottom layer first)."""
    fig.update_layout(height=height, margin={"b": 130},
                      legend={"orientation": "h", "yanchor": "top", "y": -0.34, "xanchor": "left",
                              "x": 0, "traceorder": "normal"})
    return fig


def _month_ticks(fig: go.Figure, lang: str) -> None:
    """Ticks of a date x-axis, named in the page's language: plotly names months in English
    ('Oct', 'Dec') whatever the language. At most about eight ticks: calendar weeks for a
    short range, else every 1, 2, 3 or 6 months, or whole years."""
    dates = [pd.to_datetime(pd.Series(list(trace.x))) for trace in fig.data
             if trace.x is not None and not isinstance(trace.x, dict)  # dict: a typed array
             and len(trace.x) and isinstance(trace.x[0], (date, np.datetime64))]
    every = pd.concat(dates).dropna() if dates else pd.Series(dtype="datetime64[ns]")
    if every.empty:
        return
    first, last = every.min(), every.max()
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months <= 2:  # a few weeks: their calendar weeks
        weeks = sorted(every.unique())
        ticks = weeks[::-(-len(weeks) // 8)]
        labels = [fmt.iso_week(pd.Timestamp(w).date(), lang) for w in ticks]
    elif months <= 48:
        step = next(s for s in (1, 2, 3, 6) if months / s <= 8)
        ticks = [d for d in pd.date_range(first.to_period("M").to_timestamp(), last,
                                          freq=f"{step}MS") if d >= first]
        names = t("chart.months", lang).split()
        labels = [f"{names[d.month - 1]} {d.year}" for d in ticks]
    else:
        step = -(-months // 96)  # years between ticks
        years = range(first.year + (first > pd.Timestamp(first.year, 1, 1)), last.year + 1, step)
        ticks = [pd.Timestamp(year, 1, 1) for year in years]
        labels = [str(year) for year in years]
    fig.update_xaxes(tickvals=list(ticks), ticktext=labels)


def _week_labels(weeks: pd.Series, lang: str) -> list[str]:
    return [fmt.iso_week(w, lang) for w in weeks]


# Arrivals by group (issue 14): one colour per group; arrivals no group was reported for keep
# the colour all arrivals had before the split.
GROUP_COLOURS = {"arrivals_asylum": "#0072B2", "arrivals_ukraine": "#E69F00",
                 "arrivals_other": "#009E73", "arrivals_unsplit": ARRIVALS_COLOUR}
USABLE_COLOUR = "#D55E00"


def _has_groups(series: pd.DataFrame) -> bool:
    groups = list(metrics.ARRIVAL_GROUPS)
    return set(groups) <= set(series.columns) and bool(series[groups].notna().to_numpy().any())


def _has_unusable(series: pd.DataFrame) -> bool:
    return ("capacity_usable" in series.columns
            and bool((series.capacity_usable.astype("float64") < series.capacity.astype("float64")).any()))


def arrivals_vs_capacity(series: pd.DataFrame, lang: str = "de", title: str | None = None) -> go.Figure:
    """Weekly arrivals (bars, left axis: stacked by group where reports split them) against
    places, usable places (where some are unusable) and occupied (lines, right axis).
    ``series``: week, arrivals, capacity, occupied [, arrivals_asylum, arrivals_ukraine,
    arrivals_other, arrivals_unsplit, capacity_usable]."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    labels = _week_labels(series.week, lang)
    hover = "%{customdata}: %{y:,.0f}<extra>%{fullData.name}</extra>"
    if _has_groups(series):
        if "arrivals_unsplit" not in series.columns:
            series = metrics.arrival_groups(series)
        for column, colour in GROUP_COLOURS.items():
            if series[column].fillna(0).gt(0).any():
                fig.add_trace(go.Bar(x=series.week, y=series[column], name=t(f"chart.{column}", lang),
                                     marker_color=colour, customdata=labels, hovertemplate=hover),
                              secondary_y=False)
        fig.update_layout(barmode="stack")
    else:
        fig.add_trace(go.Bar(x=series.week, y=series.arrivals, name=t("chart.arrivals", lang),
                             marker_color=ARRIVALS_COLOUR, customdata=labels,
                             hovertemplate="%{customdata}: %{y:,.0f}<extra></extra>"), secondary_y=False)
    lines = [("capacity", "chart.capacity", CAPACITY_COLOUR, "solid")]
    if _has_unusable(series):
        lines.append(("capacity_usable", "chart.capacity_usable", USABLE_COLOUR, "dot"))
    lines.append(("occupied", "chart.occupied", OCCUPIED_COLOUR, "dash"))
    for column, key, colour, dash in lines:
        fig.add_trace(go.Scatter(x=series.week, y=series[column], name=t(key, lang), mode="lines",
                                 line={"color": colour, "width": 3, "dash": dash}, customdata=labels,
                                 hovertemplate="%{customdata}: %{y:,.0f}<extra></extra>"),
                      secondary_y=True)
    fig.update_yaxes(title_text=t("axis.arrivals_per_week", lang), secondary_y=False, rangemode="tozero",
                     tickformat=",.0f")
    fig.update_yaxes(title_text=t("axis.places_persons", lang), secondary_y=True, rangemode="tozero",
                     showgrid=False, tickformat=",.0f", tickmode="auto")
    fig.update_xaxes(title_text=t("axis.week", lang))
    return _legend_below(_layout(fig, title or t("chart.arrivals_vs_capacity", lang), lang), 500)


def _threshold_lines(fig: go.Figure, settings: Settings, lang: str) -> None:
    for rate, status in ((settings.warn_rate, WARN), (settings.limit_rate, LIMIT)):
        fig.add_hline(y=rate * 100, line={"color": STATUS_COLOURS[status], "dash": "dot", "width": 2},
                      annotation_text=f"{STATUS_SYMBOLS[status]} {fmt.percent(rate, 0, lang)}",
                      annotation_position="top left")


def occupancy_rate(series: pd.DataFrame, settings: Settings, lang: str = "de",
                   title: str | None = None) -> go.Figure:
    """Occupancy rate in % over time with the warning and limit thresholds: of the usable places
    (what the traffic light reads) where the series has them, and of all places as a thin line
    beside it where some places are unusable. ``series``: week, occupancy_rate [, usable_rate,
    capacity, capacity_usable]."""
    usable = "usable_rate" in series.columns and series.usable_rate.notna().any()
    main = series.usable_rate if usable else series.occupancy_rate
    labels = _week_labels(series.week, lang)
    fig = go.Figure(go.Scatter(
        x=series.week, y=main * 100, mode="lines+markers",
        name=t("chart.usable_rate" if usable else "chart.occupancy_rate", lang),
        line={"color": OCCUPIED_COLOUR, "width": 3}, customdata=labels,
        hovertemplate="%{customdata}: %{y:.1f} %<extra></extra>"))
    if usable and _has_unusable(series):
        fig.add_trace(go.Scatter(
            x=series.week, y=series.occupancy_rate * 100, mode="lines",
            name=t("chart.occupancy_rate_all", lang), line={"color": CAPACITY_COLOUR, "width": 1.5},
            customdata=labels, hovertemplate="%{customdata}: %{y:.1f} %<extra></extra>"))
    _threshold_lines(fig, settings, lang)
    top = max(110.0, float((main.replace(np.inf, np.nan) * 100).max(skipna=True) or 0) + 5)
    fig.update_yaxes(title_text=t("axis.occupancy_percent", lang), range=[0, top])
    fig.update_xaxes(title_text=t("axis.week", lang))
    return _legend_below(_layout(fig, title or t("chart.usable_rate" if usable else "chart.occupancy_rate",
                                                  lang), lang), 440)


def ranking(latest: pd.DataFrame, settings: Settings, lang: str = "de") -> go.Figure:
    """All districts ranked by the traffic light's rate (occupied / usable places, highest on
    top), traffic-light colour, and the rate with the status symbol as bar text. ``latest``
    (metrics.latest_by_district): name, status, occupied, capacity, capacity_usable, usable_rate,
    free_usable."""
    frame = latest.iloc[::-1]
    rate = metrics.status_rate(frame).replace(np.inf, np.nan)
    labels = [f"{fmt.percent(r, 1, lang)} {STATUS_SYMBOLS[s]}" for r, s in zip(rate, frame.status)]
    hover = [
        f"{safe(n)}<br>{status_label(s, lang)}<br>{t('chart.occupied', lang)}: {fmt.number(o, lang=lang)}"
        f" / {t('chart.capacity_usable', lang)}: {fmt.number(u, lang=lang)}"
        f" ({t('chart.capacity', lang)}: {fmt.number(c, lang=lang)})<br>"
        f"{t('chart.free_usable', lang)}: {fmt.number(f, lang=lang)}"
        for n, s, o, u, c, f in zip(frame.name, frame.status, frame.occupied, frame.capacity_usable,
                                    frame.capacity, frame.free_usable)]
    fig = go.Figure(go.Bar(
        y=[safe(n) for n in frame.name], x=rate * 100, orientation="h",
        marker={"color": [STATUS_COLOURS[s] for s in frame.status],
                "line": {"color": "#333333", "width": 0.5}},
        text=labels, textposition="outside", cliponaxis=False, hovertext=hover,
        hoverinfo="text", name=t("chart.usable_rate", lang), showlegend=False))
    for threshold, status in ((settings.warn_rate, WARN), (settings.limit_rate, LIMIT)):
        fig.add_vline(x=threshold * 100, line={"color": STATUS_COLOURS[status], "dash": "dot", "width": 2})
    top = max(120.0, float((rate * 100).max(skipna=True) or 0) + 15)
    fig.update_xaxes(title_text=t("axis.usable_percent", lang), range=[0, top])
    fig.update_yaxes(title_text="", automargin=True)
    title = t("chart.ranking", lang, warn=fmt.percent(settings.warn_rate, 0, lang),
              limit=fmt.percent(settings.limit_rate, 0, lang))
    return _layout(fig, title, lang, height=max(300, 80 + 26 * len(frame)))


def facilities(latest_facilities: pd.DataFrame, lang: str = "de") -> go.Figure:
    """Places and occupied per facility in the last week (grouped horizontal bars).
    ``latest_facilities``: facility, facility_type, capacity, occupied."""
    frame = latest_facilities.sort_values("capacity")
    names = [safe(f if not ty or pd.isna(ty) else f"{f} ({ty})")
             for f, ty in zip(frame.facility, frame.facility_type)]
    fig = go.Figure([
        go.Bar(y=names, x=frame.capacity, orientation="h", name=t("chart.capacity", lang),
               marker_color=PALETTE[0], hovertemplate="%{y}: %{x:,.0f}<extra></extra>"),
        go.Bar(y=names, x=frame.occupied, orientation="h", name=t("chart.occupied", lang),
               marker_color=PALETTE[1], hovertemplate="%{y}: %{x:,.0f}<extra></extra>"),
    ])
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text=t("axis.places_persons", lang))
    fig.update_yaxes(automargin=True)
    return _layout(fig, t("chart.facilities", lang), lang, height=max(260, 90 + 44 * len(frame)))


def forecast(history: pd.DataFrame, prediction: pd.DataFrame, lang: str = "de",
             estimated: tuple | None = None) -> go.Figure:
    """Reported weekly arrivals (bars) and the forecast (line) with its 80 % band (light) and,
    where the frame has ``lower50``/``upper50``, its 50 % band (darker). ``estimated`` (week,
    total, lower, upper: :func:`reception.read.present.estimate_point`): the last week's total
    with the estimate of the districts that have not reported it, a marker with its band."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=history.week, y=history.arrivals, name=t("chart.arrivals", lang),
                         marker_color=ARRIVALS_COLOUR, customdata=_week_labels(history.week, lang),
                         hovertemplate="%{customdata}: %{y:,.0f}<extra></extra>"))
    if estimated is not None:
        week, total, lower, upper = estimated
        known = not (pd.isna(lower) or pd.isna(upper))
        fig.add_trace(go.Scatter(
            x=[week], y=[total], mode="markers", name=t("chart.estimate", lang),
            marker={"symbol": "diamond-open", "size": 12, "color": "#000000", "line": {"width": 2}},
            error_y={"type": "data", "symmetric": False, "array": [upper - total if known else 0],
                     "arrayminus": [total - lower if known else 0], "color": "#000000"},
            customdata=[[_week_labels([week], lang)[0], lower, upper]],
            hovertemplate="%{customdata[0]}: ≈ %{y:,.0f} (%{customdata[1]:,.0f}–%{customdata[2]:,.0f})"
                          "<extra></extra>"))
    if len(prediction):
        labels = _week_labels(prediction.week, lang)
        bands = [("lower", "upper", "rgba(204,121,167,0.22)", "chart.forecast_band")]
        if "lower50" in prediction:
            bands.append(("lower50", "upper50", "rgba(204,121,167,0.45)", "chart.forecast_band50"))
        for low, high, colour, label in bands:
            _band(fig, prediction.week, prediction[low], prediction[high], colour, t(label, lang))
        fig.add_trace(go.Scatter(
            x=prediction.week, y=prediction.forecast, mode="lines+markers",
            name=t("chart.forecast", lang), line={"color": FORECAST_COLOUR, "width": 3, "dash": "dash"},
            customdata=list(zip(labels, prediction.lower, prediction.upper)),
            hovertemplate="%{customdata[0]}: %{y:,.0f} (%{customdata[1]:,.0f}–%{customdata[2]:,.0f})"
                          "<extra></extra>"))
    fig.update_yaxes(title_text=t("axis.arrivals_per_week", lang), rangemode="tozero")
    fig.update_xaxes(title_text=t("axis.week", lang))
    return _legend_below(_layout(fig, t("chart.forecast_title", lang), lang), 460)


def _band(fig: go.Figure, x, low, high, colour: str, name: str, **extra) -> go.Figure:
    fig.add_trace(go.Scatter(x=x, y=high, mode="lines", line={"width": 0}, hoverinfo="skip",
                             **(extra | {"showlegend": False})))
    fig.add_trace(go.Scatter(x=x, y=low, mode="lines", fill="tonexty", fillcolor=colour,
                             line={"width": 0}, name=name, hoverinfo="skip", **extra))
    return fig


_BAND_COLOURS = ["rgba(0,114,178,0.15)", "rgba(230,159,0,0.18)", "rgba(0,158,115,0.18)"]
_DASHES = ["solid", "dash", "dot"]


def planning(paths: list[tuple[str, pd.DataFrame]], settings: Settings, lang: str = "de") -> go.Figure:
    """Occupancy of the places in % per week for each scenario (line, own colour and dash) with
    its band (shaded), and the warning and limit lines. ``paths``: (name, frame of
    :func:`reception.read.planning.project`)."""
    fig = go.Figure()
    top, bottom = 110.0, 100.0
    for index, (name, path) in enumerate(paths):
        colour = PALETTE[index % len(PALETTE)]
        label = safe(name)
        _band(fig, path.week, path.rate_lower * 100, path.rate_upper * 100,
              _BAND_COLOURS[index % len(_BAND_COLOURS)], t("chart.planning_band", lang, name=label),
              legendgroup=str(index), showlegend=False)  # the band goes with its line
        fig.add_trace(go.Scatter(
            x=path.week, y=path.rate * 100, mode="lines+markers", name=label, legendgroup=str(index),
            line={"color": colour, "width": 3, "dash": _DASHES[index % len(_DASHES)]},
            customdata=list(zip(_week_labels(path.week, lang), path.rate_lower * 100, path.rate_upper * 100)),
            hovertemplate=label + " %{customdata[0]}: %{y:.1f} % (%{customdata[1]:.1f}–%{customdata[2]:.1f})"
                          "<extra></extra>"))
        top = max(top, float(np.nanmax((path.rate_upper * 100).to_numpy(), initial=0)) + 5)
        bottom = min(bottom, float(np.nanmin((path.rate_lower * 100).to_numpy(), initial=100)))
    _threshold_lines(fig, settings, lang)
    # the lines at 90 and 100 % and the paths matter, not the distance to 0
    low = max(0.0, min(bottom, settings.warn_rate * 100) - 10)
    fig.update_yaxes(title_text=t("axis.occupancy_percent", lang), range=[low, min(top, 250.0)])
    fig.update_xaxes(title_text=t("axis.week", lang))
    fig = _layout(fig, t("chart.planning", lang), lang, height=460)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.18, "xanchor": "left", "x": 0},
                      margin={"b": 60})
    return fig


def quota(quota_frame: pd.DataFrame, highlight: str | None = None, lang: str = "de") -> go.Figure:
    """Erfüllungsquote (Ist / Soll, %) per district, the 100 % line, ``highlight`` (ags) outlined."""
    frame = quota_frame.dropna(subset=["fulfilment_percent"]).sort_values("fulfilment_percent")
    colours = [PALETTE[1] if a == highlight else PALETTE[0] for a in frame.ags]
    fig = go.Figure(go.Bar(
        y=[safe(n) for n in frame.name], x=frame.fulfilment_percent, orientation="h",
        marker={"color": colours}, showlegend=False,
        text=[fmt.number(v, 0, lang) + (" %" if lang == "de" else "%") for v in frame.fulfilment_percent],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:.1f} %<extra></extra>"))
    fig.add_vline(x=100, line={"color": "#333333", "dash": "dot", "width": 2})
    fig.update_xaxes(title_text=t("axis.fulfilment_percent", lang))
    fig.update_yaxes(automargin=True)
    return _layout(fig, t("chart.quota", lang), lang, height=max(300, 60 + 24 * len(frame)))


def wrap_name(name: str, width: int = 12) -> str:
    """A district name broken after hyphens and spaces so that it fits a map tile (escaped)."""
    parts = [p for p in name.replace("-", "-\u0000").replace(" ", " \u0000").split("\u0000") if p]
    lines, line = [], ""
    for part in parts:
        if line and len(line) + len(part) > width:
            lines.append(line.strip())
            line = ""
        line += part
    lines.append(line.strip())
    return "<br>".join(safe(text) for text in lines)


# Map measures coloured by the traffic light (the column holding each one's status); the
# others get the sequential scale. Shares: a sequential scale in percent, grey = not reported.
MAP_STATUS = {"occupancy_rate": "occupancy_status", "usable_rate": "usable_status"}
MAP_SHARES = ("entitled_share", "ukraine_share_4w")


def map_statuses(frame: pd.DataFrame, measure: str) -> pd.Series:
    """The traffic-light status per row for ``measure`` (``unknown`` for the usable rate where
    the frame has no ``usable_status``, as :func:`reception.read.metrics.map_frame` gives it
    without settings); empty strings for measures without a traffic light."""
    column = MAP_STATUS.get(measure)
    if column is None:
        return pd.Series([""] * len(frame), index=frame.index)
    if column not in frame and measure == "occupancy_rate" and "status" in frame:
        column = "status"  # a frame made without settings (the light of the latest figures)
    if column not in frame:
        return pd.Series([UNKNOWN] * len(frame), index=frame.index)
    return frame[column].fillna(UNKNOWN)


# the whole of each share on the map: where it is 0, the share is "keine Zugänge" (no arrivals
# in the 4 weeks) or "niemand untergebracht", not "nicht gemeldet"
SHARE_WHOLES = {"entitled_share": "occupied", "ukraine_share_4w": "arrivals_4w"}


def share_gap(measure: str, whole: object, lang: str) -> str:
    """Why a share has no value: its whole is 0 (``summary.zero_whole.*``), else not reported."""
    if whole is not None and not pd.isna(whole) and float(whole) == 0:
        return t(f"summary.zero_whole.{measure.removesuffix('_4w')}", lang)
    return t("chart.not_reported", lang)


def map_value(measure: str, value: object, lang: str, row=None) -> str:
    """A map measure's value as the map writes it; for a share without a value, why (see
    :func:`share_gap`; ``row``: the district's row, for the share's whole)."""
    if measure in MAP_SHARES and (value is None or pd.isna(value)):
        whole = getattr(row, SHARE_WHOLES[measure], None) if row is not None else None
        return share_gap(measure, whole, lang)
    return measures.show(measure, value, lang)


LABELLED_DISTRICTS = 30  # up to this many, the map names each district on it; beyond, symbols only


def tile_map(frame: pd.DataFrame, measure: str, settings: Settings, lang: str = "de",
             land: str = "") -> go.Figure:
    """A tile-grid map: one square per district at (grid_row, grid_col), coloured by ``measure``
    (traffic light for the occupancy rate, a sequential scale otherwise), labelled with the name
    and value, hover with the figures. Needs no internet and no boundary file."""
    rows = int(frame.grid_row.max()) + 1
    cols = int(frame.grid_col.max()) + 1
    colours, (low, high) = _tile_colours(frame, measure)
    statuses = map_statuses(frame, measure)
    small_grid = len(frame) <= LABELLED_DISTRICTS
    # Traces and annotations are built as plain dicts and validated once: adding 400 tiles one
    # by one (add_trace, add_annotation) re-validates the whole figure each time (20 s).
    traces, annotations = [], []
    for row, colour, status in zip(frame.itertuples(index=False), colours, statuses):
        label = f"<b>{wrap_name(row.name)}</b><br>{map_value(measure, getattr(row, measure), lang, row)}"
        if status:
            label += f" {STATUS_SYMBOLS[status]}"
        x, y = float(row.grid_col), float(rows - 1 - row.grid_row)
        traces.append({
            "type": "scatter", "x": [x - 0.47, x + 0.47, x + 0.47, x - 0.47, x - 0.47],
            "y": [y - 0.47, y - 0.47, y + 0.47, y + 0.47, y - 0.47],
            "fill": "toself", "mode": "lines", "line": {"color": "#FFFFFF", "width": 2},
            "fillcolor": colour, "hoveron": "fills", "hoverinfo": "text", "text": _hover(row, lang),
            "showlegend": False, "name": safe(row.name)})
        annotations.append({"x": x, "y": y, "text": label, "showarrow": False,
                            # a Land of 100 districts has small tiles: smaller type, colour shows
                            "font": {"size": 12 if small_grid else 9, "color": "#000000"},
                            "bgcolor": f"rgba(255,255,255,{0.8 if small_grid else 0.6})"})
    fig = go.Figure(data=traces, layout={"annotations": annotations})
    _map_legend(fig, measure, low, high, lang, missing=bool(frame[measure].isna().any()))
    fig.update_xaxes(visible=False, range=[-0.6, cols - 0.4], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-0.6, rows - 0.4], fixedrange=True)
    title = t("chart.map", lang, land=land or t("chart.map_land", lang),
              measure=measures.label(measure, lang))
    return _layout(fig, title, lang, height=720)


def _tile_colours(frame: pd.DataFrame, measure: str) -> tuple[list[str], tuple[float, float]]:
    """Fill colour per row: traffic light for the occupancy and usable rates, cividis otherwise
    (grey where the value is missing)."""
    if measure in MAP_STATUS:
        return [STATUS_COLOURS[s] for s in map_statuses(frame, measure)], (0.0, 0.0)
    import plotly.colors as pc

    values = frame[measure].astype("float64")
    low, high = values.min(skipna=True), values.max(skipna=True)
    scale = pc.get_colorscale(SEQUENTIAL)
    colours = []
    for value in values:
        if pd.isna(value):
            colours.append(STATUS_COLOURS[UNKNOWN])
        else:
            position = 0.5 if high == low else (value - low) / (high - low)
            colours.append(pc.sample_colorscale(scale, [position])[0])
    return colours, (low, high)


def _hover(row, lang: str) -> str:
    """Hover text of one district (a row of :func:`reception.read.metrics.map_frame`, Series or
    tuple); the usable rate and the shares where the frame has them."""
    name = row["name"] if isinstance(row, pd.Series) else row.name
    usable = getattr(row, "usable_rate", None)
    # the traffic light reads the usable places (issue 14): its word goes with that line where
    # the frame has it, else with the occupancy rate (a frame of the first version)
    light = f" ({status_label(row.status, lang)})"
    lines = [
        f"<b>{safe(name)}</b> ({t('kind.' + row.kind, lang)})",
        f"{t('chart.occupancy_rate', lang)}: {fmt.percent(row.occupancy_rate, 1, lang)}"
        + ("" if usable is not None else light),
    ]
    if usable is not None:
        lines.append(f"{t('measure.usable_rate', lang)}: {fmt.percent(usable, 1, lang)}{light}")
    lines += [
        f"{t('chart.capacity', lang)}: {fmt.number(row.capacity, lang=lang)}",
        f"{t('chart.occupied', lang)}: {fmt.number(row.occupied, lang=lang)}",
        f"{t('chart.free_places', lang)}: {fmt.number(row.free_places, lang=lang)}",
    ]
    if getattr(row, "free_usable", None) is not None:
        lines.append(f"{t('measure.free_usable', lang)}: {fmt.number(row.free_usable, lang=lang)}")
    lines += [
        f"{t('measure.arrivals_4w_per_1000', lang)}: {fmt.number(row.arrivals_4w_per_1000, 2, lang)}",
        f"{t('measure.runway_weeks', lang)}: {fmt.weeks(row.runway_weeks, lang)}",
    ]
    for share in MAP_SHARES:
        if getattr(row, share, None) is not None:
            lines.append(f"{measures.label(share, lang)}: {map_value(share, getattr(row, share), lang, row)}")
    return "<br>".join(lines)


def boundary_map(frame: pd.DataFrame, outlines: dict, measure: str, lang: str = "de",
                 land: str = "", attribution: str = "") -> go.Figure:
    """A choropleth of real boundaries (``outlines``: ags -> float32 array of lon, lat with a NaN
    row between rings, see :func:`reception.reference.geo.outlines`), one filled polygon per
    district on plain axes: no map tiles, no internet. Colours as the tile map (the traffic light
    for the occupancy rate); hovering anywhere on a district shows its figures. Up to
    ``LABELLED_DISTRICTS`` districts carry their name, value and status symbol; on a larger map
    those at or near the limit do, the others their status symbol alone (the legend says what
    each means). ``attribution`` is written under
    the map."""
    colours, (low, high) = _tile_colours(frame, measure)
    statuses = map_statuses(frame, measure)
    labelled = len(frame) <= LABELLED_DISTRICTS
    # on a larger map, the districts at or near the limit still carry their name and value
    alerts = measure in MAP_STATUS and int(statuses.isin([WARN, LIMIT]).sum()) <= LABELLED_DISTRICTS
    traces, labels, marks = [], [], {"x": [], "y": [], "text": [], "size": []}
    lats: list[float] = []
    for row, colour, status in zip(frame.itertuples(index=False), colours, statuses):
        shape = outlines.get(row.ags)
        if shape is None or not len(shape):
            continue
        traces.append({"type": "scatter", "x": typed_array(shape[:, 0]),
                       "y": typed_array(shape[:, 1]), "fill": "toself",
                       "mode": "lines", "fillcolor": colour,
                       "line": {"color": "#FFFFFF", "width": 1.5 if labelled else 0.6},
                       "hoveron": "fills", "hoverinfo": "text", "text": _hover(row, lang),
                       "showlegend": False, "name": safe(row.name)})
        x, y = _label_point(row, shape)
        lats.append(y)
        symbol = f" {STATUS_SYMBOLS[status]}" if status else ""
        if labelled or (alerts and status in (WARN, LIMIT)):
            value = map_value(measure, getattr(row, measure), lang, row)
            labels.append((x, y, f"{wrap_name(row.name)}<br>{value}{symbol}"))
        elif symbol:  # the warnings stand out; the dot only says "reported, below the threshold"
            marks["x"].append(x)
            marks["y"].append(y)
            marks["text"].append(symbol.strip())
            marks["size"].append(9 if status == OK else 16)
    if marks["x"]:
        traces.append({"type": "scatter", "mode": "text", "x": marks["x"], "y": marks["y"],
                       "text": marks["text"], "hoverinfo": "skip", "showlegend": False,
                       "textfont": {"size": marks["size"], "color": "#000000"}})
    annotations = _spread_labels(labels, lats)
    if attribution:
        annotations.append({"xref": "paper", "yref": "paper", "x": 1, "y": 0, "xanchor": "right",
                            "yanchor": "top", "showarrow": False, "text": safe(attribution),
                            "font": {"size": 11, "color": "#444444"}})
    fig = go.Figure(data=traces, layout={"annotations": annotations})
    _map_legend(fig, measure, low, high, lang, missing=bool(frame[measure].isna().any()))
    ratio = 1 / math.cos(math.radians(sum(lats) / len(lats))) if lats else 1.0
    fig.update_xaxes(visible=False, fixedrange=True)
    fig.update_yaxes(visible=False, fixedrange=True, scaleanchor="x", scaleratio=ratio)
    title = t("chart.map_boundaries", lang, land=land or t("chart.map_land", lang),
              measure=measures.label(measure, lang))
    fig = _layout(fig, title, lang, height=720)
    fig.update_layout(margin={"b": 30})
    return fig


def _spread_labels(labels: list[tuple[float, float, str]], lats: list[float],
                   plot_px: float = 600) -> list[dict]:
    """Annotations for (x, y, text) labels; a label that would cover one placed before it moves
    up or down (a thin line points to its district), as a city's label inside the Landkreis
    around it would (Weimar in the Weimarer Land). Label sizes are estimated from their text
    (11 px font) and the map's scale (``plot_px`` pixels for the latitude span)."""
    if not labels:
        return []
    span = (max(lats) - min(lats)) or 1.0
    per_degree = plot_px / span  # pixels per degree latitude; longitude x cos(lat) (scaleanchor)
    squeeze = math.cos(math.radians(sum(lats) / len(lats)))
    placed: list[tuple[float, float, float, float]] = []  # centre and half sizes, in pixels
    annotations = []
    for x, y, text in labels:
        lines = text.split("<br>")
        half_w = max(len(html.unescape(re_tags(line))) for line in lines) * 3.3 + 3
        half_h = len(lines) * 7 + 2
        cx, cy = x * squeeze * per_degree, y * per_degree
        shift = 0.0
        for step in (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6):
            shift = step * 9.0
            if not any(abs(cx - px) < half_w + pw and abs(cy + shift - py) < half_h + ph
                       for px, py, pw, ph in placed):
                break
        placed.append((cx, cy + shift, half_w, half_h))
        note = {"x": x, "y": y, "text": text, "font": {"size": 11, "color": "#000000"},
                "bgcolor": "rgba(255,255,255,0.75)", "showarrow": bool(shift)}
        if shift:
            note |= {"ax": 0, "ay": -shift, "arrowhead": 0, "arrowwidth": 1, "arrowcolor": "#333333"}
        annotations.append(note)
    return annotations


def re_tags(text: str) -> str:
    """``text`` without its HTML tags (for measuring a label)."""
    import re

    return re.sub(r"<[^>]+>", "", text)


def typed_array(values: np.ndarray) -> dict:
    """plotly.js's binary array form (float32, base64), built once with the figure: sending and
    serialising it on every rerun then costs one string, not thousands of numbers (NaN = gap)."""
    data = np.ascontiguousarray(values, dtype="<f4")
    return {"dtype": "f4", "bdata": base64.b64encode(data.tobytes()).decode("ascii")}


def decode_array(spec: object) -> np.ndarray:
    """The values of :func:`typed_array` (or of a plain list) as float64."""
    if isinstance(spec, dict):
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f4").astype(float)
    return np.array([np.nan if v is None else v for v in spec], dtype=float)


def _label_point(row, shape: np.ndarray) -> tuple[float, float]:
    """Where a district's label goes: its reference point (inside its area), else the mean of
    its outline."""
    lat, lon = getattr(row, "lat", None), getattr(row, "lon", None)
    if lat is not None and lon is not None and not (pd.isna(lat) or pd.isna(lon)):
        return float(lon), float(lat)
    return float(np.nanmean(shape[:, 0])), float(np.nanmean(shape[:, 1]))


def _map_legend(fig: go.Figure, measure: str, low: float, high: float, lang: str,
                missing: bool = False) -> None:
    """The traffic light's four entries for the rates; else a colour bar (in percent for the
    shares) and, where some district has no value, a grey "nicht gemeldet" entry."""
    if measure in MAP_STATUS:
        for status in (OK, WARN, LIMIT, UNKNOWN):
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=status_label(status, lang),
                                     marker={"symbol": "square", "size": 14,
                                             "color": STATUS_COLOURS[status]}))
        return
    share = measure in MAP_SHARES
    factor = 100.0 if share else 1.0
    # the title runs up the bar's side: written across its top, a long name ("Anteil Ukraine
    # an Zugängen (4 Wochen)") took the width from the map and shrank it to a third
    bar = {"title": {"text": measures.label(measure, lang), "side": "right"}, "thickness": 16,
           "len": 0.8}
    if share:  # "12 %": German spacing, the layout's separators give the decimal comma
        bar |= {"ticksuffix": " %" if lang == "de" else "%", "tickformat": ",.0f"}
    if pd.isna(low) or pd.isna(high):
        low = high = 0.0
    fig.add_trace(go.Scatter(
        x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
        marker={"colorscale": SEQUENTIAL, "cmin": low * factor, "cmax": high * factor,
                "color": [low * factor], "colorbar": bar}))
    if missing:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=t("chart.not_reported", lang),
                                 marker={"symbol": "square", "size": 14, "color": STATUS_COLOURS[UNKNOWN]}))


def comparison(long: pd.DataFrame, measure: str, per_capita: bool, lang: str = "de",
               settings: Settings | None = None) -> go.Figure:
    """One line per district (``long``: week, name, value). The ratios of
    :data:`reception.read.measures.RATIOS` are drawn in percent (never per 1,000), the
    two rates with the warning and limit lines where ``settings`` are given; a week without a
    value (not reported, or no arrivals for the Ukraine share) is a gap in the line."""
    ratio = measures.is_ratio(measure)
    factor = 100 if ratio else 1
    hover = "%{y:.1f} %" if ratio and lang == "de" else "%{y:.1f}%" if ratio else "%{y:,.2f}"
    fig = go.Figure()
    for index, (name, part) in enumerate(long.groupby("name", sort=True)):
        fig.add_trace(go.Scatter(
            x=part.week, y=part.value * factor,
            mode="lines+markers", name=safe(name),
            line={"color": PALETTE[index % len(PALETTE)], "width": 2,
                  "dash": ["solid", "dash", "dot", "dashdot"][index // len(PALETTE) % 4]},
            marker={"symbol": ["circle", "square", "diamond", "triangle-up", "x", "cross", "star",
                               "hexagon"][index % 8]},
            hovertemplate=f"{safe(name)}: {hover}<extra></extra>"))
    if settings is not None and measure in ("occupancy_rate", "usable_rate"):
        _threshold_lines(fig, settings, lang)
    unit = "per_1000" if per_capita and not ratio else "absolute"
    fig.update_yaxes(title_text=t(f"axis.{measure}.{unit}", lang), rangemode="tozero")
    fig.update_xaxes(title_text=t("axis.week", lang))
    return _legend_below(_layout(fig, t("chart.comparison", lang, measure=measures.label(measure, lang)),
                                 lang), 500)


def reporting_heatmap(matrix: pd.DataFrame, lang: str = "de") -> go.Figure:
    """District x week: reported (light blue, ✓) or missing (orange, ✗), with symbols when it fits
    (black on both colours for contrast)."""
    weeks = [fmt.iso_week(w, lang) for w in matrix.columns]
    yes, no = t("reporting.yes", lang), t("reporting.no", lang)
    hover = [[f"{safe(name)}, {week}: {yes if v else no}" for week, v in zip(weeks, row)]
             for name, row in zip(matrix.index, matrix.values)]
    text = [["✓" if v else "✗" for v in row] for row in matrix.values]
    fig = go.Figure(go.Heatmap(
        z=matrix.values, x=weeks, y=[safe(n) for n in matrix.index], zmin=0, zmax=1,
        colorscale=[[0, PALETTE[1]], [0.5, PALETTE[1]], [0.5, PALETTE[4]], [1, PALETTE[4]]],
        showscale=False, xgap=1, ygap=1, hovertext=hover, hoverinfo="text",
        text=text if len(weeks) <= 30 else None,
        texttemplate="%{text}" if len(weeks) <= 30 else None, textfont={"color": "#000000"}))
    fig.update_xaxes(title_text=t("axis.week", lang), tickangle=-45)
    fig.update_yaxes(automargin=True)
    return _layout(fig, t("chart.reporting", lang), lang, height=max(320, 120 + 24 * len(matrix)))


# Timeliness (issue 24): colour and symbol per status, so that neither alone carries it; the
# colours are Okabe-Ito (colour-blind safe) and black symbols keep a 4.5:1 contrast on each.
TIMELINESS_STYLE = {2: ("#56B4E9", "✓"), 1: ("#F0E442", "◷"), 0: ("#E69F00", "✗")}
TIMELINESS_WORDS = {2: "timeliness.on_time", 1: "timeliness.late", 0: "timeliness.missing"}


def timeliness_heatmap(matrix: pd.DataFrame, lang: str = "de") -> go.Figure:
    """District x week (``timeliness.matrix``): on time (light blue, ✓), late (yellow, ◷),
    missing (orange, ✗); a week not yet due stays empty."""
    weeks = [fmt.iso_week(w, lang) for w in matrix.columns]
    words = {code: t(key, lang) for code, key in TIMELINESS_WORDS.items()}
    open_word = t("timeliness.open", lang)
    codes = [[None if pd.isna(v) else int(v) for v in row] for row in matrix.values]
    hover = [[f"{safe(name)}, {week}: {open_word if c is None else words[c]}"
              for week, c in zip(weeks, row)] for name, row in zip(matrix.index, codes)]
    symbols = len(weeks) <= 30
    text = [["" if c is None else TIMELINESS_STYLE[c][1] for c in row] for row in codes]
    colours = [TIMELINESS_STYLE[c][0] for c in (0, 1, 2)]
    scale = [[0, colours[0]], [1 / 3, colours[0]], [1 / 3, colours[1]], [2 / 3, colours[1]],
             [2 / 3, colours[2]], [1, colours[2]]]
    fig = go.Figure(go.Heatmap(
        z=matrix.values, x=weeks, y=[safe(n) for n in matrix.index], zmin=-0.5, zmax=2.5,
        colorscale=scale, showscale=False, xgap=1, ygap=1, hovertext=hover, hoverinfo="text",
        text=text if symbols else None, texttemplate="%{text}" if symbols else None,
        textfont={"color": "#000000"}))
    for code in (2, 1, 0):  # a legend: the heatmap itself has none for discrete values
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=f"{TIMELINESS_STYLE[code][1]} "
                                 f"{words[code]}", marker={"size": 12, "symbol": "square",
                                                           "color": TIMELINESS_STYLE[code][0]}))
    fig.update_xaxes(title_text=t("axis.week", lang), tickangle=-45)
    fig.update_yaxes(automargin=True)
    fig = _layout(fig, t("timeliness.chart", lang), lang, height=max(360, 160 + 24 * len(matrix)))
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0,
                              "xanchor": "left"})
    return fig


# ---------------------------------------------------------------- the Kreis page (issue 14)
# Emergency places in the warm colour that stands out: they should close first.
TYPE_COLOURS = {"gu": "#0072B2", "flat": "#009E73", "emergency": "#D55E00", "other": "#CC79A7",
                 "unknown": "#BBBBBB"}
USABLE_AREA_COLOUR = "#56B4E9"
UNUSABLE_AREA_COLOUR = "#E69F00"


def _stacked(fig: go.Figure, weeks: pd.Series, values: pd.Series, name: str, colour: str,
             labels: list[str]) -> None:
    """One layer of a stacked area (bars where there are fewer than three weeks: an area of one
    week is invisible)."""
    hover = f"{name} %{{customdata}}: %{{y:,.0f}}<extra></extra>"
    if len(weeks) < 3:
        trace = go.Bar(x=weeks, y=values, name=name, marker_color=colour, customdata=labels,
                       hovertemplate=hover)
    else:
        trace = go.Scatter(x=weeks, y=values, name=name, mode="lines", stackgroup="places",
                           line={"width": 0.5, "color": colour}, fillcolor=colour,
                           customdata=labels, hovertemplate=hover)
    fig.add_trace(trace)


def places_by_type(wide: pd.DataFrame, lang: str = "de") -> go.Figure:
    """Places per kind of accommodation and week, stacked (GU, flats, emergency, other, no type).
    ``wide``: :func:`reception.read.metrics.places_by_type`; groups without a place are left out."""
    fig = go.Figure()
    labels = _week_labels(wide.week, lang)
    for group in FACILITY_GROUPS:
        if group in wide and (wide[group] > 0).any():
            _stacked(fig, wide.week, wide[group], t(f"facility_group.{group}", lang),
                     TYPE_COLOURS[group], labels)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=t("axis.places", lang), rangemode="tozero", tickformat=",.0f")
    fig.update_xaxes(title_text=t("axis.week", lang))
    return _legend_below(_layout(fig, t("chart.places_by_type", lang), lang), 460)


def usable_places(frame: pd.DataFrame, lang: str = "de") -> go.Figure:
    """Usable and unusable places stacked (together: all places) and occupied as a line.
    ``frame``: :func:`reception.read.metrics.usable_places`."""
    fig = go.Figure()
    labels = _week_labels(frame.week, lang)
    _stacked(fig, frame.week, frame.capacity_usable, t("chart.capacity_usable", lang),
             USABLE_AREA_COLOUR, labels)
    _stacked(fig, frame.week, frame.capacity_unusable.fillna(0), t("chart.capacity_unusable", lang),
             UNUSABLE_AREA_COLOUR, labels)
    fig.add_trace(go.Scatter(x=frame.week, y=frame.occupied, name=t("chart.occupied", lang),
                             mode="lines", line={"color": CAPACITY_COLOUR, "width": 2.5, "dash": "dash"},
                             customdata=labels,
                             hovertemplate=t("chart.occupied", lang) + " %{customdata}: %{y:,.0f}"
                                           "<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=t("axis.places_persons", lang), rangemode="tozero", tickformat=",.0f")
    fig.update_xaxes(title_text=t("axis.week", lang))
    return _legend_below(_layout(fig, t("chart.usable_places", lang), lang), 460)


def entitled(frame: pd.DataFrame, lang: str = "de") -> go.Figure:
    """Residents entitled to move out (area, left axis) and their share of the occupied places
    (dotted line, right axis). ``frame``: :func:`reception.read.metrics.entitled`."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    labels = _week_labels(frame.week, lang)
    persons = t("chart.occupied_entitled", lang)
    fig.add_trace(go.Scatter(x=frame.week, y=frame.occupied_entitled, name=persons, mode="lines",
                             fill="tozeroy", line={"color": PALETTE[0], "width": 2.5},
                             fillcolor="rgba(0,114,178,0.25)", customdata=labels,
                             hovertemplate=persons + " %{customdata}: %{y:,.0f}<extra></extra>"),
                  secondary_y=False)
    share = t("chart.entitled_share", lang)
    fig.add_trace(go.Scatter(x=frame.week, y=frame.entitled_share * 100, name=share, mode="lines",
                             line={"color": PALETTE[5], "width": 2.5, "dash": "dot"}, customdata=labels,
                             hovertemplate=share + " %{customdata}: %{y:.1f} %<extra></extra>"),
                  secondary_y=True)
    fig.update_yaxes(title_text=t("axis.persons", lang), rangemode="tozero", tickformat=",.0f",
                     secondary_y=False)
    top = float(np.nanmax((frame.entitled_share * 100).to_numpy(), initial=0.0))
    fig.update_yaxes(title_text=t("axis.share_of_occupied", lang), range=[0, max(10.0, top * 1.15)],
                     showgrid=False, tickmode="auto", tickformat=".0f", secondary_y=True)
    fig.update_xaxes(title_text=t("axis.week", lang))
    return _legend_below(_layout(fig, t("chart.entitled", lang), lang), 440)
