"""Page views cached whole (issue 22): :mod:`reception.read.views` built once per data version,
filter and language, and shared by every session, so a viewer's run only renders it.

The key is the snapshot's version and path (:func:`reception.web.cache.version`, as every cached
query): a new load, a past snapshot or another derived snapshot is another key, never a stale
view. Figures inside are :class:`FrozenFigure`: plotly's ``to_dict`` deep-copies a figure every
time ``st.plotly_chart`` sends it (5–6 ms per chart and run); a frozen one makes its dict once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import plotly.graph_objects as go
import streamlit as st

from reception import config
from reception.read import planning, views
from reception.store import db
from reception.web.cache import NoSnapshot, data, from_weekly, version


class FrozenFigure(go.Figure):
    """A figure that is never modified after it is built: its dict is made once and shared."""

    def to_dict(self) -> dict:
        made = self.__dict__.get("_frozen_dict")
        if made is None:
            made = super().to_dict()
            object.__setattr__(self, "_frozen_dict", made)
        return made


def _frozen(chart: views.Chart) -> views.Chart:
    return replace(chart, figure=FrozenFigure(chart.figure))


@st.cache_resource(show_spinner=False, max_entries=32)
def _lage(current: str, path: str, since: date | None, kinds: tuple[str, ...], last_week: date,
          lang: str, settings: config.Settings) -> views.LageView:
    weekly = data.weekly(since=since, kinds=kinds)
    announcements = data.announcements(since=last_week)
    # the forecast sees the whole history (of the chosen kinds), not only the chosen range
    ahead = from_weekly(planning.foresight, settings.forecast_weeks, settings.net_intake_window_weeks,
                        settings.limit_rate, kinds=kinds, announced=True)
    view = views.lage(weekly, announcements, ahead, settings, lang, last_week)
    return replace(view, development=tuple(_frozen(c) for c in view.development),
                   forecast=_frozen(view.forecast), ranking=_frozen(view.ranking))


def lage(since: date | None, kinds: tuple[str, ...], last_week: date, lang: str) -> views.LageView:
    """The Lage view of the current snapshot for the chosen range and kinds, in ``lang``."""
    current = version()
    if current is None:
        raise NoSnapshot(str(db.current_snapshot()))
    return _lage(current, str(db.current_snapshot()), since, tuple(kinds), last_week, lang,
                 config.settings())
