"""The one backoff loop of the store: an action tried again, with bounded exponential backoff,
while it fails in a way that passes (another process holds DuckDB's lock; PostgreSQL restarts).

What counts as passing, how long to wait and what to raise at the end differ by store and are
the caller's (:func:`reception.store.local.connect_with_retry`,
:func:`reception.store.postgres.retried`); the loop is here once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def with_backoff(action: Callable[[], T], *, seconds: float,
                 passing: Callable[[Exception], bool],
                 giving_up: Callable[[Exception], Exception],
                 first_delay: float, max_delay: float,
                 on_retry: Callable[[Exception], object] | None = None) -> T:
    """``action()``; where it raises an error for which ``passing(error)`` is true, it is tried
    again after ``first_delay`` s, doubling up to ``max_delay``, for at most ``seconds`` in all,
    and then ``giving_up(error)`` is raised from the last error. Any other error propagates at
    once. Each wait is jittered (0,5 to 1,5 times the delay), so that several processes (or
    hosts) waiting for the same lock or the same restarted server do not retry in step.
    ``on_retry(error)``: called before each wait (e.g. to log it)."""
    deadline = time.monotonic() + seconds
    delay = first_delay
    while True:
        try:
            return action()
        except Exception as error:
            if not passing(error):
                raise
            if time.monotonic() + delay > deadline:
                raise giving_up(error) from error
            if on_retry is not None:
                on_retry(error)
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, max_delay)
