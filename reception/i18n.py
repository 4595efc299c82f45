"""German-first texts with an English switch.

Texts live in ``reception/locales/*.toml``, one table per key with ``de`` and ``en``:

    [problem.negative]
    de = '"{value}" ist negativ'
    en = '"{value}" is negative'

A key lives in the file of its namespace, the key's first dotted segment (``problem.negative``
in ``problem.toml``, ``lage.title`` in ``lage.toml``), so a page's or a module's texts are in one
file; keys are unique across files. ``python -m reception.locale_files`` moves keys written
anywhere else into their file (``tests/test_locales.py`` checks). A missing English text falls back
to German, a missing key shows the key.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from importlib import resources

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"


def _flatten(table: dict, prefix: str = "") -> dict[str, dict[str, str]]:
    flat: dict[str, dict[str, str]] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and "de" in value and isinstance(value["de"], str):
            flat[name] = value
        elif isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
    return flat


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    texts: dict[str, dict[str, str]] = {}
    for entry in sorted((resources.files("reception") / "locales").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            texts.update(_flatten(tomllib.loads(entry.read_text(encoding="utf-8"))))
    return texts


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The text for ``key`` in ``lang``, with ``{params}`` filled in."""
    entry = catalogue().get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry["de"]
    return template.format(**params) if params else template


def language_from_env(explicit: str | None = None) -> str:
    """``explicit`` if given, else English where ``LANG`` starts with ``en``, else German."""
    if explicit in LANGUAGES:
        return explicit
    return "en" if os.environ.get("LANG", "").lower().startswith("en") else DEFAULT_LANGUAGE
