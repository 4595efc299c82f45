"""The views' and the small answers' process-wide cache (reception.web.cache.shared, issue 22):
one build per argument tuple, shared by sessions and threads, bounded, and a copy of a small
answer per caller (a page that changes its dict never changes another viewer's)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from reception.web import cache
from tests import dashboard_data


def test_one_build_per_arguments_and_the_least_recently_used_dropped() -> None:
    builds: list[tuple] = []

    @cache.shared(max_entries=2)
    def view(*args):
        builds.append(args)
        return list(args)

    first = view("v1", "de")
    assert view("v1", "de") is first, "the same arguments: the same value, not built again"
    view("v1", "en")
    view("v1", "de")  # used again: now the most recent
    view("v2", "de")  # the third key drops the least recently used ("v1", "en")
    assert view("v1", "de") is first
    view("v1", "en")
    assert builds == [("v1", "de"), ("v1", "en"), ("v2", "de"), ("v1", "en")]


def test_sessions_asking_at_once_share_one_build() -> None:
    builds: list[str] = []
    started = threading.Event()

    @cache.shared(max_entries=4)
    def slow(key):
        builds.append(key)
        started.set()
        time.sleep(0.2)  # long enough for the other callers to arrive while it builds
        return object()

    found: list[object] = []
    callers = [threading.Thread(target=lambda: found.append(slow("lage"))) for _ in range(5)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert builds == ["lage"]
    assert len({id(value) for value in found}) == 1


def test_a_failed_build_is_not_kept() -> None:
    calls: list[int] = []

    @cache.shared(max_entries=4)
    def flaky(key):
        calls.append(key)
        if len(calls) == 1:
            raise OSError("store away")
        return key

    with pytest.raises(OSError):
        flaky(1)
    assert flaky(1) == 1 and calls == [1, 1]


def test_small_answers_are_copies_of_the_snapshot_they_come_from(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = dashboard_data.build(tmp_path / "small.duckdb")
    monkeypatch.setenv("RECEPTION_DB", str(path))
    meta = cache.data.snapshot_meta()
    assert meta["published_at"] is not None
    meta["has_demo"] = "changed by a page"
    assert cache.data.snapshot_meta()["has_demo"] != "changed by a page"
    assert cache.data.week_bounds()[1] is not None


def test_a_frozen_charts_accessible_name_is_made_once_and_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    import plotly.graph_objects as go

    from reception.web import ui
    from reception.web.views import FrozenFigure

    figure = go.Figure(go.Bar(x=[1, 2], y=[3, 4]),
                       layout={"title": {"text": "Zugänge<br><sup>je Woche</sup>"}})
    expected = ui.chart_name(figure, "mehr Zugänge als Plätze.")
    assert expected == "Zugänge  je Woche. mehr Zugänge als Plätze."
    frozen = FrozenFigure(figure)
    made: list[str] = []
    original = ui._chart_name
    monkeypatch.setattr(ui, "_chart_name",
                        lambda fig, summary: made.append(summary) or original(fig, summary))
    assert ui.chart_name(frozen, "mehr Zugänge als Plätze.") == expected
    assert ui.chart_name(frozen, "mehr Zugänge als Plätze.") == expected
    assert ui.chart_name(frozen, "weniger.") == "Zugänge  je Woche. weniger."
    assert made == ["mehr Zugänge als Plätze.", "weniger."]
