"""Fixtures shared by the service tests: a fresh database per test, on SQLite and PostgreSQL.

`engine` runs each test on a new SQLite file and, when `scripts/test` has started a
PostgreSQL server (LOONBODE_TEST_POSTGRES_URL), again on a new PostgreSQL database.

Every log record of the run (every logger, DEBUG and up) is also written to `test-run.log`
in pytest's base temp folder; when the run ends, that file is scanned for valid BSNs and
IBANs, and any found fails the run with the offending lines printed masked (`tests.log_scan`).
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

from tests.log_scan import LogScan
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


# --- every log record of the run, scanned for BSNs and IBANs at the end ------------------------------------------

_LOG_SCAN = pytest.StashKey[LogScan]()


@pytest.hookimpl(trylast=True)  # after pytest's own tmp_path plugin has its base temp folder
def pytest_configure(config: pytest.Config) -> None:
    factory = getattr(config, "_tmp_path_factory", None)
    folder = factory.getbasetemp() if factory is not None else Path(config.rootpath, "tests", "artifacts")
    config.stash[_LOG_SCAN] = LogScan.start(Path(folder) / "test-run.log")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    scan = session.config.stash.get(_LOG_SCAN, None)
    if scan is None:
        return
    found = scan.finish()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not found:
        if reporter is not None:
            reporter.write("\n")
            reporter.write_line(f"logs of this run (no BSN or IBAN in them): {scan.path}")
        return
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
    lines = [f"{len(found)} logregel(s) met een onverkorte BSN of IBAN (gemaskeerd getoond; volledig log: "
             f"{scan.path}):", *(f"  {line}" for line in found[:50])]
    if reporter is not None:
        reporter.write_sep("=", "BSN/IBAN in de logs", red=True)
        for line in lines:
            reporter.write_line(line)
    else:
        print("\n".join(lines))


def pytest_unconfigure(config: pytest.Config) -> None:
    scan = config.stash.get(_LOG_SCAN, None)
    if scan is not None:
        scan.stop()
