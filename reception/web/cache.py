"""The app's door to :mod:`reception.read.queries`: the same functions, cached per snapshot version.

    from reception.web.cache import data
    frame = data.weekly(since=..., kinds=("Landkreis",))

Answers are cached with ``st.cache_data`` under the snapshot's identity
(:func:`reception.store.db.snapshot_version`: inode, mtime, size) and its path, not a time-to-live:
when a load publishes a new snapshot, the next interaction reads it. Without a snapshot every
function raises :class:`NoSnapshot`; pages check :func:`available` first.
"""

from __future__ import annotations

import copy
import functools
import importlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import streamlit as st

from reception import config
from reception.read import queries
from reception.store import asof, db


class NoSnapshot(LookupError):
    """No snapshot has been published yet (the database was never initialised)."""


def shared(max_entries: int) -> Callable[[Callable], Callable]:
    """``st.cache_resource(max_entries=...)`` for a function whose positional arguments are all
    hashable values (strings, dates, tuples of them, the frozen :class:`reception.config.Settings`):
    one value per argument tuple, shared by every session, built once (callers of the same key
    wait for the first), the least recently used dropped beyond ``max_entries``. The key is the
    argument tuple itself, found in a dict: ``st.cache_resource`` hashes every argument anew on
    each call (its hasher walks the settings field by field), about a millisecond of every run
    of a page that only looks its view up (issue 22)."""
    def decorate(function: Callable) -> Callable:
        entries: OrderedDict[tuple, Any] = OrderedDict()
        building: dict[tuple, threading.Lock] = {}
        lock = threading.Lock()

        @functools.wraps(function)
        def cached(*args: Any) -> Any:
            with lock:
                if args in entries:
                    entries.move_to_end(args)
                    return entries[args]
                key_lock = building.setdefault(args, threading.Lock())
            with key_lock:
                with lock:
                    if args in entries:
                        return entries[args]
                try:
                    value = function(*args)
                finally:
                    with lock:
                        building.pop(args, None)
                with lock:
                    entries[args] = value
                    while len(entries) > max_entries:
                        entries.popitem(last=False)
                return value

        cached.clear = entries.clear  # type: ignore[attr-defined]
        return cached
    return decorate


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(name: str, version: str, path: str, args: tuple, kwargs: tuple) -> Any:
    with db.reading_from(Path(path)):
        return getattr(queries, name)(*args, **dict(kwargs))


def version() -> str | None:
    """The version of the snapshot the session reads: the app's, or in a view of the past
    (``reception.store.asof.viewing``) that of the past, whose version is its own."""
    db.refresh()  # a shared PostgreSQL store: a new load there -> a new snapshot here
    return db.snapshot_version(db.current_snapshot())


def available() -> bool:
    """True when a snapshot exists to read."""
    return version() is not None


# Small answers every run asks for (sidebar bounds, "Stand", the Land's name): shared as they
# are, a copy of a dict or tuple, without ``st.cache_data``'s hashing and unpickling per call.
SMALL_ANSWERS = frozenset({"week_bounds", "snapshot_meta", "reference_meta"})


@shared(max_entries=16)
def _small(name: str, version: str, path: str) -> Any:
    with db.reading_from(Path(path)):
        return getattr(queries, name)()


class _Data:
    def __getattr__(self, name: str):
        function = getattr(queries, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            current = version()
            if current is None:
                raise NoSnapshot(str(db.current_snapshot()))
            if name in SMALL_ANSWERS and not args and not kwargs:
                return copy.copy(_small(name, current, str(db.current_snapshot())))
            return _cached(function.__name__, current, str(db.current_snapshot()), args,
                           tuple(sorted(kwargs.items())))

        return call


data = _Data()


@st.cache_resource(show_spinner=False, max_entries=8)
def _outlines(path: str, mtime_ns: int, ags: tuple[str, ...]) -> dict:
    """Read once per file version and district list, thinned for drawing (shared, read-only)."""
    from reception.reference import geo

    key = f"{path}:{mtime_ns}:{hash(ags)}"
    return geo.outlines(geo.load_boundaries(Path(path)), list(ags), key=key)


@dataclass(frozen=True)
class Boundaries:
    """What the map draws: ``outlines`` (:class:`reception.reference.geo.Outlines`), whether they
    come from the shipped file, and the reason when the configured file could not be used."""

    outlines: dict | None
    shipped: bool
    problem: str | None = None

    @property
    def attribution(self) -> str:
        """What the map must credit: the BKG for the shipped file; a user's file: nothing known."""
        from reception.reference.geo import ATTRIBUTION

        return ATTRIBUTION if self.shipped else ""


def boundaries(ags: tuple[str, ...]) -> Boundaries:
    """The outlines of the districts ``ags``: from ``RECEPTION_GEOJSON`` when it is set and
    present, else from the shipped file; ``outlines`` None (and a ``problem``) when the file
    cannot be read or names none of them."""
    from reception.reference import geo

    path, shipped = geo.boundary_file()
    if path is None:
        return Boundaries(None, shipped)
    try:
        shapes = _outlines(str(path), path.stat().st_mtime_ns, tuple(ags))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        return Boundaries(None, shipped, f"{type(error).__name__}: {error}")
    return Boundaries(shapes, shipped) if shapes else Boundaries(None, shipped, "no district keys")


# Figures derived from the whole ``weekly`` frame (forecasts of every district): keyed on the
# snapshot version and the small arguments, not on the frame's content, so a warm page pays
# neither the forecast nor hashing 100,000 rows (about 30 ms a time at national scale).

@st.cache_data(show_spinner=False, max_entries=32)
def _from_weekly(module: str, name: str, version: str, path: str, kinds: tuple | None,
                 ags: tuple | None, announced: bool, args: tuple) -> Any:
    frame = queries.weekly(kinds=kinds, ags=ags, path=Path(path))
    function = getattr(importlib.import_module(module), name)
    if announced:
        return function(frame, *args, announced=queries.announcements(path=Path(path)))
    return function(frame, *args)


def from_weekly(function, /, *args: Any, kinds: tuple | None = None, ags: tuple | None = None,
                announced: bool = False) -> Any:
    """``function(weekly, *args)`` with ``weekly`` = ``queries.weekly(kinds=..., ags=...)`` of the
    current snapshot, cached per snapshot version; ``announced=True`` also passes the announced
    allocations in force (``function(weekly, *args, announced=queries.announcements())``)."""
    current = version()
    if current is None:
        raise NoSnapshot(str(db.current_snapshot()))
    return _from_weekly(function.__module__, function.__name__, current, str(db.current_snapshot()),
                        tuple(kinds) if kinds else None, tuple(ags) if ags else None, announced, args)


_BRIEFINGS: OrderedDict[tuple[str, str, date], bytes] = OrderedDict()
_BRIEFINGS_LOCK = threading.Lock()


def briefing_pdf(week: date | None = None) -> tuple[bytes, date]:
    """The Lagebericht of ``week`` (None: the latest reported week) and the week's Monday, made
    once per snapshot version (a few seconds: Chromium draws the charts) and shared by the Lage
    page's download button and ``/api/v1/briefing.pdf``. A plain lock-guarded cache rather than
    ``st.cache_data``: the API calls it outside any session. :class:`briefing.NoData` when the
    week was not reported."""
    from reception.read import briefing

    monday = briefing.resolve_week(week)
    version()  # with PostgreSQL: this machine's copy follows the store first
    path = db.current_snapshot()  # a past one within asof.viewing (API as_of=T)
    key = (str(path), db.snapshot_version(path) or "", monday)
    with _BRIEFINGS_LOCK:
        if key not in _BRIEFINGS:
            _BRIEFINGS[key] = briefing.render(monday)
            while len(_BRIEFINGS) > 8:
                _BRIEFINGS.popitem(last=False)
        _BRIEFINGS.move_to_end(key)
        return _BRIEFINGS[key], monday


def briefing_download(week: date | None) -> Callable[[], bytes]:
    """For a download button: a function making :func:`briefing_pdf` of ``week`` from the
    snapshot read now (a past one in a view of the past), wherever and whenever it is called
    (Streamlit calls it outside the page's run, when the button is clicked)."""
    source = db.current_snapshot()

    def make() -> bytes:
        with db.reading_from(source):
            return briefing_pdf(week)[0]
    return make


@st.cache_data(show_spinner=False, max_entries=16)
def _changes(before: str, after: str, version: str | None, since: datetime,
             until: datetime | None) -> Any:
    from reception.read import changes

    return changes.between(Path(before), Path(after), since, until)


def changes_between(since: datetime, until: datetime | None) -> Any:
    """Per district-week the figures that changed from ``since`` to ``until`` (naive UTC; None:
    now), with the loads that changed them (:func:`reception.read.changes.between`); cached per
    pair of states."""
    if until is None:
        version()  # (with a PostgreSQL store: brought up to the store first)
        after = config.snapshot_path()
    else:
        after = asof.past(until).path
    before = asof.past(since).path
    return _changes(str(before), str(after), db.snapshot_version(after), since, until)
