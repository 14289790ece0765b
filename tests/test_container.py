"""The baked Dockerfile, built and run for real with podman.

No registry can be reached from the test machines, so the Dockerfile's base
image (``python:3.13-slim-bookworm``) is replaced by a stand-in made from Debian
packages with mmdebstrap (Debian 13 ships Python 3.13), tagged with the base's
name and built once, then kept in /var/tmp for the next runs. podman runs as
root with runc (crun cannot run in this machine's cgroups), the cgroupfs
manager and the host's network (no other network works here).

For a default bake and a PostgreSQL bake, the image: serves the API, runs as a
non-root user, passes its HEALTHCHECK (and fails it when the server stops
answering), stops on SIGTERM with exit code 0 well within gunicorn's graceful
timeout, holds no compiler or build tool, migrates its database as its CMD
promises, and after a change of code only is rebuilt with the dependencies'
layer from cache, the change in the new image. Figures are printed with -s.
"""

from __future__ import annotations

import fcntl
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import time
from contextlib import nullcontext
from pathlib import Path

import pytest
from conftest import bake
from presets import DEFAULTS
from processes import free_port, postgresql

# The stand-in base: its recipe's hash names the cached files and labels the
# image, so a changed recipe builds a new one.
DEBIAN_PACKAGES = "python3,python3-pip,python3-venv,ca-certificates"
MMDEBSTRAP = [
    "mmdebstrap",
    "--variant=minbase",
    f"--include={DEBIAN_PACKAGES}",
    "trixie",
]
# As the official image: python and pip on PATH, pip may install. The host's
# CA bundle goes in, for a proxy only the host trusts between pip and PyPI.
STAND_IN = """\
FROM localhost/flask-api-template/debian-python:{recipe}
COPY ca-certificates.crt /etc/ssl/certs/host-ca-certificates.crt
RUN ln -s /usr/bin/python3 /usr/local/bin/python \\
    && ln -s /usr/bin/pip3 /usr/local/bin/pip \\
    && rm -f /usr/lib/python3*/EXTERNALLY-MANAGED
ENV PIP_CERT=/etc/ssl/certs/host-ca-certificates.crt
LABEL flask-api-template.stand-in={recipe}
"""
RECIPE = hashlib.sha256(f"{MMDEBSTRAP}\n{STAND_IN}".encode()).hexdigest()[:12]
CACHE = Path("/var/tmp/flask-api-template-container")
# podman's default rlimits cannot be set here ("setrlimit RLIMIT_NOFILE").
CONTAINERS_CONF = "[containers]\ndefault_ulimits = []\n"

SECRET_KEY = "a-container-test-secret-that-is-long-enough"
GRACEFUL_TIMEOUT = 30  # gunicorn.conf.py's default, GUNICORN_GRACEFUL_TIMEOUT
BUILD_TOOLS = ["gcc", "cc", "c++", "make"]
DEPENDENCY_STEP = "--requirement requirements.txt"

POSTGRESQL = {**DEFAULTS, "database": "postgresql"}


def containers_conf() -> Path:
    conf = CACHE / "containers.conf"
    if not conf.exists() or conf.read_text() != CONTAINERS_CONF:
        CACHE.mkdir(parents=True, exist_ok=True)
        written = conf.with_suffix(f".{os.getpid()}")
        written.write_text(CONTAINERS_CONF)
        written.replace(conf)  # whole, for another worker reading it
    return conf


def podman(
    *args: str, timeout: float = 120, check: bool = True, merged: bool = False
) -> subprocess.CompletedProcess:
    """One podman command as this machine needs it; the output captured
    (``merged``: stderr in stdout, in the order podman wrote them)."""
    result = subprocess.run(
        ["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs", *args],
        env={**os.environ, "CONTAINERS_CONF": str(containers_conf())},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merged else subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    if check:
        assert result.returncode == 0, (
            f"podman {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{(result.stderr or '')[-4000:]}"
        )
    return result


def required(command: str) -> None:
    if shutil.which(command) is None:
        pytest.fail(
            f"{command} is not installed: apt-get install podman runc mmdebstrap "
            "(scripts/test installs them)"
        )


def base_image(project: Path) -> str:
    """The one image every stage of the baked Dockerfile starts from."""
    bases = set(re.findall(r"^FROM (\S+)", (project / "Dockerfile").read_text(), re.M))
    assert len(bases) == 1, bases
    name = bases.pop()
    return name if "/" in name else f"docker.io/library/{name}"


def stand_in_label(image: str) -> str | None:
    found = podman("image", "inspect", image, check=False)
    if found.returncode != 0:
        return None
    labels = json.loads(found.stdout)[0]["Config"].get("Labels") or {}
    return labels.get("flask-api-template.stand-in", "")


@pytest.fixture(scope="session")
def stand_in_base():
    """Make the stand-in base image once (the tarball is kept across runs).

    Returns a function that tags it with the name a Dockerfile's FROM uses.
    A real image of that name, pulled by someone, is used as it is.
    """
    for command in ("podman", "runc", "mmdebstrap"):
        required(command)
    CACHE.mkdir(parents=True, exist_ok=True)
    raw = f"localhost/flask-api-template/debian-python:{RECIPE}"
    stand_in = f"localhost/flask-api-template/stand-in:{RECIPE}"
    with (CACHE / "base.lock").open("w") as lock:  # one xdist worker builds it
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stand_in_label(stand_in) != RECIPE:
            tarball = CACHE / f"debian-python-{RECIPE}.tar"
            if not tarball.exists():
                # mmdebstrap reads the format from the name: a .tar to the end.
                partial = tarball.with_name(f"partial-{tarball.name}")
                made = subprocess.run(
                    [*MMDEBSTRAP, str(partial)],
                    capture_output=True, text=True, timeout=900,
                )  # fmt: skip
                assert made.returncode == 0, made.stderr[-4000:]
                partial.rename(tarball)
            podman("import", str(tarball), raw, timeout=600)
            context = CACHE / f"stand-in-{RECIPE}"
            context.mkdir(exist_ok=True)
            (context / "Containerfile").write_text(STAND_IN.format(recipe=RECIPE))
            shutil.copy("/etc/ssl/certs/ca-certificates.crt", context)
            podman("build", "--pull=never", "--network", "host", "-t", stand_in,
                   str(context), timeout=600)  # fmt: skip

    def tag_as(name: str) -> None:
        with (CACHE / "base.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if stand_in_label(name) in (None, RECIPE):  # absent, or ours
                podman("tag", stand_in, name)

    return tag_as


class Built:
    """An image of a baked project, and what its build said."""

    def __init__(self, project: Path, tag: str) -> None:
        self.project, self.tag = project, tag
        started = time.monotonic()
        result = podman(
            "build", "--format", "docker", "--pull=never", "--network", "host",
            "-t", tag, str(project), timeout=900, merged=True,
        )  # fmt: skip
        self.seconds = time.monotonic() - started
        self.output = result.stdout
        self.id = podman("image", "inspect", "--format", "{{.Id}}", tag).stdout.strip()

    def step_cached(self, fragment: str) -> bool:
        """Whether the step whose instruction holds ``fragment`` came from cache."""
        steps = re.split(r"^(?=\[\d+/\d+\] STEP )", self.output, flags=re.M)
        matching = [step for step in steps if fragment in step.partition("\n")[0]]
        assert len(matching) == 1, (fragment, self.output[-4000:])
        return "--> Using cache" in matching[0]

    def run(self, *command: str) -> str:
        """A one-off container of this image running ``command``; its output."""
        entrypoint, *arguments = command
        return podman(
            "run", "--rm", "--pull=never", "--network", "host",
            "--entrypoint", entrypoint, self.tag, *arguments,
        ).stdout  # fmt: skip

    def remove(self) -> None:
        podman("rmi", "--force", self.id, check=False)


class Container:
    """The image's own command (migrate, then gunicorn) in a container."""

    def __init__(self, image: Built, env: dict[str, str]) -> None:
        self.port = free_port()
        options = [f"--env={name}={value}" for name, value in env.items()]
        self.id = podman(
            "run", "--detach", "--pull=never", "--network", "host",
            f"--env=PORT={self.port}", f"--env=SECRET_KEY={SECRET_KEY}", *options,
            image.tag,
        ).stdout.strip()  # fmt: skip

    def logs(self) -> str:
        result = podman("logs", self.id, check=False)
        return result.stdout + result.stderr

    def request(self, method: str, path: str, body: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers = {"Content-Type": "application/json"} if body else {}
            connection.request(
                method, path, json.dumps(body) if body else None, headers
            )
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def wait_until_answering(self, timeout: float = 60) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            state = self.inspect()["State"]
            assert state["Running"], f"exited {state['ExitCode']}:\n{self.logs()}"
            try:
                if self.request("GET", "/api/v1/health")[0] == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(
            f"no 200 from /api/v1/health in {timeout} s:\n{self.logs()}"
        )

    def execute(self, *command: str, check: bool = True):
        return podman("exec", self.id, *command, check=check)

    def inspect(self) -> dict:
        return json.loads(podman("container", "inspect", self.id).stdout)[0]

    def remove(self) -> None:
        podman("rm", "--force", "--time", "0", self.id, check=False)


def newest_revision(project: Path) -> str:
    versions = project.glob("src/*/migrations/versions/*.py")
    revisions = [
        re.search(r'^revision = "([^"]+)"', path.read_text(), re.M).group(1)
        for path in versions
    ]
    return max(revisions)


def check_serving(container: Container) -> None:
    status, body = container.request("GET", "/api/v1/health")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, body = container.request("POST", "/api/v1/items", {"name": "Tea"})
    assert status == 201, body
    created = json.loads(body)
    status, body = container.request("GET", f"/api/v1/items/{created['id']}")
    assert status == 200 and json.loads(body)["name"] == "Tea", body
    status, body = container.request("GET", "/api/v1/items")
    assert [item["name"] for item in json.loads(body)["items"]] == ["Tea"]


def check_unprivileged(container: Container) -> None:
    # The server's own process and a shell. PID 1 is gunicorn: the CMD's sh
    # execs the launcher (python -m <package>), which execs gunicorn.
    status = container.execute("cat", "/proc/1/status").stdout
    uids = re.search(r"^Uid:\s+(.*)$", status, re.M).group(1).split()
    assert set(uids) == {"10001"}, status
    assert "gunicorn" in container.execute("cat", "/proc/1/cmdline").stdout
    assert container.execute("id", "-u").stdout.strip() == "10001"


def check_healthcheck(container: Container) -> None:
    assert podman("healthcheck", "run", container.id, check=False).returncode == 0
    assert container.inspect()["State"]["Health"]["Status"] == "healthy"
    # Workers stopped (every process but PID 1 and the shell): no answer, and
    # the check must fail; resumed, it passes again.
    container.execute("sh", "-c", "kill -STOP -1")
    try:
        stopped = podman("healthcheck", "run", container.id, check=False, timeout=30)
    finally:
        container.execute("sh", "-c", "kill -CONT -1")
    assert stopped.returncode != 0, stopped.stdout
    assert podman("healthcheck", "run", container.id, check=False).returncode == 0


def check_stop(container: Container) -> float:
    started = time.monotonic()
    podman("stop", "--time", str(GRACEFUL_TIMEOUT), container.id, timeout=90)
    seconds = time.monotonic() - started
    state = container.inspect()["State"]
    assert state["ExitCode"] == 0, container.logs()
    # Not killed at the end of the timeout: gunicorn stopped on the SIGTERM.
    assert seconds < 10, seconds
    assert "Shutting down: Master" in container.logs()
    return seconds


@pytest.mark.slow
@pytest.mark.parametrize(
    "context", [DEFAULTS, POSTGRESQL], ids=["sqlite", "postgresql"]
)
def test_image_builds_serves_stops_and_rebuilds_from_cache(
    cookies, stand_in_base, context
):
    started = time.monotonic()
    project = bake(cookies, context)
    stand_in_base(base_image(project))
    tag = f"localhost/flask-api-template/container-test:{context['database']}"
    images: list[Built] = []
    figures: dict[str, object] = {}
    try:
        image = Built(project, tag)
        images.append(image)
        figures["build"] = image.seconds
        figures["size_mb"] = (
            int(podman("image", "inspect", "--format", "{{.Size}}", tag).stdout) / 1e6
        )

        tools = " ".join(BUILD_TOOLS)
        found = image.run("sh", "-c", f"for t in {tools}; do command -v $t; done; true")
        assert found.strip() == "", f"build tools in the image: {found}"

        database = (
            postgresql() if context["database"] == "postgresql" else nullcontext()
        )
        with database as pg:
            env = {"DATABASE_URL": pg.url} if pg else {}
            container = Container(image, env)
            try:
                figures["start"] = container.wait_until_answering()
                revision = newest_revision(project)
                if pg:
                    tables = pg.psql(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
                        database=pg.database,
                    ).split()
                    version = pg.psql(
                        "SELECT version_num FROM alembic_version", database=pg.database
                    )
                else:
                    query = (
                        "import sqlite3; db = sqlite3.connect('/app/data/app.sqlite3');"
                        'print(*[r[0] for r in db.execute("SELECT name FROM '
                        "sqlite_master WHERE type = 'table'\")]);"
                        "print(db.execute('SELECT version_num FROM alembic_version')"
                        ".fetchone()[0])"
                    )
                    *tables, version = container.execute(
                        "python", "-c", query
                    ).stdout.split()
                assert {"items", "alembic_version"} <= set(tables), tables
                assert version.strip() == revision
                check_serving(container)
                check_unprivileged(container)
                check_healthcheck(container)
                figures["stop"] = check_stop(container)
            finally:
                container.remove()

        # A change of code only: the dependencies' layer comes from cache and
        # the change is in the new image.
        package = next((project / "src").glob("*/__init__.py")).parent
        marker = f"# rebuilt {time.time_ns()}"
        with (package / "__init__.py").open("a") as module:
            module.write(f"{marker}\n")
        rebuilt = Built(project, tag)
        images.append(rebuilt)
        figures["rebuild"] = rebuilt.seconds
        assert rebuilt.step_cached(DEPENDENCY_STEP), rebuilt.output[-4000:]
        assert not rebuilt.step_cached("COPY src"), rebuilt.output[-4000:]
        installed = rebuilt.run(
            "python", "-c",
            f"import {package.name}, pathlib; "
            f"print(pathlib.Path({package.name}.__file__).read_text())",
        )  # fmt: skip
        assert installed.rstrip().endswith(marker), installed[-400:]
    finally:
        for built in images:
            built.remove()
    figures["test"] = time.monotonic() - started
    print(
        f"\ncontainer {context['database']}: "
        + ", ".join(
            f"{name} {value:.1f}" + ("" if name == "size_mb" else " s")
            for name, value in figures.items()
        )
    )
