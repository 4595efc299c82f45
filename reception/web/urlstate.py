"""A page's choices in its link (``?einheit=16051&wochen=12``): read back with a fallback for
anything missing or hand-edited wrong, so a shared link reproduces the page and a broken one
never breaks it."""

from __future__ import annotations

import streamlit as st


def text(name: str, default: str) -> str:
    """The link's ``name``, or ``default`` where it is missing or empty."""
    value = st.query_params.get(name)
    return value if value else default


def number(name: str, default: float, low: float, high: float) -> float:
    """The link's ``name`` as a number within [low, high]; ``default`` where it is no number."""
    try:
        value = float(text(name, str(default)))
    except ValueError:
        return default
    return min(max(value, low), high)


def choice(name: str, default: str, allowed) -> str:
    """The link's ``name`` if it is one of ``allowed``, else ``default``."""
    value = text(name, default)
    return value if value in allowed else default


def keep(**values: str) -> None:
    """Write the page's choices into its link."""
    st.query_params.update(values)
