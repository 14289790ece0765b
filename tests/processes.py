"""Run commands: to completion, or as a loopback server that is stopped for sure."""

from __future__ import annotations

import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


def run(
    command: list,
    *,
    cwd: Path,
    env: dict | None = None,
    timeout: float = 120,
    check: bool = False,
) -> subprocess.CompletedProcess:
    """Run to the end with the output captured; ``check`` fails showing it."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert result.returncode == 0, (
            f"{command} exited {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running process whose output goes to a file, read back on demand."""

    def __init__(self, process: subprocess.Popen, log: Path, port: int) -> None:
        self.process = process
        self.log = log
        self.port = port

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def events(self) -> list[dict]:
        """The output as log events: every line must be one JSON object."""
        return [json.loads(line) for line in self.output().splitlines()]

    def access_events(self) -> dict[str, dict]:
        """gunicorn's access events by request id."""
        return {
            event["request_id"]: event
            for event in self.events()
            if event["logger"] == "gunicorn.access"
        }

    def request(
        self, method: str, path: str, body: bytes | None = None, headers=None
    ) -> tuple[http.client.HTTPResponse, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()

    def wait_until_answering(self, path: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"server exited with {self.process.returncode}:\n{self.output()}"
                )
            try:
                response, _ = self.request("GET", path)
                if response.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"no 200 from {path} in {timeout} s:\n{self.output()}")

    def wait_for_output(self, text: str, count: int = 1, timeout: float = 10.0):
        """Until ``text`` occurs ``count`` times: each process logs in its own time."""
        deadline = time.monotonic() + timeout
        while self.output().count(text) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not {count}x in:\n{self.output()}")
            time.sleep(0.05)

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, then the exit status; SIGKILL only if it hangs (and fail)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"no exit {timeout} s after SIGTERM:\n{self.output()}"
            ) from None


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM, and SIGKILL if it has not ended ``timeout`` seconds later."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running(
    command: list[str],
    *,
    cwd: Path,
    env: dict,
    port: int,
    log: Path,
    new_session: bool = False,
) -> Iterator[Server]:
    """Run ``command``; whatever happens in the block, the process ends after it.

    ``new_session``: the process leads a process group of its own (as a
    service on a machine of its own would), which ``os.killpg`` can kill whole;
    after the block, whatever is left of that group is killed too.
    """
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
    server = Server(process, log, port)
    try:
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if new_session:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


# gunicorn as a baked project is deployed: its own gunicorn.conf.py (run from
# the project's directory; BIND, WEB_CONCURRENCY and the app's variables in env).
GUNICORN = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]


# ---------------------------------------------------------------- Redis


class Redis:
    """A redis-server on a free loopback port, that may be killed and started
    again on the same port; nothing is saved to disk."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.starts = 0
        self._stack: list = []

    def start(self, timeout: float = 10) -> None:
        self.starts += 1
        command = [
            "redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
            "--dir", str(self.directory), "--save", "", "--appendonly", "no",
        ]  # fmt: skip
        log = self.directory / f"redis-{self.starts}.log"
        context = running(
            command, cwd=self.directory, env=dict(os.environ), port=self.port, log=log
        )
        self.server = context.__enter__()
        self._stack.append(context)
        deadline = time.monotonic() + timeout
        while not self.answers():
            if time.monotonic() > deadline or self.server.process.poll() is not None:
                raise AssertionError(f"redis-server did not start:\n{log.read_text()}")
            time.sleep(0.05)

    def answers(self) -> bool:
        """Whether it answers PING (raw RESP: no client library needed)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        self.server.process.kill()
        self.server.process.wait()

    def stop_all(self) -> None:
        while self._stack:
            self._stack.pop().__exit__(None, None, None)


@contextmanager
def started_redis(directory: Path) -> Iterator[Redis]:
    """A running Redis for the block (the tests, and bench/ too)."""
    if shutil.which("redis-server") is None:
        raise AssertionError("redis-server is missing: scripts/test installs it")
    server = Redis(directory)
    try:
        server.start()
        yield server
    finally:
        server.stop_all()


# ---------------------------------------------------------------- PostgreSQL

# Debian's server binaries (package postgresql), newest version first.
POSTGRES_BINARIES = sorted(
    Path("/usr/lib/postgresql").glob("*/bin"),
    key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    reverse=True,
)
# postgres and initdb refuse to run as root: as root, the server runs as this
# user, and owns its data directory; any other user runs it as itself.
UNPRIVILEGED_USER = "nobody"


def postgres_binary(name: str) -> str:
    for directory in POSTGRES_BINARIES:
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    assert found, f"{name} is missing: scripts/test installs postgresql (apt-get)"
    return found


def as_unprivileged() -> dict:
    """Popen arguments that drop root for the server; nothing for anyone else."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(UNPRIVILEGED_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


class PostgreSQL:
    """A PostgreSQL server of its own, on a free loopback port.

    Its cluster lives in a directory of its own (not under pytest's tmp_path,
    whose parents only root may enter), owned by the user the server runs as,
    and removed after.
    ``stop`` and ``start`` take it away and bring it back on the same port with
    the same data, as a restart or a failover would.
    """

    def __init__(
        self, *, database: str = "app", user: str = "app", password: str = "app-pw"
    ) -> None:
        self.port = free_port()
        self.database, self.user, self.password = database, user, password
        credentials = as_unprivileged()
        # The server's user must reach its directory: as root, in /tmp itself
        # (the temp dir of this run may be one that only root can enter).
        parent = "/tmp" if credentials else None
        self.directory = Path(tempfile.mkdtemp(prefix="pg-", dir=parent))
        if credentials:
            os.chown(self.directory, credentials["user"], credentials["group"])
        self.data = self.directory / "data"
        self.starts = 0
        self.server: Server | None = None
        # The server's environment: no PG* variable of the caller's applies.
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LC_ALL": "C",
            "TZ": "UTC",
        }

    @property
    def url(self) -> str:
        """The SQLAlchemy URL for psycopg 3, as the app's DATABASE_URL reads it."""
        return (
            f"postgresql+psycopg://{self.user}:{self.password}"
            f"@127.0.0.1:{self.port}/{self.database}"
        )

    def initdb(self) -> None:
        command = [
            postgres_binary("initdb"), "--pgdata", self.data, "--username=postgres",
            "--auth-local=trust", "--auth-host=scram-sha-256",
            "--encoding=UTF8", "--no-locale", "--no-sync",
        ]  # fmt: skip
        result = subprocess.run(
            [str(part) for part in command],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            **as_unprivileged(),
        )
        assert result.returncode == 0, f"initdb:\n{result.stdout}\n{result.stderr}"

    def start(self, timeout: float = 30) -> None:
        self.starts += 1
        command = [
            postgres_binary("postgres"), "-D", self.data, "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1",
            "-c", f"unix_socket_directories={self.directory}",
            # Durable against a server stopped or killed, not against the
            # machine losing power, which no test does: no wait for the disk.
            "-c", "fsync=off",
        ]  # fmt: skip
        log = self.directory / f"postgres-{self.starts}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [str(part) for part in command],
                cwd=self.directory,
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                **as_unprivileged(),
            )
        self.server = Server(process, log, self.port)
        deadline = time.monotonic() + timeout
        while not self.accepting():
            if process.poll() is not None:
                raise AssertionError(
                    f"postgres exited with {process.returncode}:\n{log.read_text()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"postgres not ready in {timeout} s")
            time.sleep(0.05)

    def accepting(self) -> bool:
        ready = subprocess.run(
            [postgres_binary("pg_isready"), "--quiet", "--host=127.0.0.1",
             f"--port={self.port}", "--timeout=1"],
            env=self.env,
        )  # fmt: skip
        return ready.returncode == 0

    def stop(self, mode: str = "fast", timeout: float = 30) -> None:
        """Shut down as ``pg_ctl stop -m mode`` does: its signal to the postmaster.

        smart waits for every client to leave; fast ends their sessions (a
        clean shutdown: everything committed is on disk); immediate quits at
        once, as a crash would (the next start recovers from the WAL).
        """
        signals = {"smart": signal.SIGTERM, "fast": signal.SIGINT,
                   "immediate": signal.SIGQUIT}  # fmt: skip
        server = self.server
        if server is None or server.process.poll() is not None:
            return
        server.process.send_signal(signals[mode])
        try:
            server.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
            raise AssertionError(
                f"postgres still up {timeout} s after a {mode} stop:\n"
                f"{server.output()[-3000:]}"
            ) from None

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` as the superuser over the server's own Unix socket."""
        result = subprocess.run(
            [postgres_binary("psql"), "--no-psqlrc", "--quiet", "--tuples-only",
             "--no-align", "-v", "ON_ERROR_STOP=1", f"--host={self.directory}",
             f"--port={self.port}", "--username=postgres", f"--dbname={database}",
             "--command", sql],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, f"psql {sql!r}:\n{result.stderr}"
        return result.stdout.strip()

    def output(self) -> str:
        """Every start's log, oldest first."""
        return "".join(
            (self.directory / f"postgres-{n}.log").read_text(errors="replace")
            for n in range(1, self.starts + 1)
        )

    def remove(self) -> None:
        if self.server is not None and self.server.process.poll() is None:
            self.server.process.kill()  # SIGKILL: its children exit with it
            self.server.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def postgresql(**names: str) -> Iterator[PostgreSQL]:
    """A running PostgreSQL with a database owned by a user with a password.

    ``names``: ``database``, ``user``, ``password``. The server is stopped and
    its directory removed after the block, whatever happens in it.
    """
    server = PostgreSQL(**names)
    try:
        server.initdb()
        server.start()
        server.psql(f"CREATE ROLE {server.user} LOGIN PASSWORD '{server.password}'")
        server.psql(f"CREATE DATABASE {server.database} OWNER {server.user}")
        yield server
    finally:
        try:
            server.stop("fast")
        finally:
            server.remove()


# ---------------------------------------------------------------- haproxy


def problem_json(status: int, title: str, detail: str) -> str:
    return json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    )


# haproxy's own answers (no instance up, a broken connection, a timeout) as the
# API's: RFC 9457 problem documents, never an HTML page.
BALANCER_ERRORS = {
    502: ("Bad Gateway", "The instance serving this request failed."),
    503: ("Service Unavailable", "No instance of the API can answer now."),
    504: ("Gateway Timeout", "The instance serving this request did not answer."),
}


def haproxy_config(
    port: int,
    stats_port: int,
    backends: list[int],
    *,
    health_path: str,
    server_maxconn: int | None,
) -> str:
    """HTTP round robin over ``backends``, routing around any that fails.

    - ``option httpchk`` on ``health_path`` every 500 ms: two failed checks
      take an instance out, two good ones bring it back;
    - a connection refused is retried on another instance (``redispatch 1``),
      and takes its instance out at once (``on-error mark-down``): one that
      died refuses at once, keeps free slots, and would draw every retry
      until its checks fail;
      a request sent to an instance that then closed without an answer is
      retried elsewhere only if it is safe to repeat (GET, HEAD, OPTIONS);
    - ``server_maxconn``: requests beyond it wait in haproxy's queue, not in an
      instance's listen backlog, so an instance that dies takes down only the
      requests it was serving (set it to the instance's sync worker count).
    """
    maxconn = f" maxconn {server_maxconn}" if server_maxconn else ""
    servers = "\n".join(
        f"    server app{n} 127.0.0.1:{backend} check{maxconn}"
        for n, backend in enumerate(backends, 1)
    )
    errors = "\n".join(
        f"    http-error status {status} content-type application/problem+json "
        f"string '{problem_json(status, title, detail)}'"
        for status, (title, detail) in BALANCER_ERRORS.items()
    )
    return f"""\
global
    maxconn 4096
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout queue 15s
    timeout check 2s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
{errors}

frontend api
    bind 127.0.0.1:{port}
    http-request disable-l7-retry unless METH_GET or METH_HEAD or METH_OPTIONS
    default_backend instances

backend instances
    balance roundrobin
    option httpchk
    http-check send meth GET uri {health_path} ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2 \
                   observe layer4 error-limit 1 on-error mark-down
{servers}

listen stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /
"""


class Balancer(Server):
    """haproxy in front of some instances; ``states`` reads its health checks."""

    stats_port: int

    def states(self) -> dict[str, str]:
        """Each instance's state: UP, DOWN, or a transition (UP 1/2, DOWN 1/2)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.stats_port, timeout=5)
        try:
            connection.request("GET", "/;csv")
            rows = connection.getresponse().read().decode().splitlines()
        finally:
            connection.close()
        header = rows[0].lstrip("# ").split(",")
        states = {}
        for row in rows[1:]:
            fields = dict(zip(header, row.split(","), strict=False))
            if fields.get("pxname") == "instances" and fields["svname"].startswith(
                "app"
            ):
                states[fields["svname"]] = fields["status"]
        return states

    def wait_for_states(self, expected: dict[str, str], timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while (states := self.states()) != expected:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"haproxy: {states}, not {expected}")
            time.sleep(0.05)


@contextmanager
def haproxy(
    backends: list[int],
    directory: Path,
    *,
    health_path: str = "/api/v1/health/ready",
    server_maxconn: int | None = None,
) -> Iterator[Balancer]:
    """haproxy balancing ``backends`` (loopback ports); stopped after the block.

    Its log (one line per request, with the instance and the retries) goes to
    ``directory/haproxy.log``. The backends named ``app1``, ``app2``... in the
    order given.
    """
    executable = shutil.which("haproxy")
    assert executable, "haproxy is missing: scripts/test installs it (apt-get)"
    port, stats_port = free_port(), free_port()
    config = directory / "haproxy.cfg"
    config.write_text(
        haproxy_config(port, stats_port, backends, health_path=health_path,
                       server_maxconn=server_maxconn)
    )  # fmt: skip
    run([executable, "-c", "-q", "-f", config], cwd=directory, check=True)
    log = directory / "haproxy.log"
    with log.open("wb") as sink:
        # -db: in the foreground, a child of this process.
        process = subprocess.Popen(
            [executable, "-db", "-f", str(config)],
            cwd=directory,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    balancer = Balancer(process, log, port)
    balancer.stats_port = stats_port
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                balancer.states()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"haproxy did not start:\n{balancer.output()}"
                    ) from None
                time.sleep(0.05)
        yield balancer
    finally:
        stop(process)  # SIGTERM: haproxy's hard stop


def migrate(project: Path, env: dict) -> None:
    """Bring the database of ``env``'s DATABASE_URL to the project's newest
    migration, as its deploy files do before the server starts."""
    # The package, not an instance folder an earlier run made beside it.
    package = next(path.parent.name for path in (project / "src").glob("*/__init__.py"))
    run(
        [sys.executable, "-m", "flask", "--app", package, "db", "upgrade"],
        cwd=project,
        env=env,
        check=True,
    )
