"""The embedded DuckDB store: connections, lock handling, migrations and the read snapshot.

Everything here works on DuckDB files alone; which store is in use (this file, or PostgreSQL
with a local mirror) is decided in :mod:`reception.store.db`, the store's one facade.

DuckDB admits one process with the file open for writing, and refuses a writer while any other
process has the file open at all, even read-only. The design (README, "Architektur"):

* every write (ETL, upload page, init) goes through :func:`writer`, which waits for another
  writer's lock with bounded exponential backoff and then fails with :class:`DatabaseBusy`;
* the app never opens the main file. After each write the writer publishes a snapshot
  (:func:`publish_snapshot`): a byte copy of the checkpointed main file whose views are replaced
  by the read model, written beside the main file and moved into place with an atomic
  ``os.replace``. Readers open the snapshot
  read-only for the length of one query; a reader that still has the old snapshot open keeps
  reading the old inode, so readers and the writer never wait on each other.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb

from reception import config
from reception.i18n import t
from reception.store import retry

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

T = TypeVar("T")
# Every timestamp the store writes is UTC whatever the server's zone (CONTRACT.md, "As of");
# ``now()`` is the transaction's start, so one load's stamps agree.
UTC_NOW = "CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP)"
LOCK_MARKERS = ("could not set lock", "conflicting lock", "lock on file")


class DatabaseBusy(RuntimeError):
    """Another process held the database longer than the configured wait. ``key`` and
    ``params`` name its sentence (``store.*``); ``str()`` is the German one."""

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(self.sentence("de"))

    def sentence(self, lang: str = "de") -> str:
        return t(self.key, lang, **self.params)


def is_lock_error(error: BaseException) -> bool:
    text = str(error).lower()
    return any(marker in text for marker in LOCK_MARKERS)


def connect_with_retry(
    path: Path, read_only: bool = False, timeout: float | None = None
) -> duckdb.DuckDBPyConnection:
    """Open ``path``; on a lock held by another process retry with backoff up to ``timeout`` s."""
    return _retrying(lambda: duckdb.connect(str(path), read_only=read_only), path, timeout)


def _retrying(open_database: Callable[[], T], path: Path, timeout: float | None) -> T:
    """``open_database()``, retried with bounded exponential backoff while another process
    holds the file's lock; :class:`DatabaseBusy` after ``timeout`` seconds."""
    if timeout is None:
        timeout = config.settings().lock_timeout_seconds
    return retry.with_backoff(
        open_database, seconds=timeout, first_delay=0.02, max_delay=1.0,
        passing=lambda error: isinstance(error, duckdb.Error) and is_lock_error(error),
        giving_up=lambda error: DatabaseBusy("store.busy_file", path=path,
                                             seconds=f"{timeout:.0f}"))


@contextmanager
def local_writer(path: Path | None = None, timeout: float | None = None,
                 into: duckdb.DuckDBPyConnection | None = None
                 ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated read-write connection to the DuckDB file ``path``, closed on exit.

    ``into``: instead of a new connection, attach the main database to this (in-memory)
    connection as its default catalog for the length of the block, so that what the connection
    has already computed (a validated report's rows) is written without leaving DuckDB."""
    path = Path(path or config.db_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    if into is None:
        con = connect_with_retry(path, read_only=False, timeout=timeout)
    else:
        con = into
        previous = con.execute("SELECT current_database()").fetchall()[0][0]
        _retrying(lambda: con.execute("ATTACH ? AS store", [str(path)]), path, timeout)
        con.execute("USE store")
    try:
        migrate(con)
        yield con
    finally:
        if into is None:
            con.close()
        else:
            con.execute(f"USE {_identifier(previous)}")  # noqa: S608 (a catalog's own name)
            con.execute("DETACH store")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every numbered file in ``reception/store/migrations``, in order."""
    folder = resources.files("reception.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def applied_migrations(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The versions ``schema_migrations`` records, in order: the schema a database has. A set,
    not the highest number: numbers land out of order (a database migrated to 010 before 009
    existed has 010 and not 009)."""
    return [version for (version,) in con.execute(
        "SELECT version FROM schema_migrations ORDER BY version").fetchall()]


def migrate(con: duckdb.DuckDBPyConnection, only: Collection[int] | None = None) -> int:
    """Apply the migrations not yet recorded in ``schema_migrations`` (of those numbered in
    ``only``, where given: a PostgreSQL store's set); returns the version."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
    )
    done = set(applied_migrations(con))
    version = max(done, default=0)
    for version_no, name, sql in migrations():
        if version_no in done or (only is not None and version_no not in only):
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                f"INSERT INTO schema_migrations VALUES (?, ?, {UTC_NOW})",  # noqa: S608 (constant)
                [version_no, name],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        version = version_no
        log.info("migration %s applied", name)
    return version


# The read model. The snapshot starts as a byte copy of the checkpointed main file (its rows are
# not written a second time, and its tables ``district_ref``, ``load_log``, ``load_week`` are
# there as they are); its views and macros are dropped, and these tables (or, for the facility
# rows, a view over the copied rows) take their place. ``snapshot_rows``: the figures in force,
# computed once. One name means one thing: ``districts``, ``weekly`` and ``loads`` have exactly the
# columns of the contract views of the same names (tests/test_schema.py); what the app reads
# beside them has a name of its own (``weekly_named``: ``weekly`` with each district's name, kind
# and population, so that the pages need no join).
SNAPSHOT_TABLES = {
    "districts": "SELECT * FROM districts ORDER BY ags",
    "announcements": "SELECT * FROM snapshot_announcements ORDER BY ags, week",
    "places_by_type": "SELECT * FROM places_by_type_from('snapshot_rows') "
    "ORDER BY ags, week, facility_type",
    "weekly_named": "SELECT w.*, d.name, d.kind, d.population FROM "
    "weekly_from('snapshot_rows', 'snapshot_announcements') w "
    "JOIN district_ref d USING (ags) ORDER BY ags, week",
    "loads": "SELECT * FROM loads ORDER BY load_id",
    # changes only with a load: computed once; reporting_status reads it (migration 009)
    "report_arrivals": "SELECT * FROM report_arrivals ORDER BY ags, week",
}
# Views and macros the snapshot keeps as they are: what they read is in the byte copy, and
# reporting_status depends on the clock, so it cannot be computed once at publishing.
SNAPSHOT_KEPT = {"reminders", "reporting_status", "reporting_status_at",
                 # which rows carry a figure (migration 011): read by current_rows; and the rule
                 # for the figure in force over the active rows, for the rollback preview
                 "figure_rows_from", "current_rows_from", "active_rows"}
SNAPSHOT_VIEWS = {
    "weekly": "SELECT * EXCLUDE (name, kind, population) FROM snap.weekly_named",
}
_PARTS = ("arrivals_asylum, arrivals_ukraine, arrivals_other, capacity_unusable, "
          "occupied_entitled, announced")
_FACILITY_COLUMNS = ("ags, week, facility, facility_type, arrivals, departures, capacity, "
                     f"occupied, load_id, {_PARTS}")
_COLUMNS = ("load_id, ags, week, facility, facility_type, arrivals, departures, capacity, "
            f"occupied, line, {_PARTS}")
# The rows that carry a figure: the rule is the macro figure_rows_from (migration 011) alone.
_ACTIVE_FIGURES = "figure_rows_from('active_rows')"
_PLAIN = f"SELECT {_COLUMNS} FROM {_ACTIVE_FIGURES}"  # noqa: S608 (constants)
# In the snapshot, ``current_rows`` (the columns of the main file's view, so that a read such as
# the upload preview runs on either unchanged): the figure rows of the active loads where no
# other load competes for their district and week, and the rows chosen in the contested
# district-weeks (tables of the snapshot); ``facility_weekly``: its facility rows.
_CURRENT_VIEW = (
    f"SELECT {_COLUMNS} FROM figure_rows_from('report_row') r "  # noqa: S608 (constants)
    "SEMI JOIN (SELECT load_id FROM load_log WHERE status = 'loaded') l USING (load_id) "
    "ANTI JOIN contested_weeks c USING (ags, week) "
    f"UNION ALL SELECT {_COLUMNS} FROM contested_rows")
_FACILITY_VIEW = f"SELECT {_FACILITY_COLUMNS} FROM current_rows WHERE facility <> ''"  # noqa: S608

_CONTESTED = "SELECT * FROM current_rows_from('contested_active')"


def _mark_contested(con: duckdb.DuckDBPyConnection) -> bool:
    """Temp table ``contested`` (ags, week) and view ``contested_active``: where two active
    loads cover the same district and week (or one load holds a key twice), the only places
    where the figure in force must be chosen with window functions. False where ``load_week``
    does not account for every row (it always should): then everything counts as contested."""
    covered = con.execute(
        "SELECT (SELECT count(*) FROM report_row) = (SELECT coalesce(sum(rows), 0) FROM load_week)"
    ).fetchall()[0][0]
    having = "HAVING count(*) > 1 OR max(w.rows - w.keys) > 0" if covered else ""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE contested AS SELECT w.ags, w.week FROM load_week w "  # noqa: S608
        f"JOIN load_log l USING (load_id) WHERE l.status = 'loaded' GROUP BY w.ags, w.week {having}")
    if not covered:  # every active row, by ags and week
        con.execute("INSERT INTO contested SELECT DISTINCT ags, week FROM active_rows "
                    "EXCEPT SELECT ags, week FROM contested")
    con.execute("CREATE OR REPLACE TEMP VIEW contested_active AS "
                "SELECT a.* FROM active_rows a SEMI JOIN contested c USING (ags, week)")
    return covered


def _current_rows_query(con: duckdb.DuckDBPyConnection) -> str:
    """SQL giving the rows of the view ``current_rows``, cheaply: the rows of every district and
    week that no two loads contest are taken as they are, and the windows of the view's macro
    run over the contested ones alone (``_mark_contested``)."""
    _mark_contested(con)
    if not con.execute("SELECT count(*) FROM contested").fetchall()[0][0]:
        return _PLAIN
    return (f"SELECT {_COLUMNS} FROM {_ACTIVE_FIGURES} "  # noqa: S608 (module constants)
            f"ANTI JOIN contested c USING (ags, week) UNION ALL {_CONTESTED}")


def _database_file(con: duckdb.DuckDBPyConnection) -> Path:
    return Path(con.execute("SELECT path FROM duckdb_databases() "
                            "WHERE database_name = current_database()").fetchall()[0][0])


def _drop_views_and_macros(con: duckdb.DuckDBPyConnection, catalog: str) -> None:
    """Drop the views and macros of the attached copy ``catalog`` (names from its catalog)."""
    views = con.execute("SELECT view_name FROM duckdb_views() WHERE database_name = ? "
                        "AND NOT internal", [catalog]).fetchall()
    for (name,) in views:
        if name in SNAPSHOT_KEPT:
            continue
        con.execute(f"DROP VIEW {catalog}.main.{_identifier(name)}")  # noqa: S608
    macros = con.execute("SELECT DISTINCT function_name, function_type FROM duckdb_functions() "
                         "WHERE database_name = ? AND function_type IN ('macro', 'table_macro')",
                         [catalog]).fetchall()
    for name, kind in macros:
        if name in SNAPSHOT_KEPT:
            continue
        table = " TABLE" if kind == "table_macro" else ""
        con.execute(f"DROP MACRO{table} {catalog}.main.{_identifier(name)}")  # noqa: S608


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def publish_snapshot(con: duckdb.DuckDBPyConnection, target: Path | None = None,
                     published_at: datetime | None = None, historical: bool = False) -> Path:
    """Materialise the read model into a new file and move it over the app's snapshot atomically.

    The new file begins as a copy of the main file, checkpointed first so that the file holds
    every committed row and no write-ahead log is needed; the caller holds the writer lock, so
    nothing changes it while it is copied. ``target``: default the snapshot beside the
    connection's own database file (``config.snapshot_path``). ``published_at`` (UTC): default
    now; a view of the past (:mod:`reception.store.asof`) gives the moment its state began and
    ``historical`` (``snapshot_meta.historical``: the figures of a past moment, not today's)."""
    target = Path(target or config.snapshot_path(_database_file(con)))
    tmp = copy_for_snapshot(con, target)
    try:
        fill_snapshot(con, tmp, published_at, historical)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
    return target


def copy_for_snapshot(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    """The first step of :func:`publish_snapshot`: the checkpointed main file copied beside
    ``target`` (no other transaction may be open on the database); returns the copy's path."""
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con.execute("CHECKPOINT")
    shutil.copyfile(_database_file(con), tmp)
    return tmp


def fill_snapshot(con: duckdb.DuckDBPyConnection, tmp: Path,
                  published_at: datetime | None = None, historical: bool = False) -> None:
    """The second step of :func:`publish_snapshot`: the copy ``tmp`` gets the read model's
    tables in place of its views and macros (read from ``con``'s database, which others may
    read meanwhile)."""
    rows_query = _current_rows_query(con)
    # Where no window functions are needed, the rows in force are read more cheaply than they
    # are materialised.
    kind = "VIEW" if rows_query == _PLAIN else "TABLE"
    con.execute(f"CREATE OR REPLACE TEMP {kind} snapshot_rows AS {rows_query}")  # noqa: S608
    con.execute("CREATE OR REPLACE TEMP TABLE snapshot_announcements AS "
                "SELECT * FROM announcements")
    con.execute("ATTACH ? AS snap", [str(tmp)])
    try:
        _drop_views_and_macros(con, "snap")
        con.execute("CREATE TABLE snap.contested_weeks AS SELECT * FROM contested")
        con.execute(f"CREATE TABLE snap.contested_rows AS {_CONTESTED}")  # noqa: S608
        for table, query in SNAPSHOT_TABLES.items():  # from the main file's views: before the
            con.execute(f"CREATE TABLE snap.{table} AS {query}")  # noqa: S608 (fixed names)
        for view, query in SNAPSHOT_VIEWS.items():
            con.execute(f"CREATE VIEW snap.{view} AS {query}")  # noqa: S608 (fixed names)
        con.execute(f"CREATE VIEW snap.current_rows AS {_CURRENT_VIEW}")  # noqa: S608
        con.execute(f"CREATE VIEW snap.facility_weekly AS {_FACILITY_VIEW}")  # noqa: S608
        con.execute(
            f"CREATE TABLE snap.snapshot_meta AS SELECT coalesce(?, {UTC_NOW}) AS published_at, "  # noqa: S608
            "(SELECT max(load_id) FROM load_log) AS last_load_id, "
            "(SELECT count(*) FROM load_log WHERE status = 'loaded' AND source = 'demo') > 0 "
            "AS has_demo, "
            "(SELECT count(*) FROM load_log WHERE status = 'loaded' AND source <> 'demo') > 0 "
            "AS has_real, CAST(? AS BOOLEAN) AS historical", [published_at, historical]
        )
    finally:
        con.execute("DETACH snap")
        con.execute(f"DROP {kind} IF EXISTS snapshot_rows")  # noqa: S608 (VIEW or TABLE)
        con.execute("DROP TABLE IF EXISTS snapshot_announcements")
        con.execute("DROP VIEW IF EXISTS contested_active")
        con.execute("DROP TABLE IF EXISTS contested")


def load_history(con: duckdb.DuckDBPyConnection, newest_first: bool = False) -> pd.DataFrame:
    """The load history: every column of ``load_log`` and ``districts``, how many districts a
    load covers. The one reading of it, for the main file (CLI) and the snapshot (pages) alike:
    both hold ``load_log`` and ``load_week``."""
    frame = con.execute(
        "SELECT l.*, coalesce(c.districts, 0) AS districts FROM load_log l LEFT JOIN "
        "(SELECT load_id, count(DISTINCT ags) AS districts FROM load_week GROUP BY load_id) c "
        "USING (load_id) ORDER BY load_id").df()
    return frame.iloc[::-1].reset_index(drop=True) if newest_first else frame


# The snapshot that reads without an explicit path go to: the app's snapshot, or inside
# ``reception.store.asof.viewing(T)`` the snapshot of the figures as they stood at T.
_READ_FROM: ContextVar[Path | None] = ContextVar("read_from", default=None)


def current_snapshot() -> Path:
    """The snapshot a read without an explicit path opens (see :data:`_READ_FROM`)."""
    return _READ_FROM.get() or config.snapshot_path()


@contextmanager
def reading_from(path: Path) -> Iterator[Path]:
    """Within the block (this thread or task), reads without a path open ``path``."""
    token = _READ_FROM.set(Path(path))
    try:
        yield Path(path)
    finally:
        _READ_FROM.reset(token)


@contextmanager
def reader(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection to the snapshot ``path`` (never the main file)."""
    con = connect_with_retry(Path(path or current_snapshot()), read_only=True, timeout=5)
    try:
        yield con
    finally:
        con.close()


def snapshot_version(path: Path | None = None) -> str | None:
    """Identity of the published snapshot: changes with every publish. None if none exists."""
    path = Path(path or current_snapshot())
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}"
