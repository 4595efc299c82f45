"""PostgreSQL as the store of record (``RECEPTION_DB=postgresql://...``).

The design (README, "Mehrere Server: PostgreSQL"):

* PostgreSQL holds the tables of record (districts, load log, report rows, ...). Each machine
  keeps a local *mirror*: a DuckDB file (``RECEPTION_SNAPSHOT_DIR``, default ``data/``) with the
  same tables, the views and macros of the numbered migrations, and the read snapshot published
  from it exactly as with the embedded store. Pages and the HTTP API read that snapshot.
* A write (ingest, upload, rollback, init) is one PostgreSQL transaction that first takes the
  store's write lock (``pg_advisory_xact_lock``: the database, not a lock file, serialises
  writers on every machine), brings the local mirror up to the store's state, runs the very same
  DuckDB code as the embedded store against the mirror (duplicate check, load ids, replaced
  figures, rollback), and then sends what changed to PostgreSQL with ``COPY``: the new rows of
  the append-only tables, the small tables whole where they changed. It bumps the store's data
  version in the same transaction and commits: the one commit point. The mirror is marked
  unsettled before the block changes it and gets the new version only after that commit; the
  snapshot and the block's confirmations come after it too. A writer stopped anywhere before
  leaves an unsettled mirror, which its next sync checks against the store's load history and
  corrects (:func:`_settle`). A lost connection is retried for ``store_retry_seconds``
  (:func:`retried`).
* A reader compares the store's data version with its mirror's (one indexed one-row query per
  interaction, at most every ``CHECK_SECONDS``) and, where it moved, copies the new rows into the
  mirror and publishes a new snapshot; where the store cannot be reached it keeps the snapshot it
  has (:func:`stale_since`).
* Schema: the numbered DuckDB migrations are the only schema source. PostgreSQL gets the tables
  they leave in the mirror (types mapped, primary keys kept, new columns added), recorded under
  the same version numbers in its ``schema_migrations``; ``postgres.sql`` adds what only
  PostgreSQL has (the store's version row, indexes, the two plain contract views).
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb

from reception import config
from reception.store import local, pgbinary, retry

log = logging.getLogger(__name__)

# Tables that only grow, by load: a sync or a push moves the rows of the new loads alone
# (the largest first).
APPEND_TABLES = ("report_row", "load_week")
# Tables of the mirror that are not the store's.
LOCAL_ONLY = {"schema_migrations", "mirror_meta"}
# DuckDB sequences whose next value follows a column of the store (ids are drawn in the mirror,
# under the store's write lock, so they follow what the store already holds).
SEQUENCES = {"load_id_seq": ("load_log", "load_id")}
WRITE_LOCK = (17, 1)  # (classid, objid) of the store's advisory write lock
CHECK_SECONDS = 0.5  # a reader asks the store for its version at most this often
PIECE_BYTES = 16 << 20  # a first copy hands DuckDB the store's rows in pieces of this size
NULL = "\\N"  # NULL in the CSV that COPY moves (an empty string stays an empty string)
STREAM_ROWS = 50_000  # rows per CSV piece a write streams to the store
STREAM_AHEAD = 4  # pieces made ahead of the one being sent (bounded memory)

PG_TYPES = {
    "VARCHAR": "text", "INTEGER": "integer", "BIGINT": "bigint", "SMALLINT": "smallint",
    "DOUBLE": "double precision", "FLOAT": "real", "DATE": "date",
    "TIMESTAMP": "timestamp", "BOOLEAN": "boolean", "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def configured() -> bool:
    return config.store_url() is not None


def connect(url: str | None = None, **options):
    """A psycopg connection to the store (ISO dates, UTC-free timestamps as the mirror has them)."""
    import psycopg

    con = psycopg.connect(url or config.store_url(), **options)
    try:
        con.execute("SET DateStyle = ISO")
        con.execute("SET TimeZone = 'UTC'")
        if not options.get("autocommit"):
            con.commit()
    except BaseException:
        con.close()
        raise
    return con


@dataclass(frozen=True)
class StoreState:
    store_id: str
    version: int
    # the migrations recorded in the store, as text ("1,2,3,...": _MIGRATIONS_APPLIED). A set,
    # not the highest number: numbers are not contiguous and may land out of order (a store
    # migrated to 010 before 009 existed must still get 009's tables).
    schema: str


# the versions of the migrations a schema_migrations table records, in order, comma-separated
_MIGRATIONS_APPLIED = ("(SELECT coalesce(string_agg(CAST(version AS VARCHAR), ',' ORDER BY version),"
                       " '') FROM schema_migrations)")
_STATE = ("SELECT store_id || ':' || 'store_meta'::regclass::oid::text, version, "  # noqa: S608
          f"{_MIGRATIONS_APPLIED} FROM store_meta")


def store_state(pg) -> StoreState | None:
    """The store's identity, data version and schema version; None before its first ``init``.

    The identity is the random id written at the first ``init`` and the object id of the table
    that holds it: ``pg_restore --clean`` (or a restore into a new database) recreates the
    table, so a restored store is another store to every mirror, which then rebuilds from it
    (its data version may have gone back, or forward to a number a mirror saw before)."""
    import psycopg

    try:
        with pg.transaction():
            found = pg.execute(_STATE).fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return StoreState(found[0], found[1], found[2]) if found else None


def is_new() -> bool:
    """True where the configured store was never initialised (``make run`` then runs
    ``etl init --demo``, as it does where the DuckDB file does not exist)."""
    with connect() as pg:
        return store_state(pg) is None


# ---------------------------------------------------------------------------------------- writing

class StoreUnavailable(local.DatabaseBusy):
    """The store could not be reached for ``seconds`` (the setting ``store_retry_seconds``)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__("store.unavailable", store=config.store_label(), seconds=f"{seconds:.0f}")


class _OpenWrite(threading.local):
    """This thread's open write block: what is to happen once the store has committed it."""

    con: duckdb.DuckDBPyConnection | None = None
    publish: bool = False
    callbacks: list | None = None
    commit_sent: bool = False  # the COMMIT was sent and its answer never came: outcome unknown


_open = _OpenWrite()


def writer(timeout: float | None = None,
           into: duckdb.DuckDBPyConnection | None = None):
    """The store's write transaction around a DuckDB connection to the synced mirror (what
    :func:`reception.store.db.writer` hands out where ``RECEPTION_DB`` is a PostgreSQL URL)."""
    return _writer(timeout, into)


def in_write(con: duckdb.DuckDBPyConnection | None = None) -> bool:
    """True inside this thread's write block (on the mirror connection ``con``, where given)."""
    return _open.con is not None and (con is None or con is _open.con)


def defer_publish() -> None:
    """Publish the snapshot once the open write block has committed (not before: a snapshot
    must never show what the store does not hold)."""
    _open.publish = True


def after_commit(callback) -> bool:
    """Run ``callback()`` once the open write block has committed; dropped if it does not.
    False where no write block is open in this thread (the caller runs it itself)."""
    if _open.con is None:
        return False
    _open.callbacks.append(callback)
    return True


@contextmanager
def _writer(timeout: float | None, into: duckdb.DuckDBPyConnection | None
            ) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one commit point: the mirror is marked unsettled before the block changes it, the
    block's changes go to the store, the store commits, and only then is the mirror marked as
    showing the new version, the snapshot published and the block's confirmations (event
    log lines) given. A writer stopped anywhere before leaves a mirror that its next sync
    checks against the store's load history and corrects (:func:`_sync`)."""
    import psycopg

    if timeout is None:
        timeout = config.settings().lock_timeout_seconds
    pg = connect()
    try:
        pg.execute(f"SET LOCAL lock_timeout = '{int(timeout * 1000)}ms'")  # an int
        try:
            pg.execute("SELECT pg_advisory_xact_lock(%s, %s)", WRITE_LOCK)
        except psycopg.errors.LockNotAvailable as error:
            raise local.DatabaseBusy("store.busy_shared", seconds=f"{timeout:.0f}") from error
        _base_schema(pg)
        with _mirror_lock, local.local_writer(config.db_path(), timeout, into) as con:
            state = store_state(pg)
            _sync(pg, con, state)
            _unsettle(con)
            before = _fingerprints(con)
            _open.con, _open.publish, _open.callbacks = con, False, []
            _open.commit_sent = False
            prebuilt = None
            try:
                yield con
                # the snapshot is built while the rows stream to the store, and put in place
                # only once the store has committed them
                prebuilt = _Prebuilt.start(con) if _open.publish and state is not None else None
                committed = _push(pg, con, before, state)
                ready = prebuilt.finish(con, committed) if prebuilt else None
                _open.commit_sent = True
                pg.commit()
                _open.commit_sent = False
                if ready is not None:  # committed: now, and not before, it may be read
                    os.replace(ready, config.snapshot_path())
                publish, callbacks = _open.publish and ready is None, _open.callbacks
            finally:
                _open.con, _open.callbacks = None, None
                if prebuilt is not None:
                    prebuilt.discard()
            _remember(con, committed)
            if publish:
                local.publish_snapshot(con, config.snapshot_path())
            for callback in callbacks:
                callback()
    finally:
        pg.close()


class _Prebuilt:
    """A snapshot built in a second thread (on its own cursor of the mirror's database) while
    the write block's rows stream to the store: the mirror is copied at once (a checkpoint
    needs no other transaction open), its read model filled beside the push, and the copy
    stamped with the state the store will have. Moved into place by the caller only after the
    store's commit; discarded otherwise. Where the build fails, the snapshot is published the
    ordinary way after the commit."""

    def __init__(self, tmp: Path, cursor: duckdb.DuckDBPyConnection) -> None:
        self.tmp, self.cursor, self.failed = tmp, cursor, None
        self.thread = threading.Thread(target=self._fill, name="snapshot-beside-push")

    @classmethod
    def start(cls, con: duckdb.DuckDBPyConnection) -> _Prebuilt | None:
        catalog = con.execute("SELECT current_database()").fetchall()[0][0]
        tmp = local.copy_for_snapshot(con, config.snapshot_path())
        cursor = con.cursor()
        try:
            cursor.execute(f"USE {_quoted(catalog)}")  # noqa: S608 (the catalog's own name)
        except BaseException:
            cursor.close()
            tmp.unlink(missing_ok=True)
            raise
        built = cls(tmp, cursor)
        built.thread.start()
        return built

    def _fill(self) -> None:
        try:
            local.fill_snapshot(self.cursor, self.tmp)
        except BaseException as error:  # noqa: BLE001 - then published after the commit
            self.failed = error

    def finish(self, con: duckdb.DuckDBPyConnection, committed: StoreState) -> Path | None:
        """Wait for the build; the copy stamped with ``committed``, or None where it failed."""
        self.thread.join()
        if self.failed is not None:
            log.warning("snapshot beside the push failed, published after the commit: %s",
                        self.failed)
            return None
        con.execute("ATTACH ? AS prebuilt", [str(self.tmp)])
        try:
            con.execute("DELETE FROM prebuilt.main.mirror_meta").fetchall()
            con.execute("INSERT INTO prebuilt.main.mirror_meta VALUES (?, ?, ?)",
                        [committed.store_id, committed.version, committed.schema]).fetchall()
        finally:
            con.execute("DETACH prebuilt")
        return self.tmp

    def discard(self) -> None:
        """Wait for the build and remove the copy (where it was not moved into place)."""
        self.thread.join()
        self.cursor.close()
        self.tmp.unlink(missing_ok=True)


def _connection_lost(error: BaseException) -> bool:
    """True for the store going away (refused, ended by a restart, starting up), as opposed to
    an error of the statement itself."""
    state = getattr(error, "sqlstate", None)
    return state is None or state.startswith(("08", "57P"))


def commit_outcome_unknown() -> bool:
    """True where this thread's last write failed after its COMMIT was sent (the store may or
    may not hold it; look the file up by its hash)."""
    return _open.commit_sent


def retried(action, seconds: float | None = None):
    """``action()``, tried again while the store cannot be reached (a restart, an outage), for
    at most ``seconds`` (default: the setting ``store_retry_seconds``); then
    :class:`StoreUnavailable` with one German sentence naming the store."""
    import psycopg

    if seconds is None:
        seconds = config.settings().store_retry_seconds
    try:
        return retry.with_backoff(
            action, seconds=seconds, first_delay=0.25, max_delay=2.0,
            passing=lambda error: (isinstance(error, psycopg.OperationalError)
                                   and _connection_lost(error)),
            giving_up=lambda error: StoreUnavailable(seconds),
            on_retry=lambda error: log.warning("store not reachable, trying again: %s",
                                               str(error).splitlines()[0]))
    except psycopg.errors.LockNotAvailable as error:  # another writer, not an outage
        raise local.DatabaseBusy("store.busy_shared_long") from error


def _base_schema(pg) -> None:
    pg.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
               "(version integer PRIMARY KEY, name text, applied_at timestamp)")
    pg.execute("CREATE TABLE IF NOT EXISTS store_meta (id integer PRIMARY KEY CHECK (id = 1), "
               "store_id text NOT NULL, version bigint NOT NULL)")
    pg.execute("INSERT INTO store_meta VALUES (1, gen_random_uuid()::text, 0) "
               "ON CONFLICT (id) DO NOTHING")


@dataclass(frozen=True)
class Fingerprint:
    rows: int
    digest: int | None  # sum of the rows' hashes (small tables; a sum, so that two equal rows
    # do not cancel as with XOR), None for the append-only ones
    last_load: int | None  # highest load_id (append-only tables)


def _fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, Fingerprint]:
    found = {}
    for table in _tables(con):
        name = _quoted(table)
        if table in APPEND_TABLES:
            rows, last = con.execute(f"SELECT count(*), max(load_id) FROM {name}").fetchall()[0]  # noqa: S608
            found[table] = Fingerprint(rows, None, last)
        else:
            rows, digest = con.execute(
                f"SELECT count(*), sum(hash(t)) FROM {name} t").fetchall()[0]  # noqa: S608
            found[table] = Fingerprint(rows, digest, None)
    return found


def _push(pg, con: duckdb.DuckDBPyConnection, before: dict[str, Fingerprint],
          state: StoreState | None) -> StoreState:
    """Send what the block changed in the mirror to the store, in the open transaction;
    returns the state the store will have once it commits."""
    local_schema = _local_schema(con)
    migrated = state is None or local_schema != state.schema
    if migrated:
        _ensure_tables(pg, con)
    after = _fingerprints(con)
    changed = False
    # the load's rows first: the snapshot built beside the push (:class:`_Prebuilt`) then
    # overlaps the long COPY, not the small tables' (which it would hold up)
    for table in [*(t for t in APPEND_TABLES if t in after), *(t for t in after if t not in APPEND_TABLES)]:
        now, then = after[table], before.get(table)
        if not migrated and then == now:
            continue
        if table in APPEND_TABLES and not migrated and then is not None and _only_appended(
                con, table, then):
            _copy_to_store(pg, con, table, then.last_load or 0)
        else:
            pg.execute(_sql("DELETE FROM {}", table))
            _copy_to_store(pg, con, table, None)
        changed = True
    if not changed:
        return state
    version = pg.execute("UPDATE store_meta SET version = version + 1 RETURNING version"
                         ).fetchone()[0]
    found = store_state(pg)
    return StoreState(found.store_id, version, local_schema)


def _only_appended(con: duckdb.DuckDBPyConnection, table: str, then: Fingerprint) -> bool:
    """True where the rows up to the block's first new load are those there were before."""
    old = con.execute(f"SELECT count(*) FROM {_quoted(table)} WHERE load_id <= ?",  # noqa: S608
                      [then.last_load or 0]).fetchall()[0][0]
    return old == then.rows


def _ensure_tables(pg, con: duckdb.DuckDBPyConnection) -> None:
    """Create in the store the tables and columns the mirror's migrations made, record the
    migrations, and apply the PostgreSQL-only part (``postgres.sql``)."""
    existing = _store_columns(pg)
    for table in _tables(con):
        columns = _columns(con, table)
        if table not in existing:
            keys = _primary_key(con, table)
            parts = [_sql("{} " + _pg_type(kind), name).as_string(pg) for name, kind in columns]
            if keys:
                parts.append("PRIMARY KEY (" + ", ".join(_ident(k, pg) for k in keys) + ")")
            pg.execute(f"CREATE TABLE {_ident(table, pg)} ({', '.join(parts)})")  # noqa: S608
            continue
        for name, kind in columns:
            if name not in existing[table]:
                pg.execute(_sql("ALTER TABLE {} ADD COLUMN {} " + _pg_type(kind), table, name))
    done = {row[0] for row in pg.execute("SELECT version FROM schema_migrations").fetchall()}
    for version, name, applied in con.execute(
            "SELECT version, name, applied_at FROM schema_migrations ORDER BY version").fetchall():
        if version not in done:
            pg.execute("INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                       [version, name, applied])
    pg.execute(resources.files("reception.store").joinpath("postgres.sql").read_text("utf-8"))


def _pg_type(duck_type: str) -> str:
    if duck_type.startswith("DECIMAL"):
        return "numeric" + duck_type[len("DECIMAL"):]
    if duck_type not in PG_TYPES:
        raise ValueError(f"no PostgreSQL type for DuckDB's {duck_type}: add it to PG_TYPES")
    return PG_TYPES[duck_type]


def _copy_to_store(pg, con: duckdb.DuckDBPyConnection, table: str, after_load: int | None) -> None:
    """COPY the mirror's rows of ``table`` (those of loads after ``after_load``, or all) into
    the store, streamed: a second thread reads them from the mirror in batches and encodes each
    (:func:`_stream_pieces`) while this one sends the previous batch; no scratch file, and the
    store takes one batch while the next is made. In PostgreSQL's binary form where every column
    has one (:mod:`pgbinary`: the store parses no digits), else as CSV."""
    columns = _columns(con, table)
    binary = _binary_fits(pg, table, columns)
    if binary:
        columns = pgbinary.in_order(columns)
    names = [name for name, _ in columns]
    kinds = [kind for _, kind in columns]
    where = "" if after_load is None else f" WHERE load_id > {int(after_load)}"
    catalog = con.execute("SELECT current_database()").fetchall()[0][0]
    query = (f"SELECT {', '.join(_quoted(c) for c in names)} "  # noqa: S608
             f"FROM {_quoted(catalog)}.main.{_quoted(table)}{where}")
    statement = _sql("COPY {} ({}) FROM STDIN (FORMAT " + ("binary" if binary else "csv") + ")",
                     table, names)
    encode = (lambda batch: pgbinary.rows(batch, kinds)) if binary else _csv_piece
    with _stream_pieces(con, query, encode) as pieces, pg.cursor() as cur, \
            cur.copy(statement) as copy:
        if binary:
            copy.write(pgbinary.HEADER)
        for piece in pieces:
            copy.write(piece)
        if binary:
            copy.write(pgbinary.TRAILER)


def _binary_fits(pg, table: str, columns: list[tuple[str, str]]) -> bool:
    """True where the store's columns of ``table`` have exactly the types whose binary form
    :mod:`pgbinary` writes (a store made by this code has them; anything else goes as CSV)."""
    if not pgbinary.supports([kind for _, kind in columns]):
        return False
    stored = dict(pg.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_schema = current_schema() AND table_name = %s",
                             [table]).fetchall())
    return all(stored.get(name) == _pg_type(kind) for name, kind in columns)


def _csv_piece(batch) -> memoryview:
    """A batch as CSV the way PostgreSQL reads it: NULL an unquoted empty field, every text
    quoted (an empty text is ``""``), as Arrow's CSV writer puts them."""
    import pyarrow as pa
    from pyarrow import csv

    sink = pa.BufferOutputStream()
    csv.write_csv(batch, sink, csv.WriteOptions(include_header=False, quoting_style="needed"))
    return memoryview(sink.getvalue())


@contextmanager
def _stream_pieces(con: duckdb.DuckDBPyConnection, query: str,
                   encode) -> Iterator[Iterator[memoryview]]:
    """The rows of ``query`` (on a cursor of ``con``'s database) in batches of ``STREAM_ROWS``
    rows, each passed through ``encode`` in a second thread (DuckDB, Arrow and NumPy free the
    GIL) at most ``STREAM_AHEAD`` pieces ahead of the consumer."""
    pieces: queue.Queue = queue.Queue(maxsize=STREAM_AHEAD)
    stop = threading.Event()
    failed: list[BaseException] = []

    def hand_over(item) -> bool:
        while not stop.is_set():
            try:
                pieces.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        cursor = con.cursor()
        try:
            for batch in cursor.sql(query).to_arrow_reader(STREAM_ROWS):
                if not hand_over(encode(batch)):
                    return
        except BaseException as error:  # noqa: BLE001 - raised again in the consumer's thread
            failed.append(error)
        finally:
            cursor.close()
            hand_over(None)

    def consume() -> Iterator[memoryview]:
        while (piece := pieces.get()) is not None:
            yield piece
        if failed:
            raise failed[0]

    producer = threading.Thread(target=produce, name="copy-to-store")
    producer.start()
    try:
        yield consume()
    finally:
        stop.set()
        producer.join()


# ---------------------------------------------------------------------------------------- syncing

def _sync(pg, con: duckdb.DuckDBPyConnection, state: StoreState | None) -> bool:
    """Bring the mirror (``con``'s current database) to the store's ``state``. True where it
    changed. A mirror of another store, of a newer version or of another schema is rebuilt;
    otherwise the small tables are copied whole and the append-only ones checked against the
    store's load history (:func:`_settle`)."""
    con.execute("CREATE TABLE IF NOT EXISTS mirror_meta "
                "(store_id VARCHAR, version BIGINT, store_migrations VARCHAR)")
    # a mirror of an older version recorded the highest migration only: NULL here, rebuilt
    con.execute("ALTER TABLE mirror_meta ADD COLUMN IF NOT EXISTS store_migrations VARCHAR")
    meta = next(iter(con.execute("SELECT store_id, version, store_migrations FROM mirror_meta"
                                 ).fetchall()), None)
    if state is None:  # the store was never initialised: the mirror starts empty
        if meta is not None:
            _rebuild(con, "")
        return meta is not None
    current = (state.store_id, state.version, state.schema)
    local_schema = _local_schema(con)
    if meta == current and local_schema == state.schema:
        return False
    if meta is None or meta[0] != state.store_id or meta[1] > state.version or \
            meta[2] != state.schema or local_schema != state.schema:
        _rebuild(con, state.schema)
        for table in _tables(con):
            _copy_from_store(pg, con, table, None)
        local.migrate(con)  # the code may be newer than the store: readers see the data migrated
    else:
        con.execute("BEGIN TRANSACTION")
        try:
            _settle(pg, con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    _follow_sequences(con)
    _remember(con, state)
    return True


_LOAD_IDENTITY = "SELECT load_id, sha256, file_name, CAST(loaded_at AS VARCHAR) FROM load_log"


def _settle(pg, con: duckdb.DuckDBPyConnection) -> None:
    """Make the mirror's tables those of the store: the small tables copied whole; in the
    append-only ones, the rows of every load the store does not hold as the mirror does (a
    load a killed writer left behind, whose id the store may since have given to another
    file) are dropped, and the rows of every store load the mirror lacks are fetched."""
    tables = _tables(con)
    before = set(con.execute(_LOAD_IDENTITY).fetchall()) if "load_log" in tables else set()
    for table in tables:
        if table not in APPEND_TABLES:
            con.execute(f"DELETE FROM {_quoted(table)}").fetchall()  # noqa: S608
            _copy_from_store(pg, con, table, None)
    after = set(con.execute(_LOAD_IDENTITY).fetchall()) if "load_log" in tables else set()
    stale = sorted({identity[0] for identity in before - after})
    kept = {identity[0] for identity in before & after}
    wanted = sorted({identity[0] for identity in after} - kept)
    for table in tables:
        if table in APPEND_TABLES:
            if stale:
                con.execute(f"DELETE FROM {_quoted(table)} WHERE list_contains(?, load_id)",  # noqa: S608
                            [stale]).fetchall()
            if wanted:
                _copy_from_store(pg, con, table, wanted)


def _unsettle(con: duckdb.DuckDBPyConnection) -> None:
    """Mark the mirror as possibly ahead of the store (a write is about to change it): its
    next sync checks it against the store instead of trusting its version."""
    con.execute("UPDATE mirror_meta SET version = -1").fetchall()


def _remember(con: duckdb.DuckDBPyConnection, state: StoreState) -> None:
    con.execute("DELETE FROM mirror_meta").fetchall()
    con.execute("INSERT INTO mirror_meta (store_id, version, store_migrations) VALUES (?, ?, ?)",
                [state.store_id, state.version, state.schema]).fetchall()  # (fetched: DuckDB 2
    # wants every result finished)


def _rebuild(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Empty the mirror and apply exactly the migrations ``schema`` lists (the store's), so
    that the mirror has the store's tables and no other."""
    con.execute("DELETE FROM mirror_meta").fetchall()
    catalog = con.execute("SELECT current_database()").fetchall()[0][0]
    for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE database_name = ? "
                               "AND NOT internal AND NOT temporary", [catalog]).fetchall():
        con.execute(f"DROP VIEW IF EXISTS {_quoted(name)} CASCADE")  # noqa: S608
    for name, kind in con.execute(
            "SELECT DISTINCT function_name, function_type FROM duckdb_functions() WHERE "
            "database_name = ? AND function_type IN ('macro', 'table_macro')", [catalog]).fetchall():
        table = " TABLE" if kind == "table_macro" else ""
        con.execute(f"DROP MACRO{table} IF EXISTS {_quoted(name)}")  # noqa: S608
    for table in [*_tables(con), "schema_migrations"]:
        con.execute(f"DROP TABLE IF EXISTS {_quoted(table)}")  # noqa: S608
    for (name,) in con.execute("SELECT sequence_name FROM duckdb_sequences() WHERE "
                               "database_name = ? AND NOT temporary", [catalog]).fetchall():
        con.execute(f"DROP SEQUENCE IF EXISTS {_quoted(name)}")  # noqa: S608
    local.migrate(con, only={int(version) for version in schema.split(",") if version})


def _follow_sequences(con: duckdb.DuckDBPyConnection) -> None:
    """Set each id sequence past the highest id the store holds (DuckDB cannot restart one)."""
    tables = set(_tables(con))
    for sequence, (table, column) in SEQUENCES.items():
        if table not in tables:
            continue
        top = con.execute(f"SELECT coalesce(max({_quoted(column)}), 0) FROM {_quoted(table)}"  # noqa: S608
                          ).fetchall()[0][0]
        con.execute(f"DROP SEQUENCE IF EXISTS {_quoted(sequence)}")  # noqa: S608
        con.execute(f"CREATE SEQUENCE {_quoted(sequence)} START {int(top) + 1}")  # noqa: S608


def _copy_from_store(pg, con: duckdb.DuckDBPyConnection, table: str,
                     loads: list[int] | None) -> None:
    """COPY the store's rows of ``table`` (those of the load ids ``loads``, or all) into the
    mirror."""
    from psycopg import sql

    stored = _store_columns(pg).get(table)
    if stored is None:
        return
    columns = [(name, kind) for name, kind in _columns(con, table) if name in stored]
    names = [name for name, _ in columns]
    where = "" if loads is None else " WHERE load_id = ANY({})"
    query = _sql("COPY (SELECT {} FROM {}" + where + ") TO STDOUT (FORMAT csv, NULL '\\N')",  # noqa: S608
                 names, table, *([sql.Literal(list(loads))] if loads is not None else []))
    types = ", ".join(f"'{name}': '{kind}'" for name, kind in columns)
    insert = (f"INSERT INTO {_quoted(table)} ({', '.join(_quoted(n) for n in names)}) "  # noqa: S608
              "SELECT * FROM read_csv(?, header = false, delim = ',', quote = '\"', "
              f"escape = '\"', nullstr = '{NULL}', columns = {{{types}}})")
    # The store's rows arrive in pieces of a few MB; DuckDB reads each piece while the next
    # arrives (it releases the GIL), so the copy costs little more than the COPY itself.
    pieces: queue.Queue = queue.Queue()
    failed: list[BaseException] = []

    def receive() -> None:
        try:
            with _Pieces(pieces) as sink:
                _copy_out(pg, query, sink.write)
        except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
            failed.append(error)
        finally:
            pieces.put(None)

    receiver = threading.Thread(target=receive, name="copy-from-store")
    receiver.start()
    try:
        while (piece := pieces.get()) is not None:
            try:
                con.execute(insert, [str(piece)]).fetchall()
            finally:
                piece.unlink(missing_ok=True)
    finally:
        receiver.join()
        while (left := pieces.get_nowait() if not pieces.empty() else None) is not None:
            left.unlink(missing_ok=True)
    if failed:
        raise failed[0]


class _Pieces:
    """Writes a COPY's rows into scratch files of about ``PIECE_BYTES`` each (cut between
    rows) and hands each finished file to ``pieces``."""

    def __init__(self, pieces: queue.Queue) -> None:
        self.pieces, self.file, self.path, self.size = pieces, None, None, 0

    def __enter__(self) -> _Pieces:
        return self

    def write(self, rows: bytes) -> None:
        if self.file is None:
            folder = config.db_path().parent
            folder.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(suffix=".csv", prefix=".copy-", dir=folder)
            self.file, self.path, self.size = os.fdopen(handle, "wb"), Path(name), 0
        self.file.write(rows)
        self.size += len(rows)
        if self.size >= PIECE_BYTES:
            self._hand_over()

    def _hand_over(self) -> None:
        self.file.close()
        if self.size:
            self.pieces.put(self.path)
        else:
            self.path.unlink(missing_ok=True)
        self.file = None

    def __exit__(self, kind, error, trace) -> None:
        if self.file is not None:
            if kind is None:
                self._hand_over()
            else:
                self.file.close()
                self.path.unlink(missing_ok=True)


def _copy_out(pg, query, write) -> int:
    """Run ``COPY ... TO STDOUT`` ``query`` on ``pg`` (idle, perhaps in a transaction) and
    pass what it sends to ``write`` (whole rows, in batches); returns the bytes sent.

    Straight on libpq (``pg.pgconn``), not through ``cursor.copy``: PostgreSQL sends one message
    per row, and psycopg's generator machinery per message cost several times the COPY itself
    (a new machine's first copy of a million rows: 9 s of 22). Rows are written in batches."""
    import psycopg
    from psycopg import pq

    pgconn = pg.pgconn
    pgconn.send_query(query.as_bytes(pg))
    result = pgconn.get_result()
    if result is None or result.status != pq.ExecStatus.COPY_OUT:
        _drain(pgconn)
        raise psycopg.OperationalError(pgconn.get_error_message() or "COPY did not start")
    size, batch = 0, []
    while True:
        nbytes, data = pgconn.get_copy_data(0)
        if nbytes < 0:
            break
        batch.append(bytes(data))
        size += nbytes
        if len(batch) >= 4096:
            write(b"".join(batch))
            batch.clear()
    if batch:
        write(b"".join(batch))
    failure = _drain(pgconn)
    if nbytes == -2 or failure:
        raise psycopg.OperationalError(failure or pgconn.get_error_message() or "COPY failed")
    return size


def _drain(pgconn) -> str | None:
    """Read the results left after a COPY; the error message of a failed one, if any."""
    from psycopg import pq

    failure = None
    while (result := pgconn.get_result()) is not None:
        if result.status == pq.ExecStatus.FATAL_ERROR:
            failure = (result.error_message or b"").decode("utf-8", "replace") or "COPY failed"
    return failure


def read_copy(target: Path) -> Path:
    """A new DuckDB file at ``target`` with everything the store holds and the read model's
    views (for checking the store from outside, e.g. in the tests)."""
    target.unlink(missing_ok=True)
    target.with_name(target.name + ".wal").unlink(missing_ok=True)  # never replay an old log
    with connect() as pg, local.local_writer(target) as con:
        _sync(pg, con, store_state(pg))
    return target


# ---------------------------------------------------------------------------------------- reading

class _Reader:
    """Per process: one connection for the version check, what each snapshot was last seen
    at, and since when the store could not be reached (None while it can)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.con = None
        self.checked = 0.0
        self.seen: dict[Path, StoreState | None] = {}  # by snapshot: the state it shows
        self.url: str | None = None
        self.failing_since: datetime | None = None

    def drop_connection(self) -> None:
        if self.con is not None:
            with suppress(Exception):
                self.con.close()
        self.con = None


_reader = _Reader()
atexit.register(_reader.drop_connection)  # closed, not dropped, when the process ends
# One thread of a process at a time changes the mirror (a page's sync, an upload's write): DuckDB
# would refuse the second of two transactions that change the same rows.
_mirror_lock = threading.RLock()


def refresh(max_age: float = CHECK_SECONDS, strict: bool = False) -> bool:
    """Where the store's data version moved since the mirror's, sync the mirror and publish a
    new snapshot (and where this machine has none yet, build it). Cheap when nothing changed
    (one one-row query, at most every ``max_age`` s). Where the store cannot be reached, or
    goes away in the middle, the pages keep the snapshot they have (:func:`stale_since` says
    since when); ``strict``: the error is raised instead. True where a new snapshot was
    published."""
    import psycopg

    if time.monotonic() - _reader.checked < max_age and _reader.url == config.store_url():
        return False
    with _reader.lock:
        try:
            changed = _refresh()
        except (psycopg.Error, local.DatabaseBusy) as error:
            log.warning("store not reachable, the pages keep their snapshot: %s",
                        str(error).splitlines()[0] if str(error) else type(error).__name__)
            _reader.drop_connection()
            if _reader.failing_since is None:
                _reader.failing_since = datetime.now(UTC)
            if strict:
                raise
            return False
        _reader.failing_since = None
        return changed


def stale_since() -> datetime | None:
    """Since when (UTC) this process could not bring its snapshot up to the store; None while
    it can."""
    return _reader.failing_since


def _refresh() -> bool:
    import psycopg

    state = _check()
    snapshot = config.snapshot_path()
    if snapshot in _reader.seen and state == _reader.seen[snapshot] and snapshot.exists():
        return False
    if state is not None and _shown(snapshot) == state:  # e.g. another process published
        _reader.seen[snapshot] = state
        return False
    with connect() as pg:
        pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        pg.read_only = True
        with _mirror_lock, pg.transaction(), local.local_writer(config.db_path()) as con:
            state = store_state(pg)  # in the transaction the copies are read in
            # the mirror may be newer than the snapshot (a writer synced it to read)
            changed = (_sync(pg, con, state) or not snapshot.exists()
                       or _shown(snapshot) != state)
            if changed:
                local.publish_snapshot(con, snapshot)
    _reader.seen[snapshot] = state
    return changed


def _shown(snapshot: Path) -> StoreState | None:
    """The store state a published snapshot shows (the byte copy keeps the mirror's meta)."""
    if not snapshot.exists():
        return None
    try:  # (not db.reader: that refreshes, and this is part of refreshing)
        con = local.connect_with_retry(snapshot, read_only=True, timeout=5)
        try:
            found = con.execute("SELECT store_id, version, store_migrations FROM mirror_meta"
                                ).fetchall()
        finally:
            con.close()
    except (duckdb.Error, OSError):
        return None
    return StoreState(*found[0]) if found else None


def _check() -> StoreState | None:
    url = config.store_url()
    if _reader.con is None or _reader.url != url or _reader.con.closed:
        _reader.drop_connection()
        _reader.con = connect(url, autocommit=True)
        _reader.url = url
    _reader.checked = time.monotonic()
    return store_state(_reader.con)


# ---------------------------------------------------------------------------------------- helpers

def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The mirror's tables of record (not its own bookkeeping), in name order."""
    names = con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = "
                        "current_database() AND schema_name = 'main' AND NOT temporary "
                        "ORDER BY table_name").fetchall()
    return [name for (name,) in names if name not in LOCAL_ONLY]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
                       "current_database() AND schema_name = 'main' AND table_name = ? "
                       "ORDER BY column_index", [table]).fetchall()


def _primary_key(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    found = con.execute("SELECT constraint_column_names FROM duckdb_constraints() WHERE "
                        "database_name = current_database() AND table_name = ? AND "
                        "constraint_type = 'PRIMARY KEY'", [table]).fetchall()
    found = found[0] if found else None
    return list(found[0]) if found else []


def _store_columns(pg) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for table, column in pg.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()").fetchall():
        found.setdefault(table, set()).add(column)
    return found


def _local_schema(con: duckdb.DuckDBPyConnection) -> str:
    """The migrations the mirror has applied, as :attr:`StoreState.schema` writes them."""
    return con.execute(f"SELECT {_MIGRATIONS_APPLIED}").fetchall()[0][0]  # noqa: S608 (constant)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _path(path: Path) -> str:
    return str(path).replace("'", "''")


def _ident(name: str, pg) -> str:
    from psycopg import sql

    return sql.Identifier(name).as_string(pg)


def _sql(template: str, *parts):
    """``template`` with ``{}`` filled by identifiers (str), identifier lists, or literals (int)."""
    from psycopg import sql

    filled = []
    for part in parts:
        if isinstance(part, sql.Composable):
            filled.append(part)
        elif isinstance(part, list):
            filled.append(sql.SQL(", ").join(sql.Identifier(p) for p in part))
        elif isinstance(part, int):
            filled.append(sql.Literal(part))
        else:
            filled.append(sql.Identifier(part))
    return sql.SQL(template).format(*filled)


@contextmanager
def _scratch(suffix: str) -> Iterator[Path]:
    """A temporary file beside the mirror (same disk; removed afterwards)."""
    folder = config.db_path().parent
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=suffix, prefix=".copy-", dir=folder)
    os.close(handle)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
