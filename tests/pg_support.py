"""PostgreSQL fixtures: one throwaway cluster per test run, a new database per test.

``pg_cluster`` starts :class:`harness.pgcluster.TempCluster` once per session (skipping with the
reason where PostgreSQL's binaries or psycopg are missing) and removes it at the end.
``store_db`` is an initialised store of either kind (parameterised ``duckdb`` / ``postgresql``):
the ETL contract tests take it, so that each runs against both stores. It returns the path that
``RECEPTION_DB`` names (for PostgreSQL: the machine's mirror file, ``config.db_path()``);
``tests.etl_support.query`` on that path reads what the store of record holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

STORES = ("duckdb", "postgresql")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator:
    from harness import pgcluster

    reason = pgcluster.unavailable()
    if reason:
        pytest.skip(reason)
    cluster = pgcluster.TempCluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_store(request: pytest.FixtureRequest, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> str:
    """A new empty PostgreSQL database set as RECEPTION_DB, the mirror in ``tmp_path/local``."""
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.create_database()
    monkeypatch.setenv("RECEPTION_DB", url)
    monkeypatch.setenv("RECEPTION_SNAPSHOT_DIR", str(tmp_path / "local"))
    monkeypatch.setenv("RECEPTION_INBOX", str(tmp_path / "inbox"))
    return url


@pytest.fixture(params=STORES)
def store_db(request: pytest.FixtureRequest) -> Path:
    """An initialised store (reference and key, no figures) of the kind in ``request.param``."""
    if request.param == "duckdb":  # a copy of the session's init (tests/conftest.py)
        return request.getfixturevalue("fresh_db")
    from reception import config

    request.getfixturevalue("pg_store")
    from etl.cli import main

    assert main(["init"]) == 0
    return config.db_path()
