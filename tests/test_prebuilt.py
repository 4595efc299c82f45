"""Prebuilt chart elements (reception.web.prebuilt, issue 22): what a run sends for a chart is
exactly what ``st.plotly_chart`` would send, made once per frozen figure, and new with new data."""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from reception.web import prebuilt
from reception.web.views import FrozenFigure
from tests import dashboard_data

ROOT = Path(__file__).resolve().parent.parent
CONFIG = {"displaylogo": False}
ALT = "Zugänge und Plätze. Kurz gesagt: mehr Zugänge als Plätze."


def _figure() -> go.Figure:
    weeks = [f"2024-W{w}" for w in range(40, 48)]
    return go.Figure([go.Bar(x=weeks, y=[3, 5, 8, 13, 21, 34, 55, 89], name="Zugänge"),
                      go.Scatter(x=weeks, y=[50] * 8, name="Plätze")],
                     layout={"title": {"text": "Zugänge<br><sup>je Woche</sup>"}, "height": 380})


def _chart_script(mode: str, frozen: bool) -> None:
    """An app with one chart in a column, sent by Streamlit or prebuilt."""
    import streamlit as st

    from reception.web import prebuilt
    from tests.test_prebuilt import ALT, CONFIG, _figure

    figure = _figure()
    if frozen:
        from reception.web.views import FrozenFigure

        figure = FrozenFigure(figure)
    column, _ = st.columns((3, 1))
    if mode == "streamlit":
        column.plotly_chart(figure, key="chart-test", config=CONFIG, alt=ALT)
    else:
        prebuilt.plotly_chart(column, figure, key="chart-test", config=CONFIG, alt=ALT)


def _sent(mode: str, frozen: bool, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Every element the script enqueues: (type, proto bytes, layout config)."""
    sent: list[tuple] = []
    original = DeltaGenerator._enqueue

    def recording(self, delta_type, element_proto, layout_config=None, **kwargs):
        sent.append((delta_type, element_proto.SerializeToString(deterministic=True), layout_config))
        return original(self, delta_type, element_proto, layout_config=layout_config, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "_enqueue", recording)
    at = AppTest.from_function(_chart_script, args=(mode, frozen), default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    monkeypatch.undo()
    return [entry for entry in sent if entry[0] == "plotly_chart"]


@pytest.mark.parametrize("frozen", [True, False], ids=["frozen", "plain"])
def test_prebuilt_chart_sends_what_plotly_chart_sends(frozen, monkeypatch):
    by_streamlit = _sent("streamlit", frozen, monkeypatch)
    by_prebuilt = _sent("prebuilt", frozen, monkeypatch)
    assert len(by_streamlit) == 1
    # spec, config, theme, alt, element id (with its key) and layout: byte for byte the same
    assert by_prebuilt == by_streamlit
    from streamlit.proto.PlotlyChart_pb2 import PlotlyChart

    proto = PlotlyChart.FromString(by_prebuilt[0][1])
    assert proto.alt == ALT and proto.id.endswith("-chart-test") and "2024-W47" in proto.spec
    assert by_prebuilt[0][2].height == 380


def test_a_frozen_figure_is_built_once_a_plain_one_each_time():
    frozen = FrozenFigure(_figure())
    first = prebuilt.element_of(frozen, ALT, CONFIG)
    assert prebuilt.element_of(frozen, ALT, CONFIG) is first
    assert prebuilt.element_of(frozen, "anders", CONFIG) is not first  # the alt is part of it
    plain = _figure()
    assert prebuilt.element_of(plain, ALT, CONFIG) is not prebuilt.element_of(plain, ALT, CONFIG)
    again = prebuilt.element_of(plain, ALT, CONFIG)  # the same figure, the same element
    assert json.loads(again.spec) == json.loads(first.spec)
    assert (again.config, again.alt, again.height) == (first.config, first.alt, first.height)


@pytest.mark.slow
def test_a_new_data_version_sends_a_new_chart(tmp_path, monkeypatch):
    path = dashboard_data.build(tmp_path / "reception.duckdb")
    monkeypatch.setenv("RECEPTION_DB", str(path))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]

    def spec() -> str:
        return next(c for c in at.get("plotly_chart") if c.key == "chart-land_wochen").proto.spec

    before = spec()
    at.run()  # a rerun without new data: the same element
    assert spec() == before
    dashboard_data.add_jena_places(path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert spec() != before  # places 170 -> 1.170 in the last week
