"""Fixtures shared by the service tests: a fresh database per test, on SQLite and PostgreSQL.

`engine` runs each test on a new SQLite file and, when `scripts/test` has started a
PostgreSQL server (LOONBODE_TEST_POSTGRES_URL), again on a new PostgreSQL database.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from workflows.db import create_db_engine, migrate

POSTGRES_URL = os.environ.get("LOONBODE_TEST_POSTGRES_URL")


def _postgres_engine() -> Iterator[Engine]:
    if not POSTGRES_URL:
        pytest.fail("LOONBODE_TEST_POSTGRES_URL is not set: run the suite through ./scripts/test, which starts "
                    "PostgreSQL")
    name = f"loonbode_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = create_db_engine(url)
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        _drop_database(admin, name)
        admin.dispose()


def _drop_database(admin: Engine, name: str) -> None:
    """Drop a test database; a session the server itself holds there (autovacuum) may refuse to
    be ended for a moment, so try again briefly before failing."""
    for attempt in range(50):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except (ProgrammingError, OperationalError):
            if attempt == 49:
                raise
            time.sleep(0.1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'loonbode.sqlite3'}")
        migrate(engine)
        yield engine
        engine.dispose()
    else:
        yield from _postgres_engine()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path
