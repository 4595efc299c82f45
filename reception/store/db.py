"""The store's one facade: every caller (ETL, pages, API, read path) goes through here, and this
is the one module that picks the back end.

* ``RECEPTION_DB`` a DuckDB file: :mod:`reception.store.local` (the file, its lock, the
  snapshot beside it).
* ``RECEPTION_DB`` a ``postgresql://`` URL: :mod:`reception.store.postgres` (the store of
  record there, this machine's mirror and snapshot of it).

What the names promise, whatever the back end:

* :func:`writer` -- a migrated read-write DuckDB connection whose changes are committed when
  the block ends (with PostgreSQL: by the store; the store's commit is the only commit point).
  :func:`publish_snapshot` and :func:`after_commit` inside the block take effect only once that
  commit has happened; a block that fails leaves neither a snapshot nor a confirmation.
* :func:`retried` -- an action (one write) tried again for ``store_retry_seconds`` while the
  store cannot be reached; then :class:`StoreUnavailable` (a :class:`DatabaseBusy`) with one
  German sentence.
* :func:`reader` -- a short read-only connection to the snapshot, brought up to the store first.
* :func:`main_reader` -- read-only access to the data of record (for ``etl loads``, the district
  matcher): never the write lock.
* :func:`refresh`, :func:`snapshot_ready`, :func:`stale_since` -- the snapshot follows the store;
  a reader never waits for a visitor to build it, and never fails because the store is away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from reception import config
from reception.store import local
from reception.store.local import (  # noqa: F401 (the facade's names for the DuckDB engine)
    LOCK_MARKERS,
    SNAPSHOT_TABLES,
    SNAPSHOT_VIEWS,
    UTC_NOW,
    DatabaseBusy,
    _current_rows_query,
    _identifier,
    applied_migrations,
    connect_with_retry,
    current_snapshot,
    is_lock_error,
    load_history,
    local_writer,
    migrate,
    migrations,
    reading_from,
    snapshot_version,
)

T = TypeVar("T")


class StoreUnavailable(DatabaseBusy):
    """The shared store could not be reached for ``store_retry_seconds``. ``file``: the
    report being loaded; ``unknown``: its commit was sent but never answered, so whether it
    is in the store could not be looked up."""

    def __init__(self, seconds: float, file: str | None = None, unknown: bool = False) -> None:
        self.seconds, self.file, self.unknown = seconds, file, unknown
        key = ("store.unavailable" if file is None else
               "store.unavailable_unknown" if unknown else "store.unavailable_not_loaded")
        super().__init__(key, store=config.store_label(), seconds=f"{seconds:.0f}", file=file or "")

    def about(self, file: str, unknown: bool) -> StoreUnavailable:
        """The same outage, said of the report ``file``."""
        return StoreUnavailable(self.seconds, file, unknown)


def _shared(path: Path | None = None) -> bool:
    """True where ``path`` (default: the configured one) is this machine's mirror of a
    PostgreSQL store."""
    return bool(config.store_url()) and (path is None or Path(path) == config.db_path())


def _postgres():
    from reception.store import postgres

    return postgres


def writer(path: Path | None = None, timeout: float | None = None,
           into: duckdb.DuckDBPyConnection | None = None
           ) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """A migrated read-write connection to the main database, closed on exit (module doc).

    ``into``: write from this (in-memory) connection, which gets the main database attached
    as its default catalog for the block (a validated report's rows go in without leaving
    DuckDB)."""
    if _shared(path):
        return _postgres().writer(timeout=timeout, into=into)
    return local.local_writer(path, timeout, into)


def publish_snapshot(con: duckdb.DuckDBPyConnection, target: Path | None = None,
                     published_at: datetime | None = None, historical: bool = False) -> Path:
    """Publish the read snapshot from ``con`` (:func:`reception.store.local.publish_snapshot`;
    ``published_at`` and ``historical`` for a view of the past, :mod:`reception.store.asof`).
    Inside a PostgreSQL write block: once the store has committed the block (never before)."""
    if config.store_url() and target is None and _postgres().in_write(con):
        _postgres().defer_publish()
        return config.snapshot_path()
    return local.publish_snapshot(con, target, published_at, historical)


def after_commit(callback: Callable[[], object]) -> None:
    """Run ``callback()`` once what the current write block wrote is committed (at once where
    it already is: DuckDB commits each transaction as it ends); never where it is not."""
    if not (config.store_url() and _postgres().after_commit(callback)):
        callback()


def retried(action: Callable[[], T]) -> T:
    """``action()`` (a whole write block), tried again while the store cannot be reached."""
    if not config.store_url():
        return action()
    postgres = _postgres()
    try:
        return postgres.retried(action)
    except postgres.StoreUnavailable as error:
        raise StoreUnavailable(error.seconds) from error.__cause__


def commit_outcome_unknown() -> bool:
    """True where the last write in this thread failed after its commit was sent: it may be in
    the store or not (look it up by what it wrote, e.g. the file's hash)."""
    return bool(config.store_url()) and _postgres().commit_outcome_unknown()


def refresh() -> bool:
    """Bring this machine's snapshot up to the store (PostgreSQL; nothing to do with DuckDB,
    where every write publishes). True where a new snapshot was published."""
    return bool(config.store_url()) and _postgres().refresh()


def snapshot_ready() -> bool:
    """True where a snapshot can be read now; with PostgreSQL one is built first where this
    machine has none (a new instance answers at once, without waiting for a visitor)."""
    refresh()
    return config.snapshot_path().exists()


def stale_since() -> datetime | None:
    """Since when (UTC) the snapshot could not be brought up to the store; None while it can."""
    return _postgres().stale_since() if config.store_url() else None


def is_new() -> bool:
    """True where the configured store was never initialised."""
    if config.store_url():
        return _postgres().is_new()
    return not config.db_path().exists()


@contextmanager
def reader(path: Path | None = None, as_of: datetime | str | None = None
           ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection to the snapshot (never the main file); with
    PostgreSQL the snapshot follows the store's data version first (cheap when unchanged).
    ``as_of`` (an ISO 8601 text or a UTC datetime): to the figures as they stood then
    (:func:`reception.store.asof.snapshot`)."""
    if as_of is not None:
        from reception.store import asof

        path = asof.snapshot(asof.parse(as_of) if isinstance(as_of, str) else as_of, path)
    path = Path(path or current_snapshot())
    if config.store_url() and path == config.snapshot_path():
        refresh()
    with local.reader(path) as con:
        yield con


@contextmanager
def main_reader(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only access to the data of record, for commands that only read (``etl loads``):
    the DuckDB file opened read-only, or with PostgreSQL the snapshot brought up to the store
    (:class:`StoreUnavailable` where it cannot be). A DuckDB file that does not exist yet is
    created (and migrated) first."""
    if _shared(path):
        postgres = _postgres()
        retried(lambda: postgres.refresh(max_age=0, strict=True))
        with local.reader(config.snapshot_path()) as con:
            yield con
        return
    path = Path(path or config.db_path())
    if not path.exists():
        with local.local_writer(path):
            pass
    con = local.connect_with_retry(path, read_only=True)
    try:
        yield con
    finally:
        con.close()
