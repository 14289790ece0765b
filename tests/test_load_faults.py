"""The baked API under gunicorn and load, and when its parts fail.

A real gunicorn (the project's own gunicorn.conf.py, four sync workers), a real
redis-server, and a load of mixed reads and writes from many client threads,
all on loopback and bounded in time:

- under load nothing fails, no write is lost, and worker memory stays flat;
- Redis killed mid-load and started again: no 5xx, and caching resumes;
- a worker killed mid-load: gunicorn replaces it, and at most the requests in
  flight on it fail.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import random
import signal
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from conftest import bake
from presets import ALL_ON
from processes import (
    GUNICORN,
    Redis,
    Server,
    free_port,
    migrate,
    running,
    started_redis,
)

pytestmark = pytest.mark.slow

# The load calls the API without a credential: every option on but
# authentication (tests/test_auth_logs.py runs that under gunicorn).
LOADED = {**ALL_ON, "auth": "none"}

ITEMS = "/api/v1/items"
WORKERS = 4


@pytest.fixture(scope="module")
def project(cookies_session) -> Path:
    return bake(cookies_session, LOADED)


@pytest.fixture
def redis_server(tmp_path) -> Iterator[Redis]:
    with started_redis(tmp_path) as server:
        yield server


@dataclass
class Api:
    server: Server
    database: Path

    def pid(self) -> int:
        return self.server.process.pid

    def workers(self) -> list[int]:
        """The pids of the master's children, read from /proc."""
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.pid():
                    children.append(int(entry.name))
        return sorted(children)

    def wait_for_workers(self, count: int, timeout: float = 30) -> list[int]:
        deadline = time.monotonic() + timeout
        while len(workers := self.workers()) != count:
            assert time.monotonic() < deadline, f"{workers} after {timeout} s"
            time.sleep(0.1)
        return workers


@contextmanager
def gunicorn(project: Path, tmp_path: Path, redis_url: str) -> Iterator[Api]:
    port = free_port()
    database = tmp_path / "load.sqlite3"
    env = {
        **os.environ,
        "PYTHONPATH": str(project / "src"),
        "SECRET_KEY": "load-test-secret-of-at-least-32-characters",
        # 64 connections from one address: far beyond one client's rate limit.
        "RATELIMIT_DEFAULT": "1000000/minute",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": redis_url,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(WORKERS),
    }
    migrate(project, env)
    with running(
        GUNICORN, cwd=project, env=env, port=port, log=tmp_path / "gunicorn.log"
    ) as server:
        server.wait_until_answering("/api/v1/health")
        api = Api(server, database)
        api.wait_for_workers(WORKERS)
        try:
            yield api
        finally:
            assert server.terminate() == 0, server.output()[-3000:]


# ---------------------------------------------------------------- the load


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    created: dict[int, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())

    @property
    def failures(self) -> int:
        bad = sum(n for status, n in self.statuses.items() if status >= 400)
        return bad + sum(self.errors.values())


def call(port: int, method: str, path: str, body: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Content-Type": "application/json", "Accept-Encoding": "gzip"}
        payload = None if body is None else json.dumps(body)
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return response.status, body
    finally:
        connection.close()


def client_loop(port: int, number: int, deadline: float, tally: Tally) -> None:
    """Two reads of the list or of an item for each write, until the deadline."""
    chooser = random.Random(number)
    sent = 0
    while time.monotonic() < deadline:
        sent += 1
        kind = chooser.choice(("write", "list", "list", "item", "health"))
        try:
            if kind == "write":
                name = f"load {number}-{sent}"
                status, body = call(port, "POST", ITEMS, {"name": name})
                if status == 201:
                    with tally.lock:
                        tally.created[json.loads(body)["id"]] = name
            elif kind == "list":
                status, _ = call(port, "GET", f"{ITEMS}?limit={chooser.randint(1, 50)}")
            elif kind == "item":
                with tally.lock:
                    known = list(tally.created)[-50:]
                item = chooser.choice(known) if known else 1
                status, _ = call(port, "GET", f"{ITEMS}/{item}")
                status = 200 if status == 404 and not known else status
            else:
                status, _ = call(port, "GET", "/api/v1/health")
        except (OSError, http.client.HTTPException) as error:
            # A worker killed mid-answer shows as a reset or a short body.
            with tally.lock:
                tally.errors[type(error).__name__] += 1
            continue
        with tally.lock:
            tally.statuses[status] += 1


def load(port: int, connections: int, seconds: float, during=None) -> Tally:
    """``connections`` client threads for ``seconds``; ``during`` runs beside them."""
    tally = Tally()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=client_loop, args=(port, n, deadline, tally))
        for n in range(connections)
    ]
    for thread in threads:
        thread.start()
    if during is not None:
        during()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    assert not any(thread.is_alive() for thread in threads)
    return tally


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def all_item_names(api: Api) -> dict[int, str]:
    connection = sqlite3.connect(api.database)
    try:
        return dict(connection.execute("SELECT id, name FROM items"))
    finally:
        connection.close()


# ---------------------------------------------------------------- the tests


def test_under_load_nothing_fails_no_write_is_lost_memory_stays_flat(
    project, tmp_path, redis_server
):
    with gunicorn(project, tmp_path, redis_server.url) as api:
        load(api.server.port, 16, 4)  # warm-up: code paths and pools in place
        workers = api.workers()
        before = {pid: rss_kib(pid) for pid in workers}

        tally = load(api.server.port, 64, 20)

        after = {pid: rss_kib(pid) for pid in workers}
        stored = all_item_names(api)
        readable = {
            item: call(api.server.port, "GET", f"{ITEMS}/{item}")[0]
            for item in list(tally.created)[:: max(1, len(tally.created) // 200)]
        }
    print(f"\nload: {tally.requests} requests, {tally.statuses}, errors {tally.errors}")
    print(f"writes: {len(tally.created)}; RSS KiB before {before} after {after}")

    assert tally.failures == 0, (tally.statuses, tally.errors)
    assert tally.requests > 1000
    assert len(tally.created) > 100
    # Every 201 is stored under its name, and the API reads it back.
    assert {item: stored.get(item) for item in tally.created} == tally.created
    assert set(readable.values()) == {200}
    for pid in workers:
        growth = after[pid] - before[pid]
        assert growth < 16 * 1024, f"worker {pid} grew {growth} KiB"


def test_redis_killed_mid_load_then_back_no_5xx_and_caching_resumes(
    project, tmp_path, redis_server
):
    def outage():
        time.sleep(3)
        redis_server.kill()
        time.sleep(3)
        redis_server.start()

    with gunicorn(project, tmp_path, redis_server.url) as api:
        tally = load(api.server.port, 32, 10, during=outage)

        # After the restart: a page read twice, then a row written behind the
        # API, which only a cache hit can miss.
        port = api.server.port
        first = json.loads(call(port, "GET", f"{ITEMS}?limit=7")[1])
        connection = sqlite3.connect(api.database)
        with connection:
            connection.execute(
                "INSERT INTO items (name, quantity, created_at, version) "
                "VALUES ('behind the api', 0, '2026-01-01 00:00:00.000000', 1)"
            )
        connection.close()
        again = [json.loads(call(port, "GET", f"{ITEMS}?limit=7")[1]) for _ in range(8)]
        hits = redis.Redis.from_url(redis_server.url).info("stats")["keyspace_hits"]
    print(
        f"\nredis outage: {tally.requests} requests, {tally.statuses}, {tally.errors}"
    )

    assert not [status for status in tally.statuses if status >= 500], tally.statuses
    assert tally.failures == 0, (tally.statuses, tally.errors)
    # Every worker answered from Redis: the row behind the API stays unseen.
    assert all(page["total"] == first["total"] for page in again)
    assert hits >= 8


def test_a_worker_killed_mid_load_is_replaced_and_only_its_requests_fail(
    project, tmp_path, redis_server
):
    connections = 32
    with gunicorn(project, tmp_path, redis_server.url) as api:
        workers = api.workers()
        victim = workers[0]

        def kill_a_worker():
            time.sleep(3)
            os.kill(victim, signal.SIGKILL)

        tally = load(api.server.port, connections, 10, during=kill_a_worker)
        replaced = api.wait_for_workers(WORKERS)
        status, _ = call(api.server.port, "GET", "/api/v1/health")
    print(
        f"\nworker killed: {tally.requests} requests, {tally.statuses}, {tally.errors}"
    )

    assert victim not in replaced
    assert len(set(replaced) - set(workers)) == 1
    assert status == 200
    assert not [status for status in tally.statuses if status >= 500], tally.statuses
    # A sync worker serves one request at a time: only that one can be lost.
    assert tally.failures <= connections, (tally.statuses, tally.errors)


@pytest.mark.slow
@pytest.mark.parametrize("cache_backend", ["simple", "redis", "none"])
def test_a_write_through_one_worker_is_read_by_every_worker(
    cookies, tmp_path, redis_server, cache_backend
):
    project = bake(cookies, {**LOADED, "cache_backend": cache_backend})
    stale = reads = 0

    with gunicorn(project, tmp_path, redis_server.url) as api:
        port = api.server.port
        for written in range(1, 6):
            # Every worker reads the page first, and keeps it if it caches.
            for _ in range(4 * WORKERS):
                assert call(port, "GET", ITEMS)[0] == 200
            assert call(port, "POST", ITEMS, {"name": f"item {written}"})[0] == 201
            # Fresh connections: the sync workers take turns answering them.
            for _ in range(20):
                status, body = call(port, "GET", ITEMS)
                assert status == 200
                reads += 1
                stale += json.loads(body)["total"] != written
    print(f"\n{cache_backend} cache, {WORKERS} workers: {stale} of {reads} stale")

    assert stale == 0
