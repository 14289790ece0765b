"""Password guesses: limited per address (IPv6 by /64) and per username."""

from __future__ import annotations

import pytest

from credentials import PASSWORD, USERNAME
from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.settings import SettingsError

LOGIN = "/api/v1/auth/token"
PROBLEM = "application/problem+json"
WRONG = "not the password"


def client_of(make_app, **limits):
    client = make_app(**limits).test_client()
    client.environ_base.pop("HTTP_AUTHORIZATION", None)
    return client


def guess(client, address="192.0.2.1", username=USERNAME, password=WRONG):
    return client.post(
        LOGIN,
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_an_address_gets_its_guesses_then_a_429(make_app):
    client = client_of(make_app, LOGIN_LIMIT_PER_ADDRESS="2 per hour")

    answers = [guess(client, username=f"user{n}") for n in range(3)]

    assert [answer.status_code for answer in answers] == [401, 401, 429]
    assert answers[-1].mimetype == PROBLEM
    assert int(answers[-1].headers["Retry-After"]) >= 1
    # Even the right password waits: the limit counts calls, not failures.
    assert guess(client, password=PASSWORD).status_code == 429
    # Another address may still log in.
    assert guess(client, "192.0.2.9", password=PASSWORD).status_code == 200


def test_guesses_spread_over_many_addresses_run_out_per_username(make_app):
    client = client_of(make_app, LOGIN_LIMIT_PER_USERNAME="3 per hour")

    answers = [guess(client, f"198.51.100.{n}").status_code for n in range(1, 6)]

    assert answers == [401, 401, 401, 429, 429]
    assert guess(client, "203.0.113.1", password=PASSWORD).status_code == 429
    # Another user is not locked out by this one's count.
    assert guess(client, "203.0.113.1", username="someone else").status_code == 401


def test_an_unknown_username_gets_the_same_answers(make_app):
    client = client_of(make_app, LOGIN_LIMIT_PER_USERNAME="2 per hour")

    def answers(username):
        return [
            (answer.status_code, answer.get_json()["detail"])
            for answer in (guess(client, f"198.51.100.{n}", username) for n in range(3))
        ]

    assert answers(USERNAME) == answers("nobody-by-this-name")


def test_an_ipv6_slash_64_is_one_address(make_app):
    client = client_of(make_app, LOGIN_LIMIT_PER_ADDRESS="2 per hour")

    same_64 = [
        guess(client, f"2001:db8:1:2::{n}", f"u{n}").status_code for n in (1, 2, 3)
    ]
    other_64 = guess(client, "2001:db8:1:3::1", "u4").status_code

    assert same_64 == [401, 401, 429]
    assert other_64 == 401


def test_a_lockout_is_logged_with_the_username_never_the_password(make_app, caplog):
    client = client_of(make_app, LOGIN_LIMIT_PER_ADDRESS="1 per hour")

    guess(client, password="first secret guess")
    guess(client, password="second secret guess")

    locked = [
        r.getMessage() for r in caplog.records if "refused by limit" in r.getMessage()
    ]
    who = f"principal=username:{USERNAME!r} address=192.0.2.1"
    assert locked == [f"auth: login refused by limit {who}"]
    assert "secret guess" not in caplog.text


@pytest.mark.parametrize(
    "name", ["LOGIN_LIMIT_PER_ADDRESS", "LOGIN_LIMIT_PER_USERNAME"]
)
def test_a_malformed_login_limit_stops_start_up_in_one_line(app_config, name):
    variable = {
        "LOGIN_LIMIT_PER_ADDRESS": "RATELIMIT_LOGIN",
        "LOGIN_LIMIT_PER_USERNAME": "RATELIMIT_LOGIN_USERNAME",
    }[name]
    with pytest.raises(SettingsError, match=rf"^{variable} must be .*'often'$"):
        create_app({**app_config, name: "often"})
{%- if cookiecutter.cache_backend == "redis" %}


def test_every_instance_spends_from_one_count_in_redis(
    make_app, redis_server, tmp_path
):
    shared = {
        "LOGIN_LIMIT_STORAGE_URI": redis_server.url,
        "LOGIN_LIMIT_KEY_PREFIX": f"{tmp_path.name}:login",
        "LOGIN_LIMIT_PER_USERNAME": "2 per hour",
    }
    first, second = client_of(make_app, **shared), client_of(make_app, **shared)

    assert guess(first, "198.51.100.1").status_code == 401
    assert guess(second, "198.51.100.2").status_code == 401
    assert guess(first, "198.51.100.3").status_code == 429
{%- endif %}
