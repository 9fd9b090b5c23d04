"""A real PostgreSQL for the tests: the server `.ci/run` started (DELIVERY_SYNC_TEST_POSTGRES),
else a throwaway one started here from the PostgreSQL binaries on this machine. Each test gets
a database of its own, dropped afterwards. Neither available is a failure, never a skip: the
PostgreSQL store and the scale-out promises are only proven against a real server."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

ENV = "DELIVERY_SYNC_TEST_POSTGRES"


def _binaries() -> Path | None:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: p.parent.parent.name
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def throwaway_server() -> Iterator[str]:
    """initdb + pg_ctl start in a temporary directory, as `postgres` when we are root (the
    server refuses to run as root); stopped and removed on exit."""
    binaries = _binaries()
    if binaries is None:
        pytest.fail(
            f"no PostgreSQL: set {ENV} to a server's URL, or install the server "
            "(Debian: apt-get install postgresql); `.ci/run` does both"
        )
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    directory = Path(tempfile.mkdtemp(prefix="delivery-sync-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    data, port = directory / "data", _free_port()
    quiet = {"check": True, "capture_output": True}
    subprocess.run(
        [*as_postgres, binaries / "initdb", "-D", data, "-A", "trust", "-U", "postgres"], **quiet
    )
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *as_postgres,
            binaries / "pg_ctl",
            "-D",
            data,
            "-l",
            directory / "log",
            "-w",
            "-o",
            options,
            "start",
        ],
        **quiet,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, binaries / "pg_ctl", "-D", data, "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server's maintenance database."""
    if os.environ.get(ENV):
        yield os.environ[ENV]
        return
    with throwaway_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database for one test."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
