"""The figures as they stood at a moment T (CONTRACT.md, "As of (time travel)").

    from reception.store import asof

    with asof.viewing("2026-12-01T10:00") as past:  # every read without a path sees T
        frame = queries.weekly()                     # ... and so do briefing, metrics, planning
        past.loads_since, past.rollbacks_since       # what happened after T
    path = asof.snapshot(asof.parse("2026-12-01T10:00Z"))   # the snapshot file of T itself
    with db.reader(as_of="2026-12-01T10:00") as con: ...     # one connection to it

T is ISO 8601 (:func:`parse`): with an offset or ``Z`` as given, else Europe/Berlin local time;
inside the store every moment is naive UTC. The figures at T are those of the loads with
``loaded_at`` <= T, less those rolled back at or before T.

How (one rule, no second copy of it): the load history keeps every row ever loaded, and a
rollback only marks its load. The snapshot of T is made like the app's own snapshot: an empty
database is migrated (the views and macros of the numbered migrations: ``current_rows_from``,
``weekly_from``, ``announcements_from``, ...), filled from the current snapshot with the load
history as it stood at T (loads after T left out, rollbacks after T undone, the rows of every
table with a ``load_id`` of those loads only, every other table whole), and published by
:func:`reception.store.db.publish_snapshot` into ``<snapshot>.asof/<key>.duckdb``. So the whole
read path (queries, metrics, forecast, planning, briefing, API) runs unchanged against it.

There are only as many pasts as load events: the file's ``key`` is a digest of the load history
as it stood at T (each load id and its status then), the schema version and the reference the
figures rest on, so every T between two events shares one file, and a T keeps its file (and its
figures, byte for byte) whatever is loaded or rolled back later. The file's name is its
version: a reader caching per snapshot version (``web.cache``) caches each past on its own.
Files are kept up to :data:`KEEP`, the oldest removed first (a reader that has one open keeps
reading it). A T after the last event is the present (its key is that of now).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from reception import config
from reception.i18n import t
from reception.store import db

log = logging.getLogger(__name__)

BERLIN = ZoneInfo("Europe/Berlin")
FORMAT = 1  # raise when the way a past is built changes: files of the old way are not reused
KEEP = 32  # as-of snapshots kept beside the app's snapshot
_FRESH_SECONDS = 600  # a file younger than this is never removed (a reader may be about to open it)
_BUILDING = threading.Lock()
_MEMO: OrderedDict[tuple, tuple[str, datetime | None, int, int]] = OrderedDict()
_MEMO_LOCK = threading.Lock()
# The load history as it stood at $1 (UTC): a rollback after $1 had not happened.
_STATUS_THEN = ("CASE WHEN status = 'rolled_back' AND NOT coalesce(rolled_back_at <= $1, false) "
                "THEN 'loaded' ELSE status END")
_AS_THEN = {"status": _STATUS_THEN,
            "rolled_back_at": "CASE WHEN rolled_back_at <= $1 THEN rolled_back_at END",
            "rolled_back_by": "CASE WHEN rolled_back_at <= $1 THEN rolled_back_by END"}
_REFERENCE_TABLES = ("district_ref", "distribution_key")
_VIEWED: ContextVar[datetime | None] = ContextVar("viewed_moment", default=None)


class BadMoment(ValueError):
    """A text that is no ISO 8601 date-time; the message (German) says what is expected."""

    def __init__(self, value: str) -> None:
        self.value = str(value)[:40]
        super().__init__(self.message("de"))

    def message(self, lang: str) -> str:
        return t("asof.bad_moment", lang, value=self.value)


def parse(text: str | datetime) -> datetime:
    """T as naive UTC. Text: ISO 8601 (``2026-12-01T10:00``, ``2026-12-01 10:00:30``,
    ``2026-12-01T09:00Z``, ``...+01:00``; a date alone is its 00:00), with an offset as given,
    else Europe/Berlin local time. A datetime: aware as it says, naive taken as UTC already."""
    if isinstance(text, datetime):
        found = text
    else:
        cleaned = str(text).strip()
        if not cleaned or len(cleaned) > 40:
            raise BadMoment(cleaned)
        try:
            found = datetime.fromisoformat(cleaned)
        except ValueError:
            raise BadMoment(cleaned) from None
        if found.tzinfo is None:
            found = found.replace(tzinfo=BERLIN)
    if not 1990 <= found.year <= 2200:  # (and no overflow converting the year 1 or 9999)
        raise BadMoment(str(text))
    return found.astimezone(UTC).replace(tzinfo=None) if found.tzinfo is not None else found


def local(moment: datetime) -> datetime:
    """A naive UTC moment as Europe/Berlin local time (naive), for showing it."""
    return moment.replace(tzinfo=UTC).astimezone(BERLIN).replace(tzinfo=None)


@dataclass(frozen=True)
class Past:
    """The store as it stood at ``moment`` (naive UTC): the snapshot ``path`` of it, the load
    event that began that state (``began``, None before the first load), and what happened
    after ``moment``: loads (not rejected ones) and rollbacks."""

    moment: datetime
    key: str
    began: datetime | None
    loads_since: int
    rollbacks_since: int
    path: Path


def _folder(source: Path) -> Path:
    return source.with_name(source.name + ".asof")


def _history_then(con: duckdb.DuckDBPyConnection, moment: datetime) -> tuple[str, datetime | None,
                                                                             int, int]:
    """(key, began, loads since, rollbacks since) from the load history of ``con``."""
    rows = con.execute(f"SELECT load_id, {_STATUS_THEN} FROM load_log "  # noqa: S608 (constant)
                       "WHERE loaded_at <= $1 ORDER BY load_id", [moment]).fetchall()
    began, loads_since, rollbacks_since = con.execute(
        "SELECT greatest(max(loaded_at) FILTER (WHERE loaded_at <= $1), "
        "max(rolled_back_at) FILTER (WHERE rolled_back_at <= $1)), "
        "count(*) FILTER (WHERE loaded_at > $1 AND status <> 'rejected'), "
        "count(*) FILTER (WHERE rolled_back_at > $1) FROM load_log", [moment]).fetchall()[0]
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    # the set of migrations (a lower number may arrive after a higher one), not the highest
    schema = ",".join(map(str, db.applied_migrations(con)))
    digest.update(f"schema {schema}\n".encode())
    present = {name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall()}
    for table in _REFERENCE_TABLES:
        if table in present:
            count, total = con.execute(f"SELECT count(*), sum(hash(t)) FROM {table} t"  # noqa: S608
                                       ).fetchall()[0]
            digest.update(f"{table} {count} {total}\n".encode())
    digest.update("".join(f"{load_id}:{status}\n" for load_id, status in rows).encode())
    return digest.hexdigest()[:24], began, loads_since, rollbacks_since


def past(moment: datetime | str, source: Path | None = None) -> Past:
    """The store as it stood at ``moment`` (see :func:`parse`), its snapshot made where it is
    not there yet; ``source``: the app's snapshot it is derived from (default the configured
    one). :class:`BadMoment` for a text that is no date-time; FileNotFoundError without a
    snapshot."""
    moment = parse(moment)
    source = Path(source or config.snapshot_path())
    if source == config.snapshot_path():
        db.refresh()  # with a PostgreSQL store: this machine's snapshot follows it first
    # The history cannot change without a new snapshot: its version and T find it again.
    memo = (str(source), db.snapshot_version(source), moment)
    with _MEMO_LOCK:
        history = _MEMO.get(memo)
    if history is None:
        with db.reader(source) as con:
            history = _history_then(con, moment)
        with _MEMO_LOCK:
            _MEMO[memo] = history
            while len(_MEMO) > 256:
                _MEMO.popitem(last=False)
    key, began, loads_since, rollbacks_since = history
    target = _folder(source) / f"{key}.duckdb"
    if not target.exists():
        with _BUILDING:
            if not target.exists():
                _build(source, moment, target, began)
                _prune(target.parent)
    return Past(moment, key, began, loads_since, rollbacks_since, target)


def snapshot(moment: datetime | str, source: Path | None = None) -> Path:
    """The snapshot file of the figures as they stood at ``moment`` (:func:`past`)."""
    return past(moment, source).path


@contextmanager
def viewing(moment: datetime | str | None, source: Path | None = None) -> Iterator[Past | None]:
    """Within the block, every read without an explicit path (``db.reader()``, the queries,
    the briefing, ``web.cache``) reads the figures as they stood at ``moment``; yields the
    :class:`Past` (None and the present where ``moment`` is None)."""
    if moment is None:
        yield None
        return
    found = past(moment, source)
    token = _VIEWED.set(found.moment)
    try:
        with db.reading_from(found.path):
            yield found
    finally:
        _VIEWED.reset(token)


def viewed_moment() -> datetime | None:
    """The moment (naive UTC) the current :func:`viewing` block shows; None in the present.
    ``queries.utc_now`` reads it: what was due, late or missing is judged at that moment."""
    return _VIEWED.get()


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[str]:
    return [name for (name,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'main' "
        "AND table_name = ? ORDER BY column_index", [catalog, table]).fetchall()]


def _build(source: Path, moment: datetime, target: Path, began: datetime | None) -> None:
    """Make the snapshot of ``moment`` at ``target`` (see the module's docstring)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f"{target.stem}.{os.getpid()}.{threading.get_ident()}.main")
    scratch.unlink(missing_ok=True)
    con = duckdb.connect(str(scratch))
    try:
        db.migrate(con)
        catalog = con.execute("SELECT current_database()").fetchall()[0][0]
        con.execute("ATTACH ? AS cur (READ_ONLY)", [str(source)])
        tables = [name for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = "
            "'main' AND table_name <> 'schema_migrations' ORDER BY table_name <> 'load_log', "
            "table_name", [catalog]).fetchall()]
        for table in tables:  # load_log first: the other tables' loads are read from it
            _copy_then(con, catalog, table, moment)
        db.publish_snapshot(con, target, published_at=began, historical=True)
    finally:
        con.close()
        for leftover in (scratch, scratch.with_name(scratch.name + ".wal")):
            leftover.unlink(missing_ok=True)
    log.info("as-of snapshot %s built for %s", target.name, moment.isoformat())


def _copy_then(con: duckdb.DuckDBPyConnection, catalog: str, table: str,
               moment: datetime) -> None:
    """Fill ``table`` of the new database from the current snapshot as it stood at ``moment``."""
    there = set(_columns(con, "cur", table))
    columns = [c for c in _columns(con, catalog, table) if c in there]
    if not columns:
        return
    quoted = [db._identifier(c) for c in columns]
    name = db._identifier(table)
    if table == "load_log":
        chosen = [f"{_AS_THEN[c]} AS {q}" if c in _AS_THEN else q for c, q in zip(columns, quoted)]
        where, params = "WHERE loaded_at <= $1", [moment]
    else:
        chosen, params = quoted, []
        where = (f"WHERE load_id IN (SELECT load_id FROM {db._identifier(catalog)}.main.load_log)"  # noqa: S608
                 if "load_id" in columns else "")
    con.execute(f"DELETE FROM {name}")  # noqa: S608 (names from the catalog)
    con.execute(f"INSERT INTO {name} ({', '.join(quoted)}) "  # noqa: S608 (names from the catalog)
                f"SELECT {', '.join(chosen)} FROM cur.main.{name} {where}", params)


def _prune(folder: Path) -> None:
    """Keep the :data:`KEEP` newest snapshots of the past (and every one made lately)."""
    found = sorted(folder.glob("*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    now = datetime.now().timestamp()
    for old in found[KEEP:]:
        if now - old.stat().st_mtime > _FRESH_SECONDS:
            old.unlink(missing_ok=True)
