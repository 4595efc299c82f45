"""Chart elements built once and sent many times (issue 22).

``st.plotly_chart`` turns its figure into JSON on every run (``plotly.io.to_json`` of the figure's
dict, a few ms per chart, on every run of every viewer). A figure of a cached view never changes
(:class:`reception.web.views.FrozenFigure`), so its element is made once and every run only
enqueues it:

    prebuilt.plotly_chart(column, figure, key="chart-land_wochen", alt="…", config={...})

sends exactly the element ``column.plotly_chart(figure, key=…, alt=…, config=…)`` would send with
its defaults (full width, the figure's height, Streamlit's theme, no selections): the same spec,
config, theme, accessible name, element id and layout (``tests/test_prebuilt.py`` compares the
two). A figure that is not frozen is turned into its element on each call, as Streamlit does.

This module copies the few lines of Streamlit 1.67's ``PlotlyMixin.plotly_chart`` that make the
element; an upgrade of Streamlit must keep that test green.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from streamlit.delta_generator import DeltaGenerator
from streamlit.elements.lib import agent_spec
from streamlit.elements.lib.form_utils import current_form_id
from streamlit.elements.lib.layout_utils import LayoutConfig
from streamlit.elements.lib.utils import compute_and_register_element_id, normalize_alt
from streamlit.elements.plotly_chart import _plotly_data, _resolve_content_height
from streamlit.proto.PlotlyChart_pb2 import PlotlyChart as PlotlyChartProto

THEME = "streamlit"
WIDTH = "stretch"  # st.plotly_chart's defaults
HEIGHT = "content"


@dataclass(frozen=True)
class ChartElement:
    """What a plotly chart element carries that does not depend on the run."""

    spec: str  # the figure as JSON
    config: str  # the plotly config as JSON
    alt: str | None  # the accessible name, normalised as Streamlit does
    height: int | str  # the resolved layout height


def build(figure: Any, alt: str | None, config: dict | None) -> ChartElement:
    """The element parts of ``figure`` (a plotly figure) with ``alt`` and ``config``."""
    import plotly.io

    as_dict = figure.to_dict()  # a go.Figure is valid by construction: no second validation
    return ChartElement(spec=plotly.io.to_json(as_dict, validate=False), config=json.dumps(config or {}),
                        alt=normalize_alt(alt), height=_resolve_content_height(HEIGHT, as_dict))


def element_of(figure: Any, alt: str | None, config: dict | None) -> ChartElement:
    """:func:`build`, made once per frozen figure, alt and config (kept on the figure)."""
    from reception.web.views import derived

    return derived(figure, ("element", alt, json.dumps(config or {}, sort_keys=True)),
                   lambda: build(figure, alt, config))


def plotly_chart(dg: DeltaGenerator, figure: Any, *, key: str, alt: str | None = None,
                 config: dict | None = None) -> None:
    """Show ``figure`` in ``dg`` as ``dg.plotly_chart(figure, key=key, alt=alt, config=config)``
    would, from its prebuilt element."""
    made = element_of(figure, alt, config)
    proto = PlotlyChartProto()
    proto.theme = THEME
    proto.form_id = current_form_id(dg)
    proto.spec = made.spec
    proto.config = made.config
    if made.alt is not None:
        proto.alt = made.alt
    # the id is computed (and registered: a duplicate key still fails) as Streamlit does; it
    # hashes the spec, a fraction of a millisecond
    proto.id = compute_and_register_element_id(
        "plotly_chart", user_key=key, key_as_main_identity=False, dg=dg, plotly_spec=made.spec,
        plotly_config=made.config, selection_mode=("points", "box", "lasso"),
        is_selection_activated=False, theme=THEME, width=WIDTH, height=HEIGHT, alt=made.alt)
    dg._enqueue("plotly_chart", proto, layout_config=LayoutConfig(width=WIDTH, height=made.height),
                agent_props=agent_spec.element("plotly_chart", key=key,
                                               data_builder=lambda: _plotly_data(made.spec),
                                               alt=made.alt or None))
