"""Configuration from the environment and the project's settings file.

Environment variables (see ../shared/CONTRACT.md): RECEPTION_DB, RECEPTION_INBOX.
Thresholds and other tunables live in ``data/settings.toml`` so that they can change without code.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DISTRICTS = DATA_DIR / "districts_thueringen.csv"
DEFAULT_DISTRIBUTION_KEY = DATA_DIR / "distribution_key_thueringen.csv"


def db_path() -> Path:
    """The shared DuckDB file (``RECEPTION_DB``, default ``data/reception.duckdb``); where
    ``RECEPTION_DB`` is a PostgreSQL URL, this machine's mirror of that store."""
    if store_url():
        return snapshot_dir() / "postgres-mirror.duckdb"
    return Path(os.environ.get("RECEPTION_DB", str(DATA_DIR / "reception.duckdb")))


def store_url() -> str | None:
    """``RECEPTION_DB`` where it is a PostgreSQL URL (the shared store), else None."""
    value = os.environ.get("RECEPTION_DB", "")
    return value if value.startswith(("postgresql://", "postgres://")) else None


def store_label() -> str:
    """The store as messages name it: the DuckDB file, or the PostgreSQL URL without password."""
    url = store_url()
    if url is None:
        return str(db_path())
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def snapshot_dir() -> Path:
    """With a PostgreSQL store: the local folder of this machine's mirror and read snapshot
    (``RECEPTION_SNAPSHOT_DIR``, default ``data/``)."""
    return Path(os.environ.get("RECEPTION_SNAPSHOT_DIR", str(DATA_DIR)))


def inbox_path() -> Path:
    """Where the weekly run picks up reports (``RECEPTION_INBOX``, default ``data/inbox``)."""
    return Path(os.environ.get("RECEPTION_INBOX", str(DATA_DIR / "inbox")))


def snapshot_path() -> Path:
    """The read-only copy the app reads; published by every write (see ``reception.snapshot``)."""
    db = db_path()
    return db.with_name(db.name + ".snapshot")


@dataclass(frozen=True)
class Settings:
    warn_rate: float
    limit_rate: float
    runway_horizon_weeks: int
    net_intake_window_weeks: int
    forecast_weeks: int
    state_minimum_places: int
    lock_timeout_seconds: float


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Thresholds and tunables from ``data/settings.toml`` (``RECEPTION_SETTINGS`` overrides)."""
    path = Path(os.environ.get("RECEPTION_SETTINGS", str(DATA_DIR / "settings.toml")))
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return Settings(
        warn_rate=float(raw["thresholds"]["warn_rate"]),
        limit_rate=float(raw["thresholds"]["limit_rate"]),
        runway_horizon_weeks=int(raw["early_warning"]["runway_horizon_weeks"]),
        net_intake_window_weeks=int(raw["early_warning"]["net_intake_window_weeks"]),
        forecast_weeks=int(raw["forecast"]["weeks"]),
        state_minimum_places=int(raw["state"]["minimum_places"]),
        lock_timeout_seconds=float(raw["database"]["lock_timeout_seconds"]),
    )
