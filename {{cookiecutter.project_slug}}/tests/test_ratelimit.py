"""Rate limits per client: 429 problem documents beyond them, the quota in headers."""

{% if cookiecutter.cache_backend == "redis" -%}
import logging
import socket
{% endif -%}
import threading
import time

import pytest
{%- if cookiecutter.cache_backend == "redis" %}
import redis.connection
{%- endif %}

{% if cookiecutter.auth == "api_key" -%}
from credentials import READ_KEY, READ_WRITE_KEY
{% elif cookiecutter.auth == "jwt" -%}
from credentials import token, tokens_for
{% endif -%}
from {{ cookiecutter.package_name }} import create_app
{%- if cookiecutter.auth == "jwt" %}
from {{ cookiecutter.package_name }}.db import db
{%- endif %}
from {{ cookiecutter.package_name }}.settings import SettingsError, from_environment
{%- if cookiecutter.auth == "jwt" %}
from {{ cookiecutter.package_name }}.users import create_user
{%- endif %}

ITEMS = "/api/v1/items"
# Open to anyone{% if cookiecutter.auth != "none" %} (no credential needed){% endif %}, and limited: the tests by address.
PUBLIC = "/api/v1/openapi.json"
PROBLEM = "application/problem+json"


def limited(make_app, limit: str = "3 per hour", **overrides):
    return make_app(RATELIMIT_APPLICATION=limit, **overrides).test_client()


def statuses(client, count: int, path: str = ITEMS, **kwargs) -> list[int]:
    return [client.get(path, **kwargs).status_code for _ in range(count)]


def anonymous(client):
    """The client without the suite's credential: its address is its key."""
    client.environ_base.pop("HTTP_AUTHORIZATION", None)
    return client


def test_one_request_over_the_limit_gets_a_429_problem_document(make_app):
    client = limited(make_app)

    answers = [client.get(ITEMS) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.mimetype == PROBLEM
    assert refused.get_json()["status"] == 429
    assert refused.get_json()["title"] == "Too Many Requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert refused.headers["X-RateLimit-Remaining"] == "0"


def test_every_answer_carries_what_is_left(make_app):
    client = limited(make_app)
    before = time.time()

    answers = [client.get(ITEMS), client.post(ITEMS, json={"name": "x"})]
    answers.append(client.get(f"{ITEMS}/999"))

    assert [answer.headers["X-RateLimit-Limit"] for answer in answers] == ["3"] * 3
    assert [answer.headers["X-RateLimit-Remaining"] for answer in answers] == [
        "2",
        "1",
        "0",
    ]
    reset = int(answers[0].headers["X-RateLimit-Reset"])
    assert before < reset <= before + 3600 + 1
    # Retry-After belongs to the refusal only.
    assert not any("Retry-After" in answer.headers for answer in answers)


def test_the_default_limit_applies_without_the_variable(app_config):
    default = from_environment({})["RATELIMIT_APPLICATION"]
    app = create_app({**app_config, "RATELIMIT_APPLICATION": default})

    answer = app.test_client().get(ITEMS)

    assert answer.headers["X-RateLimit-Limit"] == "600"


def test_limits_switched_off_serve_every_request_without_quota_headers(make_app):
    client = limited(make_app, "1 per hour", RATELIMIT_ENABLED=False)

    answers = [client.get(ITEMS) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert not any("X-RateLimit-Limit" in answer.headers for answer in answers)


def test_counting_in_memory_starts_no_thread(make_app, monkeypatch):
    client = limited(make_app, "100 per hour", RATELIMIT_STORAGE_URI="memory://")
    started: list[threading.Thread] = []
    monkeypatch.setattr(threading.Thread, "start", started.append)

    for _ in range(5):
        assert statuses(client, 4) == [200] * 4
        time.sleep(0.02)  # a timer that expired counts would have ended

    assert started == []


def test_the_window_ends_on_the_clock(make_app):
    client = limited(make_app, "5 per minute")

    answer = client.get(ITEMS)

    reset = int(answer.headers["X-RateLimit-Reset"])
    assert reset % 60 == 0
    assert time.time() < reset <= time.time() + 60


def test_addresses_count_apart(make_app):
    client = anonymous(limited(make_app, "2 per hour"))
    first = {"REMOTE_ADDR": "192.0.2.1"}
    second = {"REMOTE_ADDR": "192.0.2.2"}

    assert statuses(client, 3, PUBLIC, environ_base=first) == [200, 200, 429]
    assert statuses(client, 2, PUBLIC, environ_base=second) == [200, 200]


def test_x_forwarded_for_changes_nothing_without_trusted_proxies(make_app):
    client = anonymous(limited(make_app, "2 per hour"))

    answers = [
        client.get(PUBLIC, headers={"X-Forwarded-For": f"198.51.100.{number}"})
        for number in range(3)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 429]


def test_behind_one_trusted_proxy_each_forwarded_client_counts_alone(make_app):
    client = anonymous(limited(make_app, "2 per hour", TRUSTED_PROXIES=1))

    for number in range(3):
        # What the client itself claims (the left) is ignored: one proxy
        # appended the address it saw.
        forwarded = {"X-Forwarded-For": f"203.0.113.7, 198.51.100.{number}"}
        assert statuses(client, 2, PUBLIC, headers=forwarded) == [200, 200]
    spoofed = {"X-Forwarded-For": "203.0.113.99, 198.51.100.0"}
    assert statuses(client, 1, PUBLIC, headers=spoofed) == [429]
{%- if cookiecutter.auth != "none" %}


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def test_each_credential_counts_alone_and_a_made_up_one_spends_the_address(
    make_app,
):
    client = anonymous(limited(make_app, "2 per hour"))
{%- if cookiecutter.auth == "api_key" %}
    first, second = bearer(READ_WRITE_KEY), bearer(READ_KEY)
{%- else %}
    app = client.application
    with app.app_context():
        other = create_user("other", "another password, long enough")
        db.session.refresh(other)
        other_id = other.id
    first = bearer(token(app))
    second = bearer(tokens_for(app, other_id)["access_token"])
{%- endif %}

    # From one address: two clients, each with its own count.
    assert statuses(client, 3, headers=first) == [200, 200, 429]
    assert statuses(client, 2, headers=second) == [200, 200]
    # A credential that proves nothing is the address's, whatever it says.
    made_up = [
        client.get(ITEMS, headers=bearer(f"made-up-{number}")).status_code
        for number in range(3)
    ]
    assert made_up == [401, 401, 429]
{%- endif %}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/health",
        "/api/v1/health/ready",
        "/api/v1/docs",
        "/api/v1/docs/swagger-ui/swagger-ui.css",
{%- if cookiecutter.ajax_demo %}
        "/",
{%- endif %}
    ],
)
def test_probes_and_pages_are_never_limited(make_app, path):
    client = limited(make_app, "1 per hour")

    answers = [client.get(path) for _ in range(5)]

    assert [answer.status_code for answer in answers] == [200] * 5
    assert "X-RateLimit-Limit" not in answers[-1].headers
    for answer in answers:
        answer.close()


def test_a_preflight_spends_nothing(make_app):
    client = limited(make_app, "1 per hour")

    assert [client.options(ITEMS).status_code for _ in range(3)] == [200] * 3
    assert client.get(ITEMS).status_code == 200
{%- if cookiecutter.use_cors %}


def test_browsers_may_read_the_quota_cross_origin(make_app):
    origin = make_app().config["CORS_ORIGINS"][0]
    client = limited(make_app)

    answer = client.get(ITEMS, headers={"Origin": origin})

    exposed = {
        name.strip().lower()
        for name in answer.headers["Access-Control-Expose-Headers"].split(",")
    }
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= (
        exposed
    )
    assert "retry-after" in exposed
{%- endif %}


def test_the_document_declares_429_and_the_quota_headers(client):
    document = client.get("/api/v1/openapi.json").get_json()
    listing = document["paths"][ITEMS]["get"]["responses"]
    health = document["paths"]["/api/v1/health"]["get"]["responses"]

    assert listing["429"] == {"$ref": "#/components/responses/TOO_MANY_REQUESTS"}
    assert "X-RateLimit-Remaining" in listing["200"]["headers"]
    refusal = document["components"]["responses"]["TOO_MANY_REQUESTS"]
    assert {"Retry-After", "X-RateLimit-Reset"} <= set(refusal["headers"])
    assert "429" not in health


@pytest.mark.parametrize("value", ["lots", "10 per fortnight", "0 per minute", ""])
def test_a_malformed_limit_stops_start_up_in_one_line(app_config, value):
    with pytest.raises(SettingsError) as error:
        create_app({**app_config, "RATELIMIT_APPLICATION": value})

    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("RATELIMIT_DEFAULT must be one or more limits like")
    assert message.endswith(f"got {value!r}")


def test_an_unknown_storage_stops_start_up_without_echoing_it(app_config):
    with pytest.raises(SettingsError) as error:
        create_app({**app_config, "RATELIMIT_STORAGE_URI": "nosuch://u:pw@host"})

    assert "RATELIMIT_STORAGE_URI must be" in str(error.value)
    assert "pw" not in str(error.value)


def test_settings_from_the_environment():
    settings = from_environment(
        {"RATELIMIT_DEFAULT": "5/second", "RATELIMIT_STORAGE_URI": "memory://"}
    )

    assert settings["RATELIMIT_APPLICATION"] == "5/second"
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
{%- if cookiecutter.cache_backend == "redis" %}
    # The cache's Redis unless told otherwise.
    defaults = from_environment({"REDIS_URL": "redis://cache.internal:6379/2"})
    assert defaults["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/2"


def test_workers_share_one_count(make_app, redis_server):
    # Two apps on one Redis stand for two gunicorn workers (or instances).
    worker_a = limited(make_app)
    worker_b = limited(make_app)

    answers = statuses(worker_a, 2) + statuses(worker_b, 1)

    assert answers == [200, 200, 200]
    assert statuses(worker_a, 1) == statuses(worker_b, 1) == [429]


def test_one_storage_round_trip_per_request(make_app, own_redis_server, monkeypatch):
    client = limited(make_app, RATELIMIT_STORAGE_URI=own_redis_server.url)
    client.get(ITEMS)  # the storage's script loaded
    sent = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counted(connection, command, *args, **kwargs):
        if connection.port == own_redis_server.port:  # not the cache's
            sent.append(command)
        return send(connection, command, *args, **kwargs)

    monkeypatch.setattr(
        redis.connection.AbstractConnection, "send_packed_command", counted
    )
    answers = [client.get(ITEMS) for _ in range(3)]

    # One script call each: the count, and the headers from its answer.
    assert len(sent) == 3
    assert [answer.headers["X-RateLimit-Remaining"] for answer in answers] == [
        "1",
        "0",
        "0",
    ]


def test_redis_down_serves_requests_counts_in_memory_and_recovers(
    make_app, own_redis_server, caplog
):
    client = limited(make_app, RATELIMIT_STORAGE_URI=own_redis_server.url)
    assert statuses(client, 2) == [200, 200]

    own_redis_server.stop()
    with caplog.at_level(logging.WARNING):
        during = statuses(client, 4)

    # Served, and still limited: this worker's memory holds a fresh count.
    assert during == [200, 200, 200, 429]
    assert "Rate limit storage unreachable" in caplog.text

    own_redis_server.start()  # empty: the count starts again
    # Flask-Limiter tries the storage again 1 s after the start, then 2 s
    # after each failed try (4, 8...); at most one failed during the outage.
    time.sleep(2.1)
    assert statuses(client, 4) == [200, 200, 200, 429]


def test_a_hung_redis_costs_a_short_timeout_not_a_stall(make_app):
    # The worst outage: a server that accepts connections and never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        host, port = silent.getsockname()
        client = limited(make_app, RATELIMIT_STORAGE_URI=f"redis://{host}:{port}/0")

        started = time.monotonic()
        answers = statuses(client, 3)
        elapsed = time.monotonic() - started

    assert answers == [200, 200, 200]
    assert elapsed < 3
{%- endif %}
