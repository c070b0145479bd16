"""Real servers for the team setup: a PostgreSQL database per test session and an MLflow
tracking server (``agileds server``) on it, over HTTP on a free port.

Without a reachable PostgreSQL these tests are skipped with a one-line reason naming what
to start; under ``make test`` (``AGILEDS_REQUIRE_SERVERS=1``) or on CI (``CI`` set) they
fail instead, so a suite that never talked to the servers cannot pass unnoticed.
``AGILEDS_TEST_POSTGRES`` names another server (default: the local one, user postgres).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ADMIN_URL = os.environ.get("AGILEDS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def servers_required() -> bool:
    """Whether an unreachable server fails the tests rather than skipping them."""
    return any(os.environ.get(name) for name in ("CI", "AGILEDS_REQUIRE_SERVERS"))


def unavailable(reason: str) -> None:
    """Skip the test with ``reason``, or fail it when the servers are required."""
    if servers_required():
        pytest.fail(f"{reason} (required: CI or AGILEDS_REQUIRE_SERVERS is set)", pytrace=False)
    pytest.skip(reason)


def _connect(url: str):
    import psycopg

    return psycopg.connect(url, connect_timeout=3, autocommit=True)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[], str]]:
    """Make fresh PostgreSQL databases (``postgresql://...`` URLs), dropped at session end."""
    try:
        import psycopg
    except ImportError:
        unavailable("psycopg is not installed: pip install -e '.[dev]'")
    try:
        _connect(ADMIN_URL).close()
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        unavailable(
            f"PostgreSQL is not reachable at {ADMIN_URL} ({first}); start PostgreSQL there or set AGILEDS_TEST_POSTGRES to an admin URL"
        )
    made: list[str] = []

    def make() -> str:
        name = f"agileds_test_{os.getpid()}_{secrets.token_hex(4)}"
        with _connect(ADMIN_URL) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    yield make
    with _connect(ADMIN_URL) as connection:
        for name in made:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TrackingServer:
    """An ``agileds server`` subprocess: its URL, backend database and artifact folder."""

    def __init__(self, url: str, backend: str, artifacts: Path, log: Path) -> None:
        self.url = url
        self.backend = backend
        self.artifacts = artifacts
        self.log = log


@pytest.fixture(scope="session")
def tracking_server(
    postgres_database: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TrackingServer]:
    """``agileds server`` on a fresh PostgreSQL database, one worker, a free port."""
    from agileds.cli.ui import stop, wait_until_answers

    backend = postgres_database()
    artifacts = tmp_path_factory.mktemp("server-artifacts")
    log = tmp_path_factory.mktemp("server-log") / "server.log"
    port = free_port()
    args = [sys.executable, "-m", "agileds", "server", "--backend", backend]
    args += ["--artifacts", str(artifacts), "--port", str(port), "--workers", "1"]
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    with log.open("wb") as output:
        server = subprocess.Popen(
            args, stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        try:
            wait_until_answers(server, f"http://127.0.0.1:{port}/health", 240)
        except Exception as exc:
            pytest.fail(f"{exc}\n{log.read_text()[-3000:]}", pytrace=False)
        yield TrackingServer(f"http://127.0.0.1:{port}", backend, artifacts, log)
    finally:
        stop(server)
