"""Rate limits under gunicorn: one count for every worker, through a real Redis.

The baked API (Redis cache, so the counts are in Redis) runs under gunicorn
with several sync workers; requests come at once from several threads, each on
a new connection, so the workers share them. N+1 requests inside one window get
exactly one 429, whichever worker serves them. The same load with the counts in
each worker's memory gets more than N through: the workers did share it, and
Redis is what makes the count one. Redis killed mid-test: answers keep coming,
none a 5xx.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import bake
from presets import DEFAULTS
from processes import Server, free_port, migrate, running
from test_load_faults import Redis, redis_server  # noqa: F401

pytestmark = pytest.mark.slow

CONTEXT = {**DEFAULTS, "cache_backend": "redis", "use_rate_limit": True}
GUNICORN = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
WORKERS = 3
LIMIT = 30
ITEMS = "/api/v1/items"


@pytest.fixture(scope="module")
def project(cookies_session) -> Path:
    return bake(cookies_session, CONTEXT)


@contextmanager
def gunicorn(project: Path, tmp_path: Path, **settings: str) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(project / "src"),
        "SECRET_KEY": "rate-limit-test-secret-long-enough-for-start-up",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'limits.sqlite3'}",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(WORKERS),
        "RATELIMIT_DEFAULT": f"{LIMIT}/hour",
        **settings,
    }
    migrate(project, env)
    with running(
        GUNICORN, cwd=project, env=env, port=port, log=tmp_path / "gunicorn.log"
    ) as server:
        server.wait_until_answering("/api/v1/health")  # exempt: spends nothing
        yield server
        assert server.terminate() == 0, server.output()[-3000:]


def statuses(server: Server, count: int) -> Counter:
    def one(_: int) -> int:
        response, _ = server.request("GET", ITEMS)
        return response.status

    with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
        return Counter(pool.map(one, range(count)))


def inside_one_window(margin: float = 15) -> None:
    """Wait for the next hour if this one ends within ``margin`` seconds.

    The limits' windows are aligned on the clock: a load that straddled the
    hour would be counted in two windows.
    """
    left = 3600 - time.time() % 3600
    if left < margin:
        time.sleep(left)


def test_workers_share_one_count_in_redis(project, tmp_path, redis_server):  # noqa: F811
    inside_one_window()
    with gunicorn(project, tmp_path, REDIS_URL=redis_server.url) as server:
        answers = statuses(server, LIMIT + 1)

    assert answers == {200: LIMIT, 429: 1}, answers


def test_in_memory_each_worker_counts_alone(project, tmp_path, redis_server):  # noqa: F811
    with gunicorn(
        project, tmp_path, REDIS_URL=redis_server.url, RATELIMIT_STORAGE_URI="memory://"
    ) as server:
        answers = statuses(server, 2 * LIMIT)

    # More than one worker's share got through: the load was spread.
    assert answers[200] > LIMIT, answers


def test_redis_killed_mid_test_answers_keep_coming(project, tmp_path, redis_server):  # noqa: F811
    with gunicorn(project, tmp_path, REDIS_URL=redis_server.url) as server:
        before = statuses(server, LIMIT // 2)
        redis_server.kill()
        during = statuses(server, 2 * LIMIT)
        output = server.output()

    assert before == {200: LIMIT // 2}, before
    # Each worker counts in its memory now: some are refused, none fails.
    assert set(during) <= {200, 429}, during
    assert during[200] >= LIMIT, during
    assert "Rate limit storage unreachable" in output
