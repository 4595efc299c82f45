"""The weekly run over the inbox folder.

Files directly in the inbox are loaded in name order. A loaded (or already loaded) file moves to
``archive/``, a rejected one to ``rejected/`` with ``NAME.errors.csv`` beside it; both names are
prefixed with the time of the run. Overlapping runs are serialised by an exclusive ``flock`` on
``.weekly.lock`` in the inbox, so each file is processed once; a run killed midway releases the
lock with its process, leaves the file in the inbox (the load's transaction never committed) and
the next run loads it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from reception.ingest.load import LoadResult, ingest_files
from reception.ingest.problems import problems_frame

REPORT_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
LOCK_NAME = ".weekly.lock"


@contextmanager
def exclusive_run(inbox: Path, timeout: float = 3600) -> Iterator[None]:
    """Hold the inbox's run lock; a second run waits (bounded) until the first has finished."""
    inbox.mkdir(parents=True, exist_ok=True)
    with open(inbox / LOCK_NAME, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"weekly run in {inbox} still locked after {timeout} s") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pending_files(inbox: Path) -> list[Path]:
    return sorted(p for p in inbox.iterdir()
                  if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in REPORT_SUFFIXES)


def run_weekly(inbox: Path, user: str | None = None, lang: str = "de") -> list[LoadResult]:
    """Ingest every pending file; move each to archive/ or rejected/ once its load is decided.
    As ``etl ingest`` does, the next file is read while one is written, and the snapshot for the
    app is published once, after the last load."""
    results = []
    with exclusive_run(inbox):
        files = pending_files(inbox)
        # the loads lead the zip: their generator runs to its end, where it publishes
        for result, path in zip(ingest_files(files, "inbox", user), files, strict=True):
            _file_away(path, result, lang)
            results.append(result)
    return results


def _file_away(path: Path, result: LoadResult, lang: str) -> None:
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    folder = path.parent / ("rejected" if result.status == "rejected" else "archive")
    folder.mkdir(exist_ok=True)
    target = folder / f"{stamp}_{path.name}"
    if result.status == "rejected" and result.inspection is not None:
        # with the plausibility findings and, for a file refused for them, how to confirm
        report = problems_frame(result.all_problems(str(target)), lang)
        from reception.export import to_csv_bytes

        errors_path = folder / f"{target.name}.errors.csv"
        errors_path.write_bytes(to_csv_bytes(report))
    os.replace(path, target)
