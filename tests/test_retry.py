"""The store's one backoff loop (``reception.store.retry``), which both the DuckDB lock wait
and the PostgreSQL outage retry use: the waits are recorded, not slept."""

from __future__ import annotations

import pytest

from reception.store import retry


class Passing(Exception):
    pass


class GaveUp(Exception):
    pass


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(retry.time, "sleep", slept.append)
    return slept


def failing(times: int, error: type[Exception] = Passing):
    calls = []

    def action() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error("not yet")
        return "done"
    return action, calls


def backoff(action, seconds: float = 60, **kwargs):
    return retry.with_backoff(action, seconds=seconds, first_delay=0.25, max_delay=1.0,
                              passing=lambda error: isinstance(error, Passing),
                              giving_up=lambda error: GaveUp("gave up"), **kwargs)


def test_a_passing_error_is_tried_again_with_doubling_capped_jittered_waits(waits):
    action, calls = failing(5)
    seen = []
    assert backoff(action, on_retry=seen.append) == "done"
    assert len(calls) == 6 and len(seen) == 5 and all(isinstance(e, Passing) for e in seen)
    for wait, delay in zip(waits, [0.25, 0.5, 1.0, 1.0, 1.0], strict=True):
        assert 0.5 * delay <= wait <= 1.5 * delay


def test_another_error_propagates_at_once(waits):
    action, calls = failing(1, ValueError)
    with pytest.raises(ValueError):
        backoff(action)
    assert len(calls) == 1 and waits == []


def test_after_the_time_the_callers_error_is_raised_from_the_last_one(waits):
    action, calls = failing(100)
    with pytest.raises(GaveUp) as raised:
        backoff(action, seconds=0.1)
    assert isinstance(raised.value.__cause__, Passing) and len(calls) == 1 and waits == []
