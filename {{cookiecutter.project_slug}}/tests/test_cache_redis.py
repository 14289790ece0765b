"""Redis is shared by every worker, and its outages never fail a request."""

import logging
import socket
import time

import pytest
import redis

from test_cache import ITEMS, insert_behind_the_api, names

# Each app here is on Redis: the suite's server, or one a test names itself.
pytestmark = pytest.mark.usefixtures("redis_server")


def test_workers_share_the_cache_and_its_invalidation(make_app):
    # Two apps on one database and one Redis stand for two gunicorn workers.
    worker_a = make_app().test_client()
    worker_b = make_app().test_client()
    worker_a.post(ITEMS, json={"name": "first"})
    assert names(worker_b.get(ITEMS)) == ["first"]

    worker_a.post(ITEMS, json={"name": "second"})

    assert names(worker_b.get(ITEMS)) == ["first", "second"]


def test_an_unreachable_redis_at_start_is_one_warning_and_the_app_serves(
    make_app, caplog
):
    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        host, port = free.getsockname()
    with caplog.at_level(logging.WARNING):
        app = make_app(CACHE_REDIS_URL=f"redis://{host}:{port}/0")
    [warning] = [r for r in caplog.records if r.name == "{{ cookiecutter.package_name }}"]
    client = app.test_client()  # making its credential may write: not start-up

    assert warning.levelno == logging.WARNING
    assert warning.getMessage().startswith(
        "Cache: Redis (REDIS_URL) cannot be reached: "
    )
    assert warning.getMessage().endswith("; serving uncached until it answers")
    assert "\n" not in warning.getMessage()
    assert warning.exc_info is None
    assert client.post(ITEMS, json={"name": "x"}).status_code == 201
    assert names(client.get(ITEMS)) == ["x"]


def test_a_reachable_redis_at_start_logs_nothing(make_app, caplog):
    with caplog.at_level(logging.WARNING):
        make_app()

    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_hung_redis_costs_a_short_timeout_not_a_stall(make_app):
    # The worst outage: a server that accepts connections and never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        host, port = silent.getsockname()
        client = make_app(CACHE_REDIS_URL=f"redis://{host}:{port}/0").test_client()

        started = time.monotonic()
        created = client.post(ITEMS, json={"name": "x"})
        listed = client.get(ITEMS)
        elapsed = time.monotonic() - started

    assert created.status_code == 201
    assert names(listed) == ["x"]
    # redis-py's own default would wait 5 s per call (about 15 s here).
    assert elapsed < 3


def test_requests_succeed_while_redis_is_down_and_caching_resumes(
    make_app, own_redis_server, caplog
):
    app = make_app(CACHE_REDIS_URL=own_redis_server.url)
    client = app.test_client()
    client.post(ITEMS, json={"name": "before"})
    assert names(client.get(ITEMS)) == ["before"]

    own_redis_server.stop()
    with caplog.at_level(logging.WARNING):
        created = client.post(ITEMS, json={"name": "during"})
        listed = client.get(ITEMS)

    assert created.status_code == 201
    assert listed.status_code == 200
    assert names(listed) == ["before", "during"]
    assert "Cache invalidation failed" in caplog.text

    own_redis_server.start()
    client.post(ITEMS, json={"name": "after"})
    assert names(client.get(ITEMS)) == ["before", "during", "after"]
    insert_behind_the_api(app, "unseen")
    assert names(client.get(ITEMS)) == ["before", "during", "after"]


def redis_commands(monitor: redis.Redis) -> int:
    stats = monitor.info("commandstats")
    stats.pop("cmdstat_info", None)  # this very question
    return sum(entry["calls"] for entry in stats.values())


def test_a_cache_hit_costs_one_round_trip(make_app, redis_server):
{%- if cookiecutter.use_rate_limit %}
    # Counted apart from the rate limit's own commands (test_ratelimit.py).
    client = make_app(RATELIMIT_STORAGE_URI="memory://").test_client()
{%- else %}
    client = make_app().test_client()
{%- endif %}
    client.post(ITEMS, json={"name": "x"})
    client.get(ITEMS)
    # One connection for both counts: a new one announces itself (CLIENT SETINFO).
    monitor = redis.Redis.from_url(redis_server.url)
    before = redis_commands(monitor)

    assert names(client.get(ITEMS)) == ["x"]

    # The version and the page in one MGET (memoize would need two requests).
    assert redis_commands(monitor) - before == 1


def test_replies_are_parsed_in_c(app):
    (backend,) = app.extensions["cache"].values()
    connection = backend._read_client.connection_pool.make_connection()
    # redis-py falls back to its pure-Python parser when hiredis is missing.
    assert type(connection._parser).__name__ == "_HiredisParser"
