"""Loading validated reports, rolling loads back, and the load history.

One road for every report, whoever sends it (CLI, inbox, upload page):
``inspect_bytes`` (read -> normalise -> validate, no database lock held) and then ``apply`` (one
transaction under the writer lock). A file is loaded whole or not at all; the same bytes twice
change nothing; a later figure for the same district, week and facility wins; ``rollback``
marks a load inactive so that the figures it replaced are in force again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from reception import config
from reception.ingest import plausibility
from reception.ingest.plausibility import Findings
from reception.ingest.problems import Problem
from reception.ingest.reports import OnDisk, ReadResult, read_report
from reception.ingest.validate import (
    PART_MEASURES,
    ROW_COLUMNS,
    Validation,
    rows_to_load,
    validate,
)
from reception.reference.districts import Matcher
from reception.store import db

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa  # at run time DuckDB imports it where it makes Arrow tables

log = logging.getLogger("reception.ingest.load")
# who sends a load (CONTRACT.md, ``loads.source``)
SOURCES = ("cli", "inbox", "upload", "form", "demo")
# one JSON line per file (name, hash, rows, status, duration): for machines, not for people;
# ``python -m etl --log-json FILE`` writes them to FILE (``-``: stderr), else they are dropped
events = logging.getLogger("reception.events")
# Called with (load_id, source) once the store has committed a load, whoever sent it: the alerts
# (reception.notify.install, which etl and the app call). A hook that fails is logged; the
# committed load stands.
AFTER_COMMIT: list[Callable[[int, str], None]] = []


@dataclass
class Inspection:
    """Everything known about a file before it is written: format, rows, problems."""

    file_name: str
    sha256: str
    read: ReadResult
    validation: Validation
    rows: pa.Table | None = None  # the rows to load, when valid (unless kept in ``connection``)
    # Kept open by ``inspect_bytes(keep_connection=True)``: the private database whose view
    # ``clean`` holds the rows to load; ``apply`` writes them from there. Closed by ``close``.
    connection: duckdb.DuckDBPyConnection | None = None
    row_count: int = 0

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    @property
    def ok(self) -> bool:
        return self.read.ok and self.validation.ok

    @property
    def problems(self) -> list[Problem]:
        return self.validation.problems

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


@dataclass
class LoadResult:
    file_name: str
    status: str  # loaded, duplicate, rejected
    load_id: int | None = None
    rows: int = 0
    districts: int = 0
    weeks: int = 0
    replaced: int = 0
    loaded_at: str | None = None
    inspection: Inspection | None = None
    duration_ms: int = 0
    # plausibility findings against the store (``plausibility.find``); a file with findings is
    # rejected unless confirmed, and then loaded with ``confirmed_by`` set
    findings: Findings = field(default_factory=Findings)
    confirmed_by: str | None = None

    @property
    def needs_confirmation(self) -> bool:
        """Rejected only for its plausibility findings: loads once confirmed."""
        return self.status == "rejected" and bool(self.findings)

    def confirmation_problem(self, path: str | None = None) -> Problem | None:
        """The line that says how to confirm (CLI, the inbox's error report); ``path``: where
        the file is now (default: its name)."""
        if not self.needs_confirmation:
            return None
        return Problem("unconfirmed_findings", params={"count": self.findings.count,
                                                       "file": path or self.file_name})

    def all_problems(self, path: str | None = None) -> list[Problem]:
        """The file's problems, then its findings and, if refused for them, how to confirm."""
        found = list(self.inspection.problems) if self.inspection else []
        confirm = self.confirmation_problem(path)
        return found + list(self.findings) + ([confirm] if confirm else [])


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def matcher_for(db_path: Path | None = None) -> Matcher:
    """The district matcher, read from the published snapshot so that validating a file needs
    no write lock; from the main file where no snapshot exists yet."""
    snapshot = config.snapshot_path(db_path)
    if snapshot.exists():
        try:
            with db.reader(snapshot) as con:
                return Matcher.from_db(con)
        except duckdb.Error:
            pass  # an older snapshot without the retired table: fall back to the main file
    with db.main_reader(db_path) as con:  # a read: never the write lock
        return Matcher.from_db(con)


@contextmanager
def store_reader(db_path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the figures in force (``current_rows``, ``load_log``) that
    never takes or waits for the write lock: the published snapshot (with PostgreSQL brought up
    to the store first). The main file, read-only, only where no snapshot with ``current_rows``
    is published yet (a new store, or a snapshot of an older version of this code)."""
    snapshot = config.snapshot_path(db_path)
    if snapshot.exists():
        with db.reader(snapshot) as con:
            if con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'current_rows' "
                           "AND database_name = current_database()").fetchall()[0][0]:
                yield con
                return
    with db.main_reader(db_path) as con:
        yield con


def inspect_bytes(data: bytes, file_name: str, matcher: Matcher | Future[Matcher],
                  today: date | None = None, on_disk: OnDisk | None = None,
                  keep_connection: bool = False) -> Inspection:
    """Read and validate a report in a private in-memory database. ``matcher``: or a future
    of it, awaited only once the file is read. ``on_disk``: the file the
    bytes were read from (DuckDB then reads it directly, if it is unchanged).
    ``keep_connection``: leave the rows to load in that database (``Inspection.connection``,
    for ``ingest_bytes``, which writes them from there) instead of handing them out as Arrow;
    the caller closes it with ``Inspection.close``."""
    digest: list[str] = []  # the hash, computed beside the reading (hashlib frees the GIL)
    hashing = threading.Thread(target=lambda: digest.append(sha256_of(data)))
    hashing.start()
    con = duckdb.connect()
    read = ReadResult()
    try:
        read = read_report(con, data, file_name, on_disk)
        if read.ok:
            if isinstance(matcher, Future):
                matcher = matcher.result()
            validation = _validate_or_reject(con, read, matcher, today)
        else:
            validation = Validation(problems=read.problems,
                                    error_count=sum(p.severity == "error" for p in read.problems))
        rows = None
        if read.ok and validation.ok and not keep_connection:
            rows = rows_to_load(con).order("line").to_arrow_table()
        hashing.join()
        inspection = Inspection(file_name, digest[0], read, validation, rows,
                                row_count=validation.rows if validation.ok else 0)
        if keep_connection:
            inspection.connection, con = con, None
        return inspection
    finally:
        hashing.join()
        if con is not None:
            con.close()
        for path in read.temp_files:
            Path(path).unlink(missing_ok=True)


def _validate_or_reject(con: duckdb.DuckDBPyConnection, read: ReadResult, matcher: Matcher,
                        today: date | None) -> Validation:
    """Validation; a file DuckDB's reader cannot parse becomes a 'not a table' problem."""
    try:
        return validate(con, read, matcher, today)
    except duckdb.Error as error:  # the engine's words go to the log, the user gets a sentence
        log.warning("validation failed in the engine: %s", str(error).splitlines()[0][:200])
        return Validation(problems=[Problem("not_a_table")], error_count=1)


def previous_load(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple | None:
    found = con.execute(
        "SELECT load_id, CAST(loaded_at AS VARCHAR) FROM load_log "
        "WHERE sha256 = ? AND status = 'loaded' ORDER BY load_id LIMIT 1", [sha256]).fetchall()
    return found[0] if found else None


def changes(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> pd.DataFrame:
    """Figures in force that ``rows`` would replace: old and new values side by side."""
    con.register("incoming", rows)
    try:
        return con.execute("""
            SELECT i.ags, i.week, i.facility,
                c.arrivals AS old_arrivals, i.arrivals AS new_arrivals,
                c.departures AS old_departures, i.departures AS new_departures,
                c.capacity AS old_capacity, i.capacity AS new_capacity,
                c.occupied AS old_occupied, i.occupied AS new_occupied, c.load_id AS old_load_id
            FROM incoming i JOIN current_rows c USING (ags, week, facility)
            ORDER BY i.ags, i.week, i.facility
        """).df()
    finally:
        con.unregister("incoming")


def apply(con: duckdb.DuckDBPyConnection, inspection: Inspection, source: str,
          loaded_by: str | None, started: float | None = None, confirmed_by: str | None = None,
          comment: str | None = None) -> LoadResult:
    """Write a valid inspection as one load, in one transaction. Idempotent by content hash.

    ``source``: ``cli``, ``inbox``, ``upload``, ``form`` or ``demo`` (CONTRACT.md, ``loads``).
    The rows are checked against the store first (``plausibility.find``, under the lock the
    write holds): a file with findings is rejected (``LoadResult.needs_confirmation``, the
    findings in ``LoadResult.findings``) unless ``confirmed_by`` names who confirmed them; it is
    then loaded with ``load_log.confirmed_by`` and the optional ``comment``
    (``load_log.confirm_comment``). A file without findings records no confirmation."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
    started = started or time.monotonic()
    result = LoadResult(inspection.file_name, "rejected", inspection=inspection)
    if not inspection.ok:
        result.load_id = _record_rejection(con, inspection, source, loaded_by, started)
        return _logged(result, started)
    earlier = previous_load(con, inspection.sha256)
    if earlier:
        result.status, result.load_id, result.loaded_at = "duplicate", earlier[0], earlier[1]
        return _logged(result, started)
    result.findings = findings_of(con, inspection)
    if result.findings and not confirmed_by:
        result.load_id = _record_rejection(con, inspection, source, loaded_by, started,
                                           errors=result.findings.count)
        return _logged(result, started)
    if result.findings:
        result.confirmed_by = confirmed_by
    rows = (con.from_arrow(inspection.rows) if inspection.rows is not None
            else rows_to_load(con))  # the kept connection (``con`` writes from it)
    load_id, replaced = write_rows(con, rows, inspection.file_name, inspection.sha256,
                                   source, loaded_by, inspection.validation.warning_count, started,
                                   unique_keys=True, confirmed_by=result.confirmed_by,
                                   comment=comment if result.confirmed_by else None)
    result.status, result.load_id, result.rows = "loaded", load_id, inspection.row_count
    result.districts, result.weeks = con.execute(
        "SELECT count(DISTINCT ags), count(DISTINCT week) FROM load_week WHERE load_id = ?",
        [load_id]).fetchall()[0]
    result.replaced = replaced
    return _logged(result, started)


def findings_of(con: duckdb.DuckDBPyConnection, inspection: Inspection) -> Findings:
    """The plausibility findings of a valid inspection's rows against the store ``con`` holds
    (its Arrow rows, else the view ``clean`` of its kept connection)."""
    if inspection.rows is None:
        return plausibility.find(con, "clean", inspection.read.columns)
    con.register("plausibility_rows", inspection.rows)
    try:
        return plausibility.find(con, "plausibility_rows", inspection.read.columns)
    finally:
        con.unregister("plausibility_rows")


def _incoming_columns(rows: duckdb.DuckDBPyRelation) -> str:
    """The columns of ``report_row`` (less ``load_id``) read from ``rows``; the parts of the
    second version of the format are NULL where ``rows`` lacks them (a first-version source)."""
    have = set(rows.columns)
    return ", ".join(c if c in have or c not in PART_MEASURES else f"NULL::INTEGER AS {c}"
                     for c in ROW_COLUMNS.split(", "))


def write_rows(con: duckdb.DuckDBPyConnection, rows: duckdb.DuckDBPyRelation, file_name: str,
               sha256: str, source: str, loaded_by: str | None, warnings: int = 0,
               started: float | None = None, unique_keys: bool = False,
               confirmed_by: str | None = None, comment: str | None = None) -> tuple[int, int]:
    """Append ``rows`` (a relation of ``con`` with the columns of table ``report_row`` less
    ``load_id``: ``con.from_arrow(table)``, ``con.from_df(frame)``, ``con.sql(query)``) as one
    new load, in one transaction. Returns (load_id, number of figures in force that it
    replaced). ``unique_keys``: the caller vouches that no (ags, week, facility) occurs twice
    in ``rows`` (a validated report: validation rejects duplicate keys), which spares counting
    them. ``confirmed_by``, ``comment``: who confirmed the plausibility findings, and why
    (``apply``)."""
    started = started or time.monotonic()
    con.register("incoming", rows)
    # every row carries its line number; without keeping the order on disk the parallel insert
    # spares the step that puts its pieces back in order (about 15 % of the insert)
    con.execute("SET preserve_insertion_order = false")
    try:
        con.execute("BEGIN TRANSACTION")
        load_id = con.execute("SELECT nextval('load_id_seq')").fetchall()[0][0]
        # ``incoming`` is read once (it may be a view that parses and joins every row); what
        # follows reads the new rows back from ``report_row``
        count = con.execute(
            f"INSERT INTO report_row SELECT ?, {_incoming_columns(rows)} FROM incoming",  # noqa: S608
            [load_id]).fetchall()[0][0]
        if unique_keys:
            con.execute("INSERT INTO load_week SELECT ?, ags, week, count(*), count(*) "
                        "FROM report_row WHERE load_id = ? GROUP BY ags, week", [load_id, load_id])
        else:
            con.execute("INSERT INTO load_week SELECT ?, ags, week, count(*), count(DISTINCT "
                        "facility) FROM report_row WHERE load_id = ? GROUP BY ags, week",
                        [load_id, load_id])
        # Only where an active load already covers one of the districts and weeks can a figure
        # be replaced; a load into new weeks (the usual case) skips the row-by-row look-up.
        meets = con.execute(
            "SELECT count(*) FROM load_week n JOIN load_week o USING (ags, week) "
            "JOIN load_log l ON l.load_id = o.load_id "
            "WHERE n.load_id = ? AND o.load_id <> ? AND l.status = 'loaded'",
            [load_id, load_id]).fetchall()[0][0]
        replaced = con.execute(
            "SELECT count(*) FROM report_row i WHERE i.load_id = ? AND EXISTS (SELECT 1 "
            "FROM report_row r JOIN load_log l USING (load_id) WHERE l.status = 'loaded' "
            "AND r.ags = i.ags AND r.week = i.week AND r.facility = i.facility)",
            [load_id]).fetchall()[0][0] if meets else 0
        con.execute(
            "INSERT INTO load_log (load_id, file_name, sha256, source, loaded_by, loaded_at, rows, "
            "status, duration_ms, errors, warnings, confirmed_by, confirm_comment) VALUES "
            f"(?, ?, ?, ?, ?, {db.UTC_NOW}, ?, 'loaded', ?, 0, ?, ?, ?)",  # noqa: S608
            [load_id, file_name, sha256, source, loaded_by, count,
             int((time.monotonic() - started) * 1000), warnings, confirmed_by, comment])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("RESET preserve_insertion_order")
        con.unregister("incoming")
    return load_id, replaced


def _record_rejection(con: duckdb.DuckDBPyConnection, inspection: Inspection, source: str,
                      loaded_by: str | None, started: float, errors: int | None = None) -> int:
    load_id = con.execute("SELECT nextval('load_id_seq')").fetchall()[0][0]
    con.execute(
        "INSERT INTO load_log (load_id, file_name, sha256, source, loaded_by, loaded_at, rows, "
        f"status, duration_ms, errors, warnings) VALUES (?, ?, ?, ?, ?, {db.UTC_NOW}, "  # noqa: S608
        "0, 'rejected', ?, ?, ?)",
        [load_id, inspection.file_name, inspection.sha256, source, loaded_by,
         int((time.monotonic() - started) * 1000),
         inspection.validation.error_count if errors is None else errors,
         inspection.validation.warning_count])
    return load_id


def _logged(result: LoadResult, started: float) -> LoadResult:
    """One structured line per file for the event log (name, hash, rows, status, duration),
    written once the store has committed the load (never for a load it did not commit), from
    the result as it then stands."""
    result.duration_ms = int((time.monotonic() - started) * 1000)
    db.after_commit(lambda: events.info(json.dumps(_event(result), ensure_ascii=False)))
    return result


def _event(result: LoadResult) -> dict:
    inspection = result.inspection
    return {
        "event": "ingest", "file": result.file_name,
        "sha256": inspection.sha256 if inspection else None, "status": result.status,
        "load_id": result.load_id, "rows": result.rows,
        "errors": inspection.validation.error_count if inspection else 0,
        "warnings": inspection.validation.warning_count if inspection else 0,
        "duration_ms": result.duration_ms,
    }


def ingest_bytes(data: bytes, file_name: str, source: str, loaded_by: str | None = None,
                 db_path: Path | None = None, today: date | None = None,
                 publish: bool = True, on_disk: OnDisk | None = None,
                 confirmed_by: str | None = None, comment: str | None = None) -> LoadResult:
    """Inspect outside the lock, then apply under it and (unless ``publish`` is False, for a
    batch that publishes once at its end) publish the snapshot. ``confirmed_by``,
    ``comment``: as ``apply`` takes them (plausibility findings confirmed)."""
    started = time.monotonic()
    inspection = inspect_bytes(data, file_name, matcher_for(db_path), today, on_disk,
                               keep_connection=True)
    return _write_inspected(inspection, source, loaded_by, db_path, publish, started,
                            confirmed_by, comment)


def _write_inspected(inspection: Inspection, source: str, loaded_by: str | None,
                     db_path: Path | None, publish: bool, started: float,
                     confirmed_by: str | None = None, comment: str | None = None) -> LoadResult:
    """Apply an inspection that kept its connection, and close it. Where the store goes away
    the write is tried again (``db.retried``); where an attempt's commit went unanswered and
    the next attempt finds the file by its hash, that attempt's load is this one."""
    attempts: list[LoadResult] = []

    def attempt() -> LoadResult:
        # the rows go from the validating database into the main file: one DuckDB throughout
        with db.writer(db_path, into=inspection.connection) as con:
            result = apply(con, inspection, source, loaded_by, started, confirmed_by, comment)
            if result.status == "duplicate" and attempts and attempts[-1].status == "loaded":
                _adopt(result, attempts[-1])
            attempts.append(result)
            if publish and result.status == "loaded":
                db.publish_snapshot(con)
        return result

    try:
        result = db.retried(attempt)
    except db.StoreUnavailable as error:
        unknown = bool(attempts) and attempts[-1].status == "loaded" and \
            db.commit_outcome_unknown()
        raise error.about(inspection.file_name, unknown) from error
    finally:
        inspection.close()
    if result.status == "loaded":  # the writer has closed: the store has committed the load
        committed(result.load_id, source)
    return result


def write_inspection(inspection: Inspection, source: str, loaded_by: str | None,
                     confirmed_by: str | None = None, comment: str | None = None,
                     db_path: Path | None = None) -> LoadResult:
    """Write an inspection (e.g. the upload page's preview) as one load and publish the
    snapshot: the same road as ``ingest_bytes`` (retries, confirmation after the commit,
    the after-commit hooks)."""
    return _write_inspected(inspection, source, loaded_by, db_path, True, time.monotonic(),
                            confirmed_by, comment)


def _adopt(found: LoadResult, sent: LoadResult) -> None:
    """``found`` (the file, found by its hash after a commit that went unanswered) is the load
    ``sent`` made: report it as loaded, with what that attempt counted."""
    found.status, found.rows, found.districts = "loaded", sent.rows, sent.districts
    found.weeks, found.replaced = sent.weeks, sent.replaced
    found.findings, found.confirmed_by = sent.findings, sent.confirmed_by


def committed(load_id: int, source: str) -> None:
    """Run the :data:`AFTER_COMMIT` hooks; none of them can fail the load. Called once, by
    ``_write_inspected`` (every road: CLI, inbox, upload page and form through
    ``write_inspection``) once the store has committed, never inside the write block: the hooks
    may write (the alerts claim their messages) and take their time (SMTP)."""
    for hook in AFTER_COMMIT:
        try:
            hook(load_id, source)
        except Exception:
            log.exception("after-commit hook %s failed for load %s", hook.__name__, load_id)


def ingest_file(path: Path, source: str, loaded_by: str | None = None,
                db_path: Path | None = None, today: date | None = None,
                publish: bool = True, confirmed_by: str | None = None) -> LoadResult:
    """``ingest_bytes`` of a file on disk, which DuckDB may read in place of a copy."""
    on_disk = OnDisk.of(path)
    data = Path(path).read_bytes()
    return ingest_bytes(data, Path(path).name, source, loaded_by, db_path, today, publish,
                        on_disk, confirmed_by)


def ingest_files(paths: list[Path], source: str, loaded_by: str | None = None,
                 db_path: Path | None = None, today: date | None = None,
                 confirmed_by: str | None = None) -> Iterator[LoadResult]:
    """``ingest_file`` of each path in turn, publishing once after the last load. While one file
    is written, the next is already read and checked in a second thread (DuckDB releases the
    GIL), which keeps both cores busy; the loads themselves stay one after the other, in order.
    ``confirmed_by``: who confirmed the plausibility findings of these files (``ingest
    --confirm``); None: a file with findings is rejected."""
    # the first file is read while the matcher is made (it may ask the store first)
    matcher: Future[Matcher] = Future()

    def inspected(path: Path) -> tuple[Inspection, float]:
        started = time.monotonic()
        data = Path(path).read_bytes()
        return inspect_bytes(data, Path(path).name, matcher, today, OnDisk.of(path),
                             keep_connection=True), started

    loaded = published = False
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="inspect") as pool:
        upcoming = [pool.submit(inspected, path) for path in paths[:1]]
        try:
            try:
                matcher.set_result(matcher_for(db_path))
            except BaseException as error:
                matcher.set_exception(error)
                raise
            for index in range(len(paths)):
                inspection, started = upcoming.pop().result()
                upcoming += [pool.submit(inspected, path) for path in paths[index + 1:index + 2]]
                # the last load publishes the snapshot itself (with PostgreSQL it is built while
                # the rows stream to the store); earlier ones leave it to the end of the batch
                last = index == len(paths) - 1
                result = _write_inspected(inspection, source, loaded_by, db_path, last, started,
                                          confirmed_by)
                loaded = loaded or result.status == "loaded"
                published = last and result.status == "loaded"
                yield result
        except BaseException:  # stopped early (an error, a busy database)
            if loaded:  # the app still gets what was loaded; the error is the one to raise
                with suppress(Exception):
                    publish(db_path)
            raise
        finally:  # close what was read ahead
            for future in upcoming:
                with suppress(Exception):
                    future.result()[0].close()
    if loaded and not published:
        publish(db_path)


def publish(db_path: Path | None = None) -> None:
    """Publish the snapshot for the app (after a batch of loads)."""
    if db.refresh():  # a shared store: the snapshot follows it without a write
        return
    with db.writer(db_path) as con:
        db.publish_snapshot(con)


def rollback(con: duckdb.DuckDBPyConnection, load_id: int, by: str | None = None) -> dict:
    """Deactivate one load; what it replaced is in force again. Returns what happened."""
    found = con.execute("SELECT file_name, status FROM load_log WHERE load_id = ?",
                        [load_id]).fetchall()
    if not found:
        return {"status": "unknown", "load_id": load_id}
    file_name, status = found[0]
    if status != "loaded":
        return {"status": "not_active", "load_id": load_id, "file": file_name,
                "previous_status": status}
    restored = rollback_preview(con, load_id)
    con.execute(f"UPDATE load_log SET status = 'rolled_back', rolled_back_at = {db.UTC_NOW}, "  # noqa: S608
                "rolled_back_by = ? WHERE load_id = ?", [by, load_id])
    return {"status": "rolled_back", "load_id": load_id, "file": file_name,
            "restored": len(restored)}


def rollback_preview(con: duckdb.DuckDBPyConnection, load_id: int) -> pd.DataFrame:
    """The figures that come back if ``load_id`` is rolled back (one row per key): the rule
    for the figure in force (the macro ``current_rows_from``, migration 006) run over the
    active rows less that load, where the load's figures are in force now."""
    con.execute("CREATE OR REPLACE TEMP VIEW rollback_remaining AS SELECT * FROM active_rows "
                f"WHERE load_id <> {int(load_id)}")  # noqa: S608 (an int; views take no parameters)
    try:
        return con.execute("""
            SELECT e.ags, e.week, e.facility, e.arrivals, e.departures, e.capacity, e.occupied,
                e.load_id
            FROM current_rows_from('rollback_remaining') e
            SEMI JOIN (SELECT ags, week FROM current_rows WHERE load_id = ?) m USING (ags, week)
            ANTI JOIN current_rows c USING (ags, week, facility, load_id)
            ORDER BY e.ags, e.week, e.facility
        """, [load_id]).df()
    finally:
        con.execute("DROP VIEW IF EXISTS rollback_remaining")
