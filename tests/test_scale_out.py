"""The baked API scaled out: two instances on one PostgreSQL, behind haproxy.

As two machines would run it: two gunicorn masters (the project's own
gunicorn.conf.py, two sync workers each), one PostgreSQL server, one
redis-server (the shared cache), and haproxy balancing round robin with a
health check on ``/api/v1/health/ready``. All real, all on loopback, each load
bounded in time:

- a mixed load through the balancer: nothing fails, every 201 stays readable,
  and a write through one instance is never followed by a stale read from the
  other (item, list total) or through the balancer;
- one instance killed whole (its process group) mid-load: haproxy routes
  around it and only the requests it was serving fail;
- PostgreSQL restarted mid-load: 503 problem documents while it is away (never
  a 500), full service after, nothing that got a 201 lost.

Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import random
import re
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import bake
from presets import DEFAULTS
from processes import (
    GUNICORN,
    Balancer,
    PostgreSQL,
    Server,
    free_port,
    haproxy,
    migrate,
    postgresql,
    running,
    started_redis,
)

pytestmark = pytest.mark.slow

CONTEXT = {**DEFAULTS, "database": "postgresql", "cache_backend": "redis"}
WORKERS = 2  # sync workers per instance: haproxy sends each no more at once
ITEMS = "/api/v1/items"
READY = "/api/v1/health/ready"
PROBLEM = "application/problem+json"


# ---------------------------------------------------------------- the system


@pytest.fixture(scope="module")
def project(cookies_session) -> Path:
    return bake(cookies_session, CONTEXT)


def app_environment(project: Path, database_url: str, redis_url: str) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(project / "src"),
        "SECRET_KEY": "scale-out-test-secret-of-32-characters",
        # 64 connections from one address (haproxy's): far beyond one client's
        # rate limit.
        "RATELIMIT_DEFAULT": "1000000/minute",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    with started_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.fixture(scope="module")
def database(project, redis_url) -> Iterator[PostgreSQL]:
    """One server for the module; the schema from the project's migrations."""
    with postgresql(database="items", user="api", password="api-secret") as server:
        started = time.monotonic()
        migrate(project, app_environment(project, server.url, redis_url))
        print(f"\nmigrations: {time.monotonic() - started:.1f} s")
        yield server


@dataclass
class Cluster:
    instances: list[Server]
    balancer: Balancer
    database: PostgreSQL

    @property
    def ports(self) -> list[int]:
        return [server.port for server in self.instances]


@contextmanager
def instance(project: Path, env: dict, port: int, log: Path) -> Iterator[Server]:
    """One gunicorn master and its workers, in a process group of their own."""
    env = {**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(WORKERS),
           "GUNICORN_GRACEFUL_TIMEOUT": "5"}  # fmt: skip
    with running(
        GUNICORN, cwd=project, env=env, port=port, log=log, new_session=True
    ) as server:
        yield server
        if server.process.poll() is None:
            assert server.terminate() == 0, server.output()[-3000:]


@pytest.fixture(scope="module")
def machines(project, tmp_path_factory) -> list[Path]:
    """The project twice, as two machines have it: nothing on disk is shared
    (Flask's instance folder, where a file cache would live, is in each)."""
    copy = tmp_path_factory.mktemp("machine2") / project.name
    shutil.copytree(project, copy)
    return [project, copy]


@pytest.fixture
def cluster(machines, database, redis_url, tmp_path) -> Iterator[Cluster]:
    with ExitStack() as stack:
        instances = [
            stack.enter_context(
                instance(
                    machine,
                    app_environment(machine, database.url, redis_url),
                    port,
                    tmp_path / f"instance{n}.log",
                )
            )
            for n, (machine, port) in enumerate(
                zip(machines, free_port_pair(), strict=True), 1
            )
        ]
        for server in instances:  # both boot at once, as two machines would
            server.wait_until_answering(READY)
        balancer = stack.enter_context(
            haproxy([s.port for s in instances], tmp_path, server_maxconn=WORKERS)
        )
        balancer.wait_for_states({"app1": "UP", "app2": "UP"})
        yield Cluster(instances, balancer, database)
        # Both stopped at once (gunicorn's master takes seconds to finish).
        alive = [server for server in instances if server.process.poll() is None]
        for server in alive:
            server.process.send_signal(signal.SIGTERM)
        for server in alive:
            assert server.process.wait(timeout=30) == 0, server.output()[-3000:]


def free_port_pair() -> tuple[int, int]:
    first = free_port()
    while (second := free_port()) == first:
        pass
    return first, second


# ---------------------------------------------------------------- requests


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def problem(self) -> bool:
        return self.headers.get("Content-Type") == PROBLEM

    def json(self):
        return json.loads(self.body)


def call(port: int, method: str, path: str, body=None, headers=None) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        sent = {"Accept-Encoding": "gzip", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        data = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return Answer(response.status, response.headers, data)
    finally:
        connection.close()


@dataclass
class Tally:
    """Every answer of a load, and what the load wrote."""

    started: float = field(default_factory=time.monotonic)
    duration: float = 0.0
    # (seconds since start, what, status or exception name, problem document?)
    events: list[tuple[float, str, int | str, bool]] = field(default_factory=list)
    created: dict[int, str] = field(default_factory=dict)  # load's items, kept
    checked: dict[int, str | None] = field(default_factory=dict)  # None: deleted
    unsure: set[int] = field(default_factory=set)  # a change answered 5xx
    stale: list[str] = field(default_factory=list)
    checks: int = 0
    deletes_started: int = 0
    deletes_done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, what: str, outcome: int | str, problem: bool = False) -> None:
        with self.lock:
            self.events.append(
                (time.monotonic() - self.started, what, outcome, problem)
            )

    def send(self, port: int, what: str, method: str, path: str, **kwargs):
        """``call``, noted; None when the connection broke."""
        try:
            answer = call(port, method, path, **kwargs)
        except (OSError, http.client.HTTPException) as error:
            self.note(what, type(error).__name__)
            return None
        self.note(what, answer.status, answer.problem)
        return answer

    def outcomes(self, since: float = 0, until: float = float("inf")) -> Counter:
        with self.lock:
            return Counter(
                outcome for at, _, outcome, _ in self.events if since <= at < until
            )

    def failures(self, since: float = 0, until: float = float("inf")) -> int:
        """Broken connections and 4xx/5xx answers (but 404s for deleted items)."""
        with self.lock:
            return sum(
                1
                for at, what, outcome, _ in self.events
                if since <= at < until
                and (isinstance(outcome, str) or outcome >= 400)
                and (what, outcome) != ("gone", 404)
            )

    def summary(self) -> str:
        outcomes = self.outcomes()
        return (
            f"{len(self.events)} requests, {self.failures()} failed, "
            f"{outcomes.get(503, 0)} x 503, outcomes {dict(outcomes)}; "
            f"{len(self.created)} created, {self.checks} cross-instance checks, "
            f"{len(self.stale)} stale"
        )


def load_loop(port: int, number: int, deadline: float, tally: Tally) -> None:
    """Reads (items, pages), writes (create, change) and probes, at random."""
    chooser = random.Random(number)
    mine: list[int] = []
    sent = 0
    total = 0
    while time.monotonic() < deadline:
        sent += 1
        answer = None
        kind = chooser.choice(
            ("create", "create", "change", "item", "item", "list", "list", "list",
             "health")
        )  # fmt: skip
        if kind == "create":
            name = f"load {number}-{sent}"
            answer = tally.send(port, kind, "POST", ITEMS, body={"name": name})
            if answer and answer.status == 201:
                item = answer.json()["id"]
                mine.append(item)
                with tally.lock:
                    tally.created[item] = name
        elif kind == "change" and mine:
            body = {"quantity": chooser.randint(0, 1000)}
            path = f"{ITEMS}/{chooser.choice(mine)}"
            answer = tally.send(port, kind, "PATCH", path, body=body)
        elif kind == "item":
            with tally.lock:
                known = list(tally.created)[-200:]
            if known:
                path = f"{ITEMS}/{chooser.choice(known)}"
                answer = tally.send(port, kind, "GET", path)
        elif kind == "list":
            limit = chooser.randint(1, 50)
            offset = chooser.randint(0, max(0, total - limit))
            answer = tally.send(
                port, kind, "GET", f"{ITEMS}?limit={limit}&offset={offset}"
            )
            if answer and answer.status == 200:
                total = answer.json()["total"]
        else:
            answer = tally.send(port, kind, "GET", "/api/v1/health")
        if answer is not None and answer.status == 503:
            time.sleep(0.05)  # as a client backs off when the service is down


def list_total(tally: Tally, port: int, what: str) -> int | None:
    answer = tally.send(port, what, "GET", f"{ITEMS}?limit=1")
    return answer.json()["total"] if answer and answer.status == 200 else None


def check_loop(
    ports: list[int], balancer: int, number: int, deadline: float, tally: Tally
) -> None:
    """Write through one instance, read through the other and the balancer.

    Only these loops delete, and each only its own items: the list's total can
    drop below what a reader saw before a write only by the deletes started
    meanwhile, so ``total after >= total before + 1 - those deletes``.
    """
    chooser = random.Random(1000 + number)
    round_ = 0
    while time.monotonic() < deadline:
        round_ += 1
        writer, reader = ports if round_ % 2 else ports[::-1]
        with tally.lock:
            done_before = tally.deletes_done
        before = list_total(tally, writer, "check")
        name = f"check {number}-{round_}"
        answer = tally.send(writer, "check", "POST", ITEMS, body={"name": name})
        if before is None or answer is None or answer.status != 201:
            continue  # unavailable (an outage): nothing to compare
        item = answer.json()["id"]
        with tally.lock:
            tally.checked[item] = name

        def stale(what: str, item: int = item) -> None:
            with tally.lock:
                tally.stale.append(f"item {item}: {what}")

        # The new item, through the other instance and through the balancer.
        etag = None
        for port, where in ((reader, "other instance"), (balancer, "balancer")):
            read = tally.send(port, "check", "GET", f"{ITEMS}/{item}")
            if read and read.status == 200:
                etag = read.headers.get("ETag") if port == reader else etag
                if read.json()["name"] != name:
                    stale(f"{where} read {read.json()['name']!r}, not {name!r}")
            elif read and read.status != 503:
                stale(f"{where} answered {read.status} after its 201")
            total = list_total(tally, port, "check")
            with tally.lock:
                started = tally.deletes_started
            if total is not None and total < before + 1 - (started - done_before):
                stale(f"{where} total {total} after {before} and a create")
        # A change through the other instance, read back through the writer.
        renamed = f"{name} renamed"
        headers = {"If-Match": etag} if etag else {}
        change = tally.send(reader, "check", "PATCH", f"{ITEMS}/{item}",
                            body={"name": renamed}, headers=headers)  # fmt: skip
        if change is None or change.status != 200:
            with tally.lock:
                tally.unsure.add(item)
            continue
        with tally.lock:
            tally.checked[item] = renamed
        for port, where in ((writer, "writer"), (balancer, "balancer")):
            read = tally.send(port, "check", "GET", f"{ITEMS}/{item}")
            if read and read.status == 200 and read.json()["name"] != renamed:
                stale(f"{where} read {read.json()['name']!r} after the rename")
        # Every other item: deleted through one, gone through the other.
        if chooser.random() < 0.5:
            with tally.lock:
                tally.deletes_started += 1
            gone = tally.send(writer, "check", "DELETE", f"{ITEMS}/{item}")
            with tally.lock:
                tally.deletes_done += 1
                if gone and gone.status == 204:
                    tally.checked[item] = None
                else:
                    tally.unsure.add(item)
            if gone and gone.status == 204:
                for port, where in ((reader, "other instance"), (balancer, "balancer")):
                    read = tally.send(port, "gone", "GET", f"{ITEMS}/{item}")
                    if read and read.status not in (404, 503):
                        stale(f"{where} answered {read.status} after the delete")
        with tally.lock:
            tally.checks += 1


def load(
    cluster: Cluster,
    seconds: float,
    *,
    connections: int = 64,
    checkers: int = 4,
    during: Callable[[Tally], None] | None = None,
) -> Tally:
    """``connections`` client threads for ``seconds``: all through the balancer
    but ``checkers``, which write and read through each instance directly."""
    tally = Tally()
    deadline = tally.started + seconds
    balancer = cluster.balancer.port
    threads = [
        threading.Thread(target=load_loop, args=(balancer, n, deadline, tally))
        for n in range(connections - checkers)
    ] + [
        threading.Thread(
            target=check_loop, args=(cluster.ports, balancer, n, deadline, tally)
        )
        for n in range(checkers)
    ]
    for thread in threads:
        thread.start()
    if during is not None:
        during(tally)
    for thread in threads:
        thread.join(timeout=seconds + 60)
    assert not any(thread.is_alive() for thread in threads)
    tally.duration = time.monotonic() - tally.started
    return tally


# ---------------------------------------------------------------- checks


def stored_items(port: int) -> tuple[dict[int, str], int]:
    """Every item through the API, by id, and the total the pages give."""
    items: dict[int, str] = {}
    offset = 0
    while True:
        answer = call(port, "GET", f"{ITEMS}?limit=2000&offset={offset}")
        assert answer.status == 200, answer.body
        page = answer.json()
        items.update({item["id"]: item["name"] for item in page["items"]})
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return items, page["total"]


def assert_every_201_is_kept(cluster: Cluster, tally: Tally, before: dict) -> dict:
    """What got a 201 is stored as last answered, through each instance."""
    stored, total = stored_items(cluster.balancer.port)
    assert total == len(stored)
    lost = {
        item: name for item, name in tally.created.items() if stored.get(item) != name
    }
    assert not lost, f"{len(lost)} of {len(tally.created)} created items: {lost}"
    for item, name in tally.checked.items():
        if item not in tally.unsure:
            assert stored.get(item) == name, (item, name, stored.get(item))
    assert set(before) <= set(stored)
    # A sample read one by one through each instance directly, uncached.
    sample = list(tally.created)[:: max(1, len(tally.created) // 50)]
    for port in cluster.ports:
        statuses = Counter(
            call(port, "GET", f"{ITEMS}/{item}").status for item in sample
        )
        assert statuses == Counter({200: len(sample)}), statuses
    return stored


def haproxy_retries(balancer: Balancer) -> Counter:
    """Requests haproxy sent again (to another instance: redispatched)."""
    retried = Counter()
    for line in balancer.output().splitlines():
        # httplog: ... actconn/feconn/beconn/srv_conn/retries queues "request"
        match = re.search(r' \d+/\d+/\d+/\d+/(\+?)(\d+) \d+/\d+ "', line)
        if match and " api instances/" in line and int(match[2]):
            retried["redispatched" if match[1] else "retried"] += 1
    return retried


def quiet_cross_checks(cluster: Cluster, rounds: int = 6) -> list[str]:
    """With no other writer: each write through one instance is read exactly
    through the other and through the balancer, pages and totals included.

    Under load every instance's own writes refresh what it caches, which can
    hide a cache that is not shared; here nothing does. Each reader reads the
    page first (so that whatever it caches, it has), then the write, then the
    page again: the new total, the new item last, under its new name.
    """
    stale = []
    balancer = cluster.balancer.port

    def last(port: int) -> tuple[int, dict | None]:
        first = call(port, "GET", f"{ITEMS}?limit=1").json()
        offset = max(0, first["total"] - 1)
        page = call(port, "GET", f"{ITEMS}?limit=1&offset={offset}").json()
        return page["total"], (page["items"] or [None])[0]

    for round_ in range(rounds):
        writer, reader = cluster.ports if round_ % 2 else cluster.ports[::-1]
        readers = {"other instance": reader, "balancer": balancer}
        for _ in range(4):  # every worker behind the reader and the balancer
            before = {where: last(port) for where, port in readers.items()}
        total = before["balancer"][0]
        for step in ("create", "rename", "delete"):
            if step == "create":
                answer = call(writer, "POST", ITEMS, body={"name": f"quiet {round_}"})
                item = answer.json()
                total += 1
            elif step == "rename":
                path = f"{ITEMS}/{item['id']}"
                answer = call(writer, "PATCH", path, body={"name": f"renamed {round_}"})
                item = answer.json()
            else:
                answer = call(writer, "DELETE", f"{ITEMS}/{item['id']}")
                total -= 1
            assert answer.status in (200, 201, 204), (step, answer.status, answer.body)
            for where, port in readers.items():
                for _ in range(4):
                    seen_total, seen_last = last(port)
                    expected = item if step != "delete" else before[where][1]
                    seen = (
                        seen_total,
                        seen_last and (seen_last["id"], seen_last["name"]),
                    )
                    wanted = (total, expected and (expected["id"], expected["name"]))
                    if seen != wanted:
                        stale.append(
                            f"{step} through {writer}: {where} saw {seen}, not {wanted}"
                        )
    return stale


def logged_errors(cluster: Cluster) -> list[str]:
    """The instances' ERROR events: message and the end of the traceback."""
    errors = []
    for server in cluster.instances:
        for line in server.output().splitlines():
            if '"level": "ERROR"' in line:
                event = json.loads(line)
                errors.append(
                    f"{event['message']}: ...{event.get('exc_info', '')[-1500:]}"
                )
    return errors[:3]


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until ``predicate`` holds."""
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, f"{what}: not in {timeout} s"
        time.sleep(0.05)
    return time.monotonic() - started


# ---------------------------------------------------------------- the tests


def test_mixed_load_across_two_instances_loses_nothing_and_reads_no_stale_data(
    cluster,
):
    before, _ = stored_items(cluster.balancer.port)

    tally = load(cluster, 20)
    print(
        f"\nscale-out load, {tally.duration:.1f} s: {tally.summary()}; "
        f"haproxy {dict(haproxy_retries(cluster.balancer))}"
    )

    stored = assert_every_201_is_kept(cluster, tally, before)
    stale = quiet_cross_checks(cluster)
    assert not stale, stale[:10]
    assert tally.failures() == 0, tally.outcomes()
    assert not tally.stale, tally.stale[:20]
    # A load, even on a busy machine (the figures are for the output).
    assert len(tally.events) > 500
    assert len(tally.created) > 100 and tally.checks > 10
    # Nothing else was written: the total is exactly what the 201s and 204s say.
    kept = sum(1 for name in tally.checked.values() if name is not None)
    assert len(stored) == len(before) + len(tally.created) + kept
    # Both instances served, through the balancer.
    for server in cluster.instances:
        assert server.output().count('"gunicorn.access"') > 100


def test_an_instance_killed_mid_load_is_routed_around_only_its_requests_fail(
    cluster,
):
    victim, survivor = cluster.instances
    marks = {}

    def kill_an_instance(tally: Tally) -> None:
        time.sleep(4)
        marks["killed"] = time.monotonic() - tally.started
        os.killpg(victim.process.pid, signal.SIGKILL)
        victim.process.wait()
        marks["down"] = marks["killed"] + wait_until(
            lambda: cluster.balancer.states()["app1"] == "DOWN", 10, "app1 down"
        )

    before, _ = stored_items(cluster.balancer.port)
    tally = load(cluster, 12, checkers=0, during=kill_an_instance)
    after_kill = tally.outcomes(since=marks["killed"])
    print(
        f"\ninstance killed at {marks['killed']:.1f} s, marked down "
        f"{marks['down'] - marks['killed']:.2f} s later; {tally.duration:.1f} s: "
        f"{tally.summary()}; after the kill: {dict(after_kill)}; "
        f"haproxy {dict(haproxy_retries(cluster.balancer))}"
    )

    cluster.instances = [survivor]  # what is left to read through
    assert_every_201_is_kept(cluster, tally, before)
    assert cluster.balancer.states() == {"app1": "DOWN", "app2": "UP"}
    # Only requests it held can fail: one per worker, and at most one more per
    # worker handed over while the group was dying (SIGKILL reaches every
    # process at once, but they exit one by one: the listening socket lasts
    # until the last). Safe requests among them were retried elsewhere.
    assert tally.failures() <= 2 * WORKERS, tally.outcomes()
    assert not [o for o in tally.outcomes() if o == 500], tally.outcomes()
    # Service went on: the survivor answered most of the load after the kill.
    assert sum(n for o, n in after_kill.items() if o in (200, 201)) > 200
    assert call(cluster.balancer.port, "GET", READY).status == 200


def test_postgresql_restarted_mid_load_503_problems_meanwhile_then_full_service(
    cluster,
):
    database = cluster.database
    marks = {}

    def restart_postgresql(tally: Tally) -> None:
        time.sleep(4)
        marks["stop"] = time.monotonic() - tally.started
        database.stop("fast")
        time.sleep(4)
        marks["start"] = time.monotonic() - tally.started
        database.start()
        marks["accepting"] = time.monotonic() - tally.started
        marks["up"] = marks["accepting"] + wait_until(
            lambda: cluster.balancer.states() == {"app1": "UP", "app2": "UP"},
            15,
            "both instances back in the balancer",
        )

    before, _ = stored_items(cluster.balancer.port)
    tally = load(cluster, 18, during=restart_postgresql)

    down = tally.outcomes(marks["stop"], marks["start"])
    # Back for the balancer once two checks pass; a second more for the pools.
    settled = marks["up"] + 1
    after = tally.outcomes(since=settled)
    with tally.lock:
        not_problems = Counter(
            outcome
            for _, _, outcome, problem in tally.events
            if isinstance(outcome, int) and outcome >= 500 and not problem
        )
        # The first write answered 201 after the start: the data is back.
        first_write = min(
            (at for at, what, outcome, _ in tally.events
             if at > marks["accepting"] and outcome == 201),
            default=float("nan"),
        )  # fmt: skip
    print(
        f"\npostgresql stopped at {marks['stop']:.1f} s for "
        f"{marks['start'] - marks['stop']:.1f} s, accepting again "
        f"{marks['accepting'] - marks['start']:.2f} s after its start; then a 201 "
        f"in {first_write - marks['accepting']:.2f} s, both instances back in the "
        f"balancer in {marks['up'] - marks['accepting']:.2f} s; "
        f"{tally.duration:.1f} s: {tally.summary()}; "
        f"while down: {dict(down)}; from {settled:.1f} s: {dict(after)}; "
        f"haproxy {dict(haproxy_retries(cluster.balancer))}"
    )
    assert_every_201_is_kept(cluster, tally, before)
    assert not tally.stale, tally.stale[:20]
    # While it was away: 503 problem documents, never a 500 or a broken answer.
    outcomes = tally.outcomes()
    assert set(outcomes) <= {200, 201, 204, 404, 503}, (
        outcomes,
        logged_errors(cluster),
    )
    assert not not_problems, not_problems
    assert down[503] > 20, down
    # After: full service.
    assert tally.failures(since=settled) == 0, after
    assert sum(n for o, n in after.items() if o in (200, 201)) > 200
    assert all(what == "gone" for _, what, outcome, _ in tally.events if outcome == 404)
