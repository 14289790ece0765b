"""Redis is shared by every worker, and its outages never fail a request."""

import logging

from test_cache import ITEMS, insert_behind_the_api, names


def test_workers_share_the_cache_and_its_invalidation(make_app):
    # Two apps on one database and one Redis stand for two gunicorn workers.
    worker_a = make_app().test_client()
    worker_b = make_app().test_client()
    worker_a.post(ITEMS, json={"name": "first"})
    assert names(worker_b.get(ITEMS)) == ["first"]

    worker_a.post(ITEMS, json={"name": "second"})

    assert names(worker_b.get(ITEMS)) == ["first", "second"]


def test_a_dead_redis_fails_fast_by_configuration(app):
    options = app.config["CACHE_OPTIONS"]

    assert options["socket_connect_timeout"] <= 0.5
    assert options["socket_timeout"] <= 0.5


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
