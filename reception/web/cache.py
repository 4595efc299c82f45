"""The app's door to :mod:`reception.read.queries`: the same functions, cached per snapshot version.

    from reception.web.cache import data
    frame = data.weekly(since=..., kinds=("Landkreis",))

Answers are cached with ``st.cache_data`` under the snapshot's identity
(:func:`reception.store.db.snapshot_version`: inode, mtime, size) and its path, not a time-to-live:
when a load publishes a new snapshot, the next interaction reads it. Without a snapshot every
function raises :class:`NoSnapshot`; pages check :func:`available` first.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import streamlit as st

from reception import config
from reception.read import queries
from reception.store import db


class NoSnapshot(LookupError):
    """No snapshot has been published yet (the database was never initialised)."""


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(name: str, version: str, path: str, args: tuple, kwargs: tuple) -> Any:
    return getattr(queries, name)(*args, **dict(kwargs))


def version() -> str | None:
    return db.snapshot_version(config.snapshot_path())


def available() -> bool:
    """True when a snapshot exists to read."""
    return version() is not None


class _Data:
    def __getattr__(self, name: str):
        function = getattr(queries, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            current = version()
            if current is None:
                raise NoSnapshot(str(config.snapshot_path()))
            return _cached(function.__name__, current, str(config.snapshot_path()), args,
                           tuple(sorted(kwargs.items())))

        return call


data = _Data()


# Derived figures and frames. The pure functions of ``metrics``, ``present`` and ``charts`` cost
# more than the cached queries at national scale (plotly validates every figure it builds; the
# tile map has 400 traces); their answers depend on their arguments alone, so they are cached on
# those (Streamlit hashes DataFrames by content: a few ms for 10,000 rows). Frames are copied out
# of the cache (``cache_data``); figures are shared (``cache_resource``) and never modified after
# they are built.

@st.cache_data(show_spinner=False, max_entries=128)
def _derived(module: str, name: str, args: tuple, kwargs: tuple) -> Any:
    return getattr(importlib.import_module(module), name)(*args, **dict(kwargs))


@st.cache_resource(show_spinner=False, max_entries=48)
def _figure(module: str, name: str, args: tuple, kwargs: tuple) -> Any:
    return getattr(importlib.import_module(module), name)(*args, **dict(kwargs))


def derived(function, /, *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` for a pure function (metrics, present), cached on its arguments."""
    return _derived(function.__module__, function.__name__, args, tuple(sorted(kwargs.items())))


def figure(function, /, *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` for a figure builder of :mod:`reception.read.charts`, cached on its
    arguments; the figure is shared between sessions: do not modify it."""
    return _figure(function.__module__, function.__name__, args, tuple(sorted(kwargs.items())))


@st.cache_data(show_spinner=False, max_entries=4)
def _boundaries(path: str, mtime_ns: int) -> dict:
    from reception.reference import geo

    return geo.load_boundaries(Path(path))


def boundaries() -> tuple[dict | None, str | None]:
    """(ags -> rings, None) from the configured GeoJSON (``RECEPTION_GEOJSON``); (None, None) when
    none is configured; (None, reason) when the file cannot be read."""
    from reception.reference import geo

    path = geo.configured_path()
    if path is None:
        return None, None
    try:
        shapes = _boundaries(str(path), path.stat().st_mtime_ns)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        return None, f"{type(error).__name__}: {error}"
    return (shapes, None) if shapes else (None, "no features with a district key")


# Figures derived from the whole ``weekly`` frame (forecasts of every district): keyed on the
# snapshot version and the small arguments, not on the frame's content, so a warm page pays
# neither the forecast nor hashing 100,000 rows (about 30 ms a time at national scale).

@st.cache_data(show_spinner=False, max_entries=32)
def _from_weekly(module: str, name: str, version: str, path: str, kinds: tuple | None,
                 ags: tuple | None, args: tuple) -> Any:
    frame = queries.weekly(kinds=kinds, ags=ags, path=Path(path))
    return getattr(importlib.import_module(module), name)(frame, *args)


def from_weekly(function, /, *args: Any, kinds: tuple | None = None, ags: tuple | None = None) -> Any:
    """``function(weekly, *args)`` with ``weekly`` = ``queries.weekly(kinds=..., ags=...)`` of the
    current snapshot, cached per snapshot version."""
    current = version()
    if current is None:
        raise NoSnapshot(str(config.snapshot_path()))
    return _from_weekly(function.__module__, function.__name__, current, str(config.snapshot_path()),
                        tuple(kinds) if kinds else None, tuple(ags) if ags else None, args)
