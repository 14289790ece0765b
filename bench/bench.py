"""Load the baked API and a bare Flask app side by side, and print the figures.

Run it through ``bench/run`` (which installs wrk, redis-server and the FastAPI
peer's packages first):

    bench/run            full run, about 15 minutes; rewrites the README's table
    bench/run --smoke    one short round of everything: proves the bench works

Every Flask server is gunicorn with ONE sync worker, the same for each app: on
this two-core machine wrk gets one core and the worker the other, so requests/s
measure what a request costs the app, not how the two fight for cores. Each
starts from the baked project's own gunicorn.conf.py, as it is deployed (the
JSON access log written for every request, the app preloaded). Sync is
gunicorn's default worker class; it closes the connection after each answer,
for every Flask app alike. The FastAPI peer (``apps/fastapi_peer``) runs as its
template deploys it, under uvicorn with ONE worker and its access log, which
keeps connections alive: its "new connection each" row shows what that is
worth. Loads run in rounds, and each round alternates the order of the apps it
compares, so drift of a shared machine cancels out; figures are the medians
over rounds, ratios the median of each round's ratio. Any answer that is not
2xx (not 201 for a create), and any socket error, fails the run. Writes are
loaded last, each app on a database of its own, so that no read is measured on
a table they grew.

With PostgreSQL installed (bench/run installs it), the all-options project is
baked for it too and served against a server of its own (started as the
template's tests start one): one item, 20 items with and without the cache,
and create, beside the SQLite rows; and one item answered by the same app
whose ``find_item`` reads through psycopg and its pool alone
(``variants:driver_item_reads``): what SQLAlchemy costs that read.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.util
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from cookiecutter.main import cookiecutter

BENCH = Path(__file__).resolve().parent
TEMPLATE = BENCH.parent
README = TEMPLATE / "README.md"
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"

sys.path.append(str(TEMPLATE / "tests"))
# The tests' presets, derived from cookiecutter.json: no option name to misspell.
import processes  # noqa: E402
from presets import ALL_OFF, DEFAULTS  # noqa: E402
from processes import free_port, stop  # noqa: E402

# "All options": what a project gets by default (every feature on, SQLite, the
# simple cache); the other bakes differ from it in one option.
ALL_OPTIONS = DEFAULTS
ALL_OPTIONS_REDIS = {**ALL_OPTIONS, "cache_backend": "redis"}
ALL_OPTIONS_POSTGRESQL = {**ALL_OPTIONS, "database": "postgresql"}
# The same app behind each kind of credential (issue 11's bound on what it costs).
AUTHENTICATED = {"api-key": "api_key", "jwt": "jwt"}

HEALTH = "/api/v1/health"
ITEMS = "/api/v1/items"
BIG_PAGE = f"{ITEMS}?limit=2000"
BIG_PAGE_ITEMS = 2000
SMALL_PAGE_ITEMS = 20
SMALL_PAGE = f"{ITEMS}?limit={SMALL_PAGE_ITEMS}"
# Which seeded item the one-item rows read: any, the same for every app.
READ_ITEM_NUMBER = 10
NEW_ITEM = '{"name": "benchmark item", "quantity": 1}'
PEER_MODULES = ("fastapi", "sqlmodel", "uvicorn")
# What a browser calling the API from another origin sends: every layer of the
# stack (CORS, compression negotiation) has work to do on every request.
IDENTITY = (("Accept-Encoding", "identity"),)
BROWSER_HEADERS = (("Origin", "http://localhost:3000"), ("Accept-Encoding", "identity"))


@dataclass(frozen=True)
class Load:
    """One wrk load: a server, a request and the status every answer must have.

    ``status`` None accepts any 2xx; a ``body`` is sent as JSON.
    """

    label: str
    server: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    method: str = "GET"
    body: str | None = None
    status: int | None = None


@dataclass
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    bytes_per_answer: float
    requests: int


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    # What it runs: its environment, and the baked project's src (None for
    # the bench's own apps). The flask commands run on the same database.
    env: dict[str, str] = field(default_factory=dict)
    bake: Path | None = None


def main() -> int:
    args = parse_args()
    args.load_before = os.getloadavg()[0]  # other work on the machine skews figures
    check_names(args)
    wrk = shutil.which("wrk")
    redis_server = shutil.which("redis-server")
    if not wrk or not redis_server:
        sys.exit(
            "bench needs wrk and redis-server: run bench/run, "
            "or apt-get install wrk redis-server"
        )
    missing = [name for name in PEER_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        sys.exit(
            f"the FastAPI peer needs {', '.join(missing)}: run bench/run, "
            "which installs them into bench/.venv"
        )

    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        work = Path(scratch)
        bakes = {
            "all-options": bake(ALL_OPTIONS, work / "all-options"),
            "all-options-redis": bake(ALL_OPTIONS_REDIS, work / "all-options-redis"),
            "all-off": bake(ALL_OFF, work / "all-off"),
        }
        for name, auth in AUTHENTICATED.items():
            bakes[name] = bake({**ALL_OPTIONS, "auth": auth}, work / name)
        postgresql_found = has_postgresql()
        if postgresql_found:
            bakes["postgresql"] = bake(ALL_OPTIONS_POSTGRESQL, work / "postgresql")
        else:
            print("PostgreSQL is not installed: no PostgreSQL rows", file=sys.stderr)
        if args.compare_template:
            bakes["compared"] = bake(
                ALL_OPTIONS, work / "compared", args.compare_template
            )
            bakes["compared-redis"] = bake(
                ALL_OPTIONS_REDIS, work / "compared-redis", args.compare_template
            )
        with contextlib.ExitStack() as stack:
            redis_url = stack.enter_context(running_redis(work))
            postgresql_url = None
            if postgresql_found:
                postgresql_url = stack.enter_context(running_postgresql())
            servers = stack.enter_context(
                running_servers(work, bakes, redis_url, postgresql_url)
            )
            created = seed(servers["all-options"], BIG_PAGE_ITEMS)
            _, page = request(servers["all-options"], "GET", BIG_PAGE)
            (work / "page.json").write_bytes(page)
            seed(servers["slow-uncached"], SMALL_PAGE_ITEMS)
            # The same rows, ids included, in the databases of the servers
            # that read them (the FastAPI peer's table has fewer columns).
            for name in ("standard-json", "all-options-uncached", "fastapi",
                         "floor", *AUTHENTICATED):  # fmt: skip
                columns = COLUMNS.get(name, "*")
                copy_items(work, "all-options", name, columns)
            credentials = {
                "api-key": api_key(servers["api-key"]),
                "jwt": access_token(servers["jwt"]),
            }
            for name in ("slow-simple", "slow-redis", "slow-redis-memoize"):
                copy_items(work, "slow-uncached", name)
            item_paths = {
                name: created[READ_ITEM_NUMBER]
                for name in ("all-options", "fastapi", "floor", *AUTHENTICATED)
            }
            if postgresql_url:
                # One database for the PostgreSQL servers (they read it; the
                # creates, loaded last, grow it), seeded as SQLite's was.
                on_postgresql = seed(servers["postgresql"], BIG_PAGE_ITEMS)
                item_paths["postgresql"] = on_postgresql[READ_ITEM_NUMBER]
                for driver in ("postgresql-driver", "postgresql-driver-checked"):
                    same_answer(servers, "postgresql", driver, on_postgresql)
            if "compared" in servers:
                # Through its own API: a template change may change what it stores.
                compared = seed(servers["compared"], BIG_PAGE_ITEMS)
                copy_items(work, "compared", "compared-uncached")
                item_paths["compared"] = compared[READ_ITEM_NUMBER]
                seed(servers["compared-slow-redis"], SMALL_PAGE_ITEMS)
            loads = plan(item_paths, credentials)
            if args.floor:
                loads = floor_rows(loads)
            results = measure(wrk, servers, loads, args.rounds, args.duration)
    serialization = 0.0
    if not args.floor:
        serialization = serialization_speedup(json.loads(page), args.rounds)
    report = render(results, loads, args, serialization)
    print(report)
    if args.write_readme:
        write_readme(figures_only(report))
        print(f"\nWrote the table into {README.relative_to(TEMPLATE)}")
    return 0


def check_names(args: argparse.Namespace) -> None:
    """Fail now, not after the run, if a load names no server or the report a
    label no load has: the plan and the report are tried on made-up figures.
    """
    names = ("all-options", "all-options-redis", "all-off", "postgresql", "fastapi",
             "floor",
             *AUTHENTICATED)  # fmt: skip
    if args.compare_template:
        names += ("compared", "compared-redis")
    specs = server_specs(dict.fromkeys(names, TEMPLATE), "redis://-/0", "postgresql://")
    groups = plan(dict.fromkeys(names, ITEMS), dict.fromkeys(AUTHENTICATED, "-"))
    unknown = {load.server for group in groups for load in group} - specs.keys()
    if unknown:
        sys.exit(f"loads name servers that server_specs does not start: {unknown}")
    made_up = Result(1.0, 1.0, 1.0, 1.0, 1)
    render({load: [made_up] for group in groups for load in group}, groups, args, 1.0)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds of every load (5)"
    )
    parser.add_argument(
        "--duration", type=float, default=5, help="seconds per load (5)"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="one round of one second each, README untouched: proves the bench works",
    )
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="only the item rows against plain Flask and the FastAPI peer "
        "(about 6 minutes), README untouched",
    )
    parser.add_argument(
        "--compare-template",
        type=Path,
        help="another checkout of this template: its all-options bake is loaded "
        "beside this one (before/after figures of a change, in one run; the "
        "README gets this one's figures only)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.duration = 1, 1
    args.write_readme = not (args.smoke or args.no_readme or args.floor)
    return args


def bake(context: dict, output: Path, template: Path = TEMPLATE) -> Path:
    """Bake one project and return its ``src`` directory."""
    project = cookiecutter(
        str(template), no_input=True, output_dir=str(output), extra_context=context
    )
    return Path(project) / "src"


def has_postgresql() -> bool:
    """Whether PostgreSQL's server programs are installed (bench/run installs them)."""
    try:
        processes.postgres_binary("postgres")
    except AssertionError:
        return False
    return True


@contextlib.contextmanager
def running_postgresql() -> Iterator[str]:
    """A PostgreSQL server of its own, as the template's tests start one.

    tests/processes.py's ``postgresql``: a cluster in a directory of its own,
    on a free loopback port, fsync off, run as nobody under root; its
    SQLAlchemy URL for psycopg 3.
    """
    with processes.postgresql(database="bench") as server:
        yield server.url


@contextlib.contextmanager
def running_redis(work: Path) -> Iterator[str]:
    """A Redis started as the tests start one (tests/processes.py); its URL."""
    with processes.started_redis(work) as server:
        yield server.url


@dataclass(frozen=True)
class Spec:
    """How to start one server.

    ``app`` is gunicorn's ``module:name``; with a ``bake`` (the baked
    project's ``src``) it names a factory, called with this server's own
    ``CACHE_DIR``, and the server's database is migrated before it starts.
    """

    path: tuple[Path, ...]
    app: str
    env: dict[str, str] = field(default_factory=dict)
    bake: Path | None = None


def server_specs(
    bakes: dict[str, Path], redis_url: str, postgresql_url: str | None = None
) -> dict[str, Spec]:
    """Every server by name; each has a database of its own (start_server)."""
    apps = BENCH / "apps"

    def baked(bake: str, factory: str, env: dict | None = None) -> Spec:
        return Spec((bakes[bake], apps), factory, env or {}, bakes[bake])

    specs = {
        "bare": Spec((apps,), "bare:app"),
        # Served by uvicorn, not gunicorn (see start_server).
        "fastapi": Spec((apps,), "fastapi_peer.main:app"),
        # Plain Flask + Flask-SQLAlchemy: the floor of the item rows.
        "floor": Spec((apps,), "floor:app"),
        "prebuilt": Spec((apps,), "prebuilt:app"),
        "all-options": baked("all-options", "flask_api:create_app"),
        "all-off": baked("all-off", "flask_api:create_app"),
        "api-key": baked("api-key", "flask_api:create_app"),
        # An access token that outlives the run.
        "jwt": baked(
            "jwt", "flask_api:create_app", {"JWT_ACCESS_TOKEN_EXPIRES": "7200"}
        ),
        "standard-json": baked("all-options", "variants:standard_json"),
        "all-options-uncached": baked("all-options", "variants:uncached"),
        "slow-uncached": baked("all-options", "variants:slow_database_uncached"),
        "slow-simple": baked("all-options", "variants:slow_database"),
        "slow-redis": baked(
            "all-options-redis", "variants:slow_database", {"REDIS_URL": redis_url}
        ),
        "slow-redis-memoize": baked(
            "all-options-redis",
            "variants:slow_database_memoized",
            {"REDIS_URL": redis_url.removesuffix("/0") + "/2"},
        ),
    }
    if postgresql_url:
        on_postgresql = {"DATABASE_URL": postgresql_url}
        specs["postgresql"] = baked("postgresql", "flask_api:create_app", on_postgresql)
        specs["postgresql-uncached"] = baked(
            "postgresql", "variants:uncached", on_postgresql
        )
        specs["postgresql-driver"] = baked(
            "postgresql", "variants:driver_item_reads", on_postgresql
        )
        specs["postgresql-driver-checked"] = baked(
            "postgresql", "variants:driver_item_reads_checked", on_postgresql
        )
    if "compared" in bakes:
        # Seeded through its own API: a template change may change what it stores.
        specs["compared"] = baked("compared", "flask_api:create_app")
        specs["compared-uncached"] = baked("compared", "variants:uncached")
        specs["compared-slow-redis"] = baked(
            "compared-redis",
            "variants:slow_database",
            # Its own Redis database: the two apps' keys must not meet.
            {"REDIS_URL": redis_url.removesuffix("/0") + "/1"},
        )
    return specs


def database_file(work: Path, name: str) -> Path:
    return work / f"{name}.sqlite3"


def server_env(name: str, spec: Spec, work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(map(str, spec.path)),
        "SECRET_KEY": "benchmark-only-secret-of-32-characters",
        "DATABASE_URL": f"sqlite:///{database_file(work, name)}",
        # One address making thousands of requests a second: far beyond a
        # client's rate limit, which still runs (and costs what it costs).
        "RATELIMIT_DEFAULT": "1000000/minute",
        "PREBUILT_BODY": str(work / "page.json"),
        **spec.env,
    }


@contextlib.contextmanager
def running_servers(
    work: Path, bakes: dict[str, Path], redis_url: str, postgresql_url: str | None
) -> Iterator[dict[str, Server]]:
    specs = server_specs(bakes, redis_url, postgresql_url)
    migrate_all(
        {name: spec for name, spec in specs.items() if spec.bake is not None}, work
    )
    servers: dict[str, Server] = {}
    try:
        for name, spec in specs.items():
            servers[name] = start_server(name, spec, work, bakes["all-options"])
        for server in servers.values():
            # A dozen servers import their apps at once: minutes on a busy machine.
            wait_for(lambda s=server: _healthy(s), f"the server of {server.name}", 120)
        yield servers
    finally:
        for server in servers.values():
            stop(server.process)


def migrate_all(specs: dict[str, Spec], work: Path) -> None:
    """Bring each server's database to its bake's newest migration, in parallel.

    A database that several servers share is migrated once.
    """
    running, databases = [], set()
    for name, spec in specs.items():
        assert spec.bake is not None
        env = server_env(name, spec, work)
        if env["DATABASE_URL"] in databases:
            continue
        databases.add(env["DATABASE_URL"])
        process = start_migration(spec.bake, env)
        if process is not None:
            running.append((name, process))
    for name, process in running:
        finish_migration(process, name)


def start_migration(src: Path, env: dict[str, str]) -> subprocess.Popen | None:
    """``flask db upgrade`` of the bake whose ``src`` this is, on env's DATABASE_URL.

    What the baked project's deploy does before its server starts (as
    tests/processes.py's ``migrate``). None for a bake without ``migrations/``
    (an older checkout given to --compare-template): its app creates its
    tables itself when it starts.
    """
    packages = [path for path in src.iterdir() if (path / "migrations").is_dir()]
    if not packages:
        return None
    return subprocess.Popen(
        [*flask_command(src), "db", "upgrade"],
        cwd=src.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def flask_command(src: Path) -> list[str]:
    """``flask --app <package>`` for the bake whose ``src`` this is."""
    package = next(path for path in src.iterdir() if (path / "__init__.py").is_file())
    return [sys.executable, "-m", "flask", "--app", package.name]


def run_flask(server: Server, *arguments: str, stdin: str | None = None) -> str:
    """A ``flask`` command of a server's bake, on its database; its output."""
    assert server.bake is not None
    done = subprocess.run(
        [*flask_command(server.bake), *arguments],
        cwd=server.bake.parent,
        env=server.env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        sys.exit(
            f"flask {' '.join(arguments)} for {server.name} failed:\n{done.stderr}"
        )
    return done.stdout


def api_key(server: Server) -> str:
    """A new read key, made as a user makes one (``flask keys create``)."""
    return run_flask(server, "keys", "create", "bench").strip()


def access_token(server: Server) -> str:
    """An access token from the token route, for a user made with ``flask users``."""
    password = "benchmark password of some length"
    run_flask(server, "users", "create", "bench", "--password-stdin", stdin=password)
    credentials = {"username": "bench", "password": password}
    status, body = request(server, "POST", "/api/v1/auth/token", credentials)
    if status != 200:
        sys.exit(f"logging in to {server.name} failed: {status} {body[:200]!r}")
    return json.loads(body)["access_token"]


def finish_migration(process: subprocess.Popen, name: str) -> None:
    output, _ = process.communicate(timeout=120)
    if process.returncode:
        sys.exit(f"migrating the database of {name} failed:\n{output.decode()}")


def start_server(name: str, spec: Spec, work: Path, production: Path) -> Server:
    """gunicorn with one sync worker; the FastAPI peer: uvicorn with one worker.

    gunicorn runs with a baked project's own ``gunicorn.conf.py`` (its JSON
    access log, the app preloaded), the bake's when the server has one, else
    ``production``'s (the all-options bake): every Flask app on the same
    server. Each server's output, access log included, goes to a file.
    """
    port = free_port()
    env = server_env(name, spec, work)
    app = spec.app
    if spec.bake is not None:
        # Its own cache files: a page another server cached is never read here.
        app += f"({{'CACHE_DIR': {str(work / (name + '-cache'))!r}}})"
    if name == "fastapi":
        # As `fastapi run` serves it (uvloop and httptools, access log on).
        command = [
            sys.executable, "-m", "uvicorn",
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1", app,
        ]  # fmt: skip
    else:
        project = (spec.bake or production).parent
        # gunicorn.conf.py imports the baked package: its src on the path.
        env["PYTHONPATH"] += os.pathsep + str(project / "src")
        env.update(BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1")
        # The app named here wins over the file's wsgi_app.
        config = project / "gunicorn.conf.py"
        command = [sys.executable, "-m", "gunicorn", "--config", str(config), app]
    with (work / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    return Server(name, port, process, env, spec.bake)


def _healthy(server: Server) -> bool:
    if server.process.poll() is not None:
        sys.exit(
            f"the server of {server.name} exited with {server.process.returncode}"
            f" (its output: {server.name}.log in the bench's directory)"
        )
    status, _ = request(server, "GET", HEALTH)
    return status == 200


def wait_for(ready, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if ready():
                return
        time.sleep(0.1)
    sys.exit(f"{what} did not start within {timeout} s")


def request(
    server: Server, method: str, path: str, body: dict | None = None, headers=None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        payload = None if body is None else json.dumps(body)
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def seed(server: Server, count: int) -> list[str]:
    """Create ``count`` items through the API (about 96 bytes of JSON each).

    Returns the path of each new item, from the ``Location`` of its answer.
    """
    paths = []
    for number in range(count):
        item = {"name": f"benchmark item {number:04d}", "quantity": number % 100}
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            headers = {"Content-Type": "application/json"}
            connection.request("POST", ITEMS, json.dumps(item), headers)
            response = connection.getresponse()
            body, location = response.read(), response.getheader("Location", "")
        finally:
            connection.close()
        if response.status != 201 or not location:
            sys.exit(f"seeding {server.name} failed: {response.status} {body[:200]!r}")
        paths.append(urlsplit(location).path)
    return paths


# The columns copied into the tables of the apps that are not the baked one.
COLUMNS = {
    "fastapi": "id, name, quantity, created_at",
    "floor": "id, name, quantity, created_at, version",
}


def same_answer(
    servers: dict[str, Server], name: str, other: str, paths: list[str]
) -> None:
    """Stop unless both servers answer the same bytes for the one-item read."""
    path = paths[READ_ITEM_NUMBER]
    answers = [request(servers[server], "GET", path)[1] for server in (name, other)]
    if answers[0] != answers[1]:
        sys.exit(f"{name} and {other} differ on {path}: {answers}")


def copy_items(work: Path, source: str, target: str, columns: str = "*") -> None:
    """Copy every item row, ids included, from one server's database to another's.

    Both servers are idle (they have only answered health checks), and no
    cached page exists yet that the copy would make stale.
    """
    target_file = database_file(work, target)
    with contextlib.closing(sqlite3.connect(target_file, timeout=10)) as database:
        database.execute(
            "ATTACH DATABASE ? AS source", (str(database_file(work, source)),)
        )
        with database:
            names = "" if columns == "*" else f" ({columns})"
            database.execute(
                f"INSERT INTO items{names} SELECT {columns} FROM source.items"
            )


def plan(item_paths: dict[str, str], credentials: dict[str, str]) -> list[list[Load]]:
    """Groups of loads; the loads of a group are compared with each other.

    ``item_paths`` names, for each server the one-item rows load, the path of
    one seeded item; a "compared" entry adds the compared template's rows.
    ``credentials`` holds the bearer token of each authenticated server.
    """
    compare = "compared" in item_paths
    postgresql = "postgresql" in item_paths
    fresh_connections = (*BROWSER_HEADERS, ("Connection", "close"))
    groups = [
        [
            Load("bare Flask", "bare", HEALTH, BROWSER_HEADERS),
            Load("all options", "all-options", HEALTH, BROWSER_HEADERS),
            Load("all off", "all-off", HEALTH, BROWSER_HEADERS),
            Load("FastAPI peer", "fastapi", HEALTH, BROWSER_HEADERS),
            Load(
                "FastAPI peer, new connection each",
                "fastapi",
                HEALTH,
                fresh_connections,
            ),
        ],
        [
            Load("orjson", "all-options", BIG_PAGE, IDENTITY),
            Load(
                "standard json",
                "standard-json",
                BIG_PAGE,
                IDENTITY,
            ),
            Load("prebuilt", "prebuilt", BIG_PAGE, IDENTITY),
            Load("gzip", "all-options", BIG_PAGE, (("Accept-Encoding", "gzip"),)),
            Load("br", "all-options", BIG_PAGE, (("Accept-Encoding", "br"),)),
            Load("zstd", "all-options", BIG_PAGE, (("Accept-Encoding", "zstd"),)),
        ],
        [
            Load("uncached", "slow-uncached", ITEMS),
            Load("simple hit", "slow-simple", ITEMS),
            Load("redis hit", "slow-redis", ITEMS),
            Load("redis hit, memoize", "slow-redis-memoize", ITEMS),
        ],
        [
            Load("one item", "all-options", item_paths["all-options"], BROWSER_HEADERS),
            Load("FastAPI one item", "fastapi", item_paths["fastapi"], BROWSER_HEADERS),
            Load("floor one item", "floor", item_paths["floor"], BROWSER_HEADERS),
            *(
                Load(
                    f"one item, {label}",
                    server,
                    item_paths[server],
                    (
                        *BROWSER_HEADERS,
                        ("Authorization", f"Bearer {credentials[server]}"),
                    ),
                )
                for label, server in (("API key", "api-key"), ("JWT", "jwt"))
            ),
        ],
        [
            Load("20 items", "all-options", SMALL_PAGE, BROWSER_HEADERS),
            Load(
                "20 items, no cache",
                "all-options-uncached",
                SMALL_PAGE,
                BROWSER_HEADERS,
            ),
            Load("FastAPI 20 items", "fastapi", SMALL_PAGE, BROWSER_HEADERS),
            Load("floor 20 items", "floor", SMALL_PAGE, BROWSER_HEADERS),
        ],
        # Last: every create grows its app's table.
        [
            creating("create", "all-options"),
            creating("FastAPI create", "fastapi"),
            creating("floor create", "floor"),
        ],
    ]
    if postgresql:
        path = item_paths["postgresql"]
        groups[3] += [
            Load("PostgreSQL one item", "postgresql", path, BROWSER_HEADERS),
            Load(
                "PostgreSQL one item, psycopg alone",
                "postgresql-driver",
                path,
                BROWSER_HEADERS,
            ),
            Load(
                "PostgreSQL one item, psycopg alone, checked pool",
                "postgresql-driver-checked",
                path,
                BROWSER_HEADERS,
            ),
        ]
        groups[4] += [
            Load("PostgreSQL 20 items", "postgresql", SMALL_PAGE, BROWSER_HEADERS),
            Load(
                "PostgreSQL 20 items, no cache",
                "postgresql-uncached",
                SMALL_PAGE,
                BROWSER_HEADERS,
            ),
        ]
        groups[5].append(creating("PostgreSQL create", "postgresql"))
    if compare:
        gzip = (("Accept-Encoding", "gzip"),)
        groups[0].append(Load("compared", "compared", HEALTH, BROWSER_HEADERS))
        groups[1].append(Load("compared gzip", "compared", BIG_PAGE, gzip))
        groups[2].append(Load("compared redis hit", "compared-slow-redis", ITEMS))
        groups[3].append(
            Load(
                "compared one item",
                "compared",
                item_paths["compared"],
                BROWSER_HEADERS,
            )
        )
        groups[4].append(
            Load(
                "compared 20 items, no cache",
                "compared-uncached",
                SMALL_PAGE,
                BROWSER_HEADERS,
            )
        )
        groups[5].append(creating("compared create", "compared"))
    return groups


# The servers of the item rows issue 22 compares (--floor).
FLOOR_SERVERS = frozenset(
    {"all-options", "all-options-uncached", "fastapi", "floor", "compared",
     "compared-uncached"}
)  # fmt: skip


def floor_rows(groups: list[list[Load]]) -> list[list[Load]]:
    """The groups with a plain Flask row, each without the other servers' loads."""
    return [
        [load for load in group if load.server in FLOOR_SERVERS]
        for group in groups
        if any(load.server == "floor" for load in group)
    ]


def creating(label: str, server: str) -> Load:
    """POST a new item, as a browser does; every answer must be 201."""
    return Load(
        label, server, ITEMS, BROWSER_HEADERS, method="POST", body=NEW_ITEM, status=201
    )


def measure(
    wrk: str,
    servers: dict[str, Server],
    groups: list[list[Load]],
    rounds: int,
    duration: float,
) -> dict[Load, list[Result]]:
    results: dict[Load, list[Result]] = {load: [] for group in groups for load in group}
    for group in groups:
        for load in group:  # warm up: caches filled, code paths hot
            run_wrk(wrk, servers[load.server], load, 1)
        for number in range(rounds):
            order = group if number % 2 == 0 else list(reversed(group))
            for load in order:
                results[load].append(run_wrk(wrk, servers[load.server], load, duration))
            labels = ", ".join(load.label for load in order)
            print(f"  round {number + 1}/{rounds}: {labels}", file=sys.stderr)
    return results


def run_wrk(
    wrk: str, server: Server, load: Load, duration: float, connections: int = 4
) -> Result:
    command = [
        wrk, "--threads", "1", "--connections", str(connections),
        "--duration", f"{max(duration, 1):g}s", "--latency",
        "--script", str(BENCH / "wrk_report.lua"),
    ]  # fmt: skip
    for name, value in load.headers:
        command += ["--header", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{server.port}{load.path}")
    # wrk_report.lua's own arguments: the method, the JSON body, the status.
    command += ["--", f"method={load.method}"]
    if load.body is not None:
        command.append(f"body={load.body}")
    if load.status is not None:
        command.append(f"status={load.status}")
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=duration + 60
    )
    summary = json.loads(output.stdout.strip().splitlines()[-1])
    failures = {
        key: summary[key]
        for key in ("not_2xx", "unexpected", "connect", "read", "write", "timeout")
        if summary[key]
    }
    if failures or not summary["requests"]:
        sys.exit(
            f"{load.label} ({load.method} {load.path}): failed requests {failures}"
            f"\n{output.stdout}"
        )
    seconds = summary["duration_us"] / 1e6
    return Result(
        requests_per_second=summary["requests"] / seconds,
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        bytes_per_answer=summary["bytes"] / summary["requests"],
        requests=summary["requests"],
    )


def serialization_speedup(page: dict, rounds: int) -> float:
    """How many times faster orjson builds the 2,000-item answer, in-process.

    The wrk figure includes what both providers share (the cache read, the
    ETag, 190 KB through a socket); this is jsonify's own part alone.
    """
    from flask import Flask
    from flask.json.provider import DefaultJSONProvider
    from flask_orjson import OrjsonProvider

    app = Flask(__name__)
    providers = (OrjsonProvider(app), DefaultJSONProvider(app))
    ratios = []
    with app.app_context():
        for _ in range(max(rounds, 3)):
            fast, slow = (_seconds(lambda p=p: p.response(page)) for p in providers)
            ratios.append(slow / fast)
    return statistics.median(ratios)


def _seconds(work, count: int = 20) -> float:
    started = time.perf_counter()
    for _ in range(count):
        work()
    return (time.perf_counter() - started) / count


# ---------------------------------------------------------------- the report


def big_page_goals(ratio, goal, serialization: float) -> None:
    """The 2,000-item page: serializers, its share of the ceiling, compression."""
    # Issue 12 retired the orjson >= 4x and redis >= 75% goals: shown, not judged.
    speedup = ratio("orjson", "standard json")
    goal("2,000 items: orjson / standard provider, req/s", f"{speedup:.2f}x")
    ceiling = ratio("prebuilt", "standard json")
    goal("2,000 items: prebuilt body / standard provider, req/s (the ceiling)",
         f"{ceiling:.2f}x")  # fmt: skip
    share = ratio("orjson", "prebuilt")
    goal("2,000 items: all options / prebuilt body (share of the ceiling)",
         f"{share:.1%}", ">= 40%", share >= 0.40)  # fmt: skip
    goal("2,000 items: orjson / standard provider, jsonify alone (in-process)",
         f"{serialization:.2f}x")  # fmt: skip
    for encoding in ("gzip", "br", "zstd"):
        smaller = 1 - ratio(encoding, "orjson", "bytes_per_answer")
        goal(f"2,000 items, {encoding}: bytes saved", f"{smaller:.1%}",
             ">= 90%", smaller >= 0.90)  # fmt: skip
        speed = ratio(encoding, "orjson")
        goal(f"2,000 items, {encoding}: req/s / uncompressed", f"{speed:.0%}",
             ">= 90%", speed >= 0.90)  # fmt: skip


def render(
    results: dict[Load, list[Result]],
    groups: list[list[Load]],
    args,
    serialization: float,
) -> str:
    by_label = {load.label: load for group in groups for load in group}

    def median(label: str, attribute: str) -> float:
        return statistics.median(
            getattr(r, attribute) for r in results[by_label[label]]
        )

    def ratio(top: str, bottom: str, attribute: str = "requests_per_second") -> float:
        pairs = zip(results[by_label[top]], results[by_label[bottom]], strict=True)
        return statistics.median(
            getattr(a, attribute) / getattr(b, attribute) for a, b in pairs
        )

    def verdict(met: bool) -> str:
        return "met" if met else "**missed**"

    goals: list[tuple[str, str, str, str]] = []

    def goal(name: str, shown: str, target: str = "", met: bool | None = None):
        goals.append((name, shown, target, "" if met is None else verdict(met)))

    if "bare Flask" in by_label:
        for label in ("all options", "all off", "compared"):
            if label in by_label:
                share = ratio(label, "bare Flask")
                target, met = (">= 85% (aim 90%)", share >= 0.85)
                if label == "compared":
                    target, met = "", None
                goal(f"`GET /health`: {label} / bare Flask", f"{share:.1%}",
                     target, met)  # fmt: skip
    if "orjson" in by_label:
        big_page_goals(ratio, goal, serialization)
    if "uncached" in by_label:
        for backend in ("simple", "redis"):
            hit = ratio(f"{backend} hit", "uncached")
            goal(f"20 ms read, {backend} cache hit / uncached", f"{hit:.1f}x",
                 ">= 20x", hit >= 20)  # fmt: skip
        share = ratio("redis hit", "simple hit")
        goal("cache hit: redis / simple", f"{share:.1%}")
        # Below 110%, cache.py's @remembered should give way to Flask-Caching's
        # memoize.
        share = ratio("redis hit", "redis hit, memoize")
        goal("cache hit: @remembered / memoize, redis", f"{share:.0%}", ">= 110%",
             share >= 1.10)  # fmt: skip
    for credential in ("API key", "JWT"):
        if f"one item, {credential}" in by_label:
            share = ratio(f"one item, {credential}", "one item")
            goal(f"`GET /items/<id>`: {credential} / no credential", f"{share:.1%}",
                 ">= 90.9% (at most 10% slower)", share >= 1 / 1.1)  # fmt: skip
    if "PostgreSQL one item" in by_label:
        orm, driver = "PostgreSQL one item", "PostgreSQL one item, psycopg alone"
        goal("`GET /items/<id>` on PostgreSQL: psycopg alone / through SQLAlchemy",
             f"{ratio(driver, orm):.2f}x")  # fmt: skip
        pairs = zip(results[by_label[orm]], results[by_label[driver]], strict=True)
        # One sync worker, always busy: 1 / (req/s) is the time it spends on one.
        added = statistics.median(
            1000 / a.requests_per_second - 1000 / b.requests_per_second
            for a, b in pairs
        )
        goal("`GET /items/<id>` on PostgreSQL: worker time SQLAlchemy adds per read",
             f"{added:.2f} ms")  # fmt: skip
        # Issue 10's bound on the ORM layer: against the same queries on a pool
        # that also checks each connection before use (the app's pre-ping).
        share = ratio(orm, "PostgreSQL one item, psycopg alone, checked pool")
        goal("`GET /items/<id>` on PostgreSQL: SQLAlchemy / psycopg (checked pool)",
             f"{share:.1%}", ">= 85%", share >= 0.85)  # fmt: skip
        for name, on_postgresql, on_sqlite in (
            ("`GET /items/<id>`", orm, "one item"),
            ("`GET /items?limit=20`, no cache", "PostgreSQL 20 items, no cache",
             "20 items, no cache"),
            ("`POST /items`", "PostgreSQL create", "create"),
        ):  # fmt: skip
            share = ratio(on_postgresql, on_sqlite)
            goal(f"{name}: PostgreSQL / SQLite, all options", f"{share:.1%}")
    if "compared gzip" in by_label:
        share = ratio("compared gzip", "orjson")
        goal("2,000 items, gzip: compared / uncompressed", f"{share:.0%}")
        share = ratio("compared redis hit", "simple hit")
        goal("cache hit: compared redis / simple", f"{share:.1%}")
    if "compared one item" in by_label:
        share = ratio("compared one item", "one item")
        goal("`GET /items/<id>`: compared / all options", f"{share:.1%}")
        share = ratio("compared create", "create")
        goal("`POST /items`: compared / all options", f"{share:.1%}")
        share = ratio("compared 20 items, no cache", "20 items, no cache")
        goal("`GET /items?limit=20`, no cache: compared / all options",
             f"{share:.1%}")  # fmt: skip
    if "FastAPI peer" in by_label:
        for peer in ("FastAPI peer", "FastAPI peer, new connection each"):
            goal(f"`GET /health`: all options / {peer}",
                 f"{ratio('all options', peer):.2f}x")  # fmt: skip
    # Issue 22: each item row against plain Flask + Flask-SQLAlchemy (the
    # floor) and against the FastAPI peer; "compared" rows as the same.
    for name, ours, floor, peer, floor_target in (
        ("`GET /items/<id>`", "one item", "floor one item", "FastAPI one item",
         0.75),
        ("`GET /items?limit=20` (cache hit)", "20 items", "floor 20 items",
         "FastAPI 20 items", None),
        ("`GET /items?limit=20`, no cache", "20 items, no cache",
         "floor 20 items", "FastAPI 20 items", 0.75),
        ("`POST /items`", "create", "floor create", "FastAPI create", 0.95),
    ):  # fmt: skip
        for who, label in (("all options", ours), ("compared", f"compared {ours}")):
            if label not in by_label:
                continue
            share = ratio(label, floor)
            target = f">= {floor_target:.2f}x" if floor_target else ""
            met = share >= floor_target if floor_target else None
            goal(f"{name}: {who} / plain Flask", f"{share:.2f}x", target, met)
            share = ratio(label, peer)
            goal(f"{name}: {who} / FastAPI peer", f"{share:.2f}x", ">= 1.25x",
                 share >= 1.25)  # fmt: skip

    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}: "
        f"`bench/run`, {args.rounds} rounds of {args.duration:g} s per load, "
        "gunicorn with the baked gunicorn.conf.py (JSON access log) and 1 sync "
        "worker per Flask app, uvicorn with 1 worker for the FastAPI peer (access "
        "log on), wrk with 1 thread and 4 connections"
        + (
            ", PostgreSQL on loopback (fsync off)"
            if "PostgreSQL create" in by_label
            else ""
        )
        + f"; load average {args.load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after.",
        "",
        "| Goal | Measured | Target | |",
        "|---|---:|---|---|",
        *(
            f"| {name} | {value} | {target} | {met} |"
            for name, value, target, met in goals
        ),
        "",
        "| Load | Request | req/s | p50 ms | p99 ms | bytes/answer |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for group in groups:
        for load in group:
            accept = dict(load.headers).get("Accept-Encoding", "")
            request_text = f"`{load.method} {load.path}`" + (
                f" {accept}" if accept not in ("", "identity") else ""
            )
            lines.append(
                f"| {load.label} | {request_text} "
                f"| {median(load.label, 'requests_per_second'):,.0f} "
                f"| {median(load.label, 'p50_ms'):.2f} "
                f"| {median(load.label, 'p99_ms'):.2f} "
                f"| {median(load.label, 'bytes_per_answer'):,.0f} |"
            )
    return "\n".join(lines)


def figures_only(report: str) -> str:
    """The report without its targets and verdicts, for the README.

    Goal bookkeeping belongs to the bench's own output; the README shows what
    was measured, for this checkout (no row of a --compare-template one).
    """
    lines = []
    for line in report.splitlines():
        if line.startswith("| ") and "compared" in line:
            continue
        if line.startswith("| Goal |"):
            line = "| Comparison | Measured |"
        elif line == "|---|---:|---|---|":
            line = "|---|---:|"
        elif line.startswith("| ") and line.count(" | ") == 3:
            line = "|".join(line.split("|")[:3]) + "|"
        lines.append(line)
    return "\n".join(lines)


def machine() -> str:
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        cpuinfo = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        if found:
            model = found.group(1).strip()
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def write_readme(report: str) -> None:
    text = README.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        sys.exit(f"{README.name} has no {README_START} ... {README_END} block")
    before, after = text[: start + len(README_START)], text[end:]
    README.write_text(f"{before}\n{report}\n{after}")


if __name__ == "__main__":
    sys.exit(main())
