"""A real PostgreSQL server for the tests: no mock stands in for the database.

``TEST_DATABASE_URL`` names a server to use (a CI service, say); without it one
is started from the PostgreSQL server binaries (``apt-get install postgresql``)
on a free loopback port, in a temporary directory, and stopped at the end.
PostgreSQL refuses to run as root: under root it runs as the user ``nobody``.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from databases import libpq_url

SUPERUSER = "postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_binaries() -> Path:
    """The directory of ``initdb`` and ``pg_ctl``: on PATH, else Debian's."""
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if not found:
        pytest.fail(
            "The PostgreSQL server is not installed: the database tests need a "
            "real one (Debian/Ubuntu: apt-get install postgresql), or set "
            "TEST_DATABASE_URL to a server they may create databases on."
        )
    return Path(found[-1]).parent


def _version(path: str) -> int:
    return int(Path(path).parts[-3])


class PostgresServer:
    """A throw-away server: trust authentication, loopback TCP only."""

    def __init__(self) -> None:
        self.binaries = server_binaries()
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="postgres-test-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.url = f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/postgres"
        # The server's user when the tests run as root, which PostgreSQL refuses.
        self.user = "nobody" if os.geteuid() == 0 else None

    def start(self) -> None:
        if not self.data.exists():
            self._prepare_directory()
            self._run("initdb", "-D", self.data, "-U", SUPERUSER, "-A", "trust",
                      "-E", "UTF8", "--locale=C", "--no-sync")  # fmt: skip
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k '' -c fsync=off"
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options,
                  "-w", "-t", "30", "start")  # fmt: skip
        self._wait_until_ready()

    def stop(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _prepare_directory(self) -> None:
        if self.user is not None:
            self.directory.chmod(0o755)
            self.data.mkdir()
            shutil.chown(self.data, self.user)
            self.log.touch()
            shutil.chown(self.log, self.user)

    def _run(self, program: str, *args: object, check: bool = True) -> None:
        result = subprocess.run(
            [str(self.binaries / program), *map(str, args)],
            user=self.user,
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{program} failed:\n{result.stderr}\n{log}")

    def _wait_until_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(libpq_url(self.url), connect_timeout=1).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a server on which the tests may create databases."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield given
        return
    server = PostgresServer()
    server.start()
    try:
        yield server.url
    finally:
        server.remove()


@pytest.fixture
def own_postgres_server() -> Iterator[PostgresServer]:
    """A server for one test alone, which the test may stop and start again."""
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.remove()
