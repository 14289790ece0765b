"""Behind reverse proxies: X-Forwarded-* count only from the proxies trusted."""

import pytest
from flask import request

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.settings import SettingsError, from_environment

WHO = "/whoami"


@pytest.fixture
def whoami(make_app):
    """A client of an app with one more route: what the app takes the client for."""

    def make(**overrides):
        app = make_app(**overrides)
        app.add_url_rule(
            WHO, "whoami", lambda: {"address": request.remote_addr,
                                    "scheme": request.scheme}
        )  # fmt: skip
        return app.test_client()

    return make


FORWARDED = {
    "X-Forwarded-For": "203.0.113.7, 198.51.100.1",
    "X-Forwarded-Proto": "https",
}


def test_by_default_forwarded_headers_are_ignored(whoami):
    answer = whoami().get(WHO, headers=FORWARDED).get_json()

    assert answer == {"address": "127.0.0.1", "scheme": "http"}


def test_one_trusted_proxy_gives_the_address_it_saw(whoami):
    answer = whoami(TRUSTED_PROXIES=1).get(WHO, headers=FORWARDED).get_json()

    # The left one is whatever the client claimed; the proxy appended the right.
    assert answer == {"address": "198.51.100.1", "scheme": "https"}


def test_two_trusted_proxies_give_the_address_the_first_saw(whoami):
    answer = whoami(TRUSTED_PROXIES=2).get(WHO, headers=FORWARDED).get_json()

    assert answer["address"] == "203.0.113.7"


def test_trusted_proxies_from_the_environment():
    assert from_environment({})["TRUSTED_PROXIES"] == 0
    assert from_environment({"TRUSTED_PROXIES": "2"})["TRUSTED_PROXIES"] == 2


@pytest.mark.parametrize("value", ["-1", "one", "1.5", "²"])
def test_a_malformed_count_stops_start_up_in_one_line(value):
    with pytest.raises(SettingsError) as error:
        from_environment({"TRUSTED_PROXIES": value})

    assert str(error.value) == (
        f"TRUSTED_PROXIES must be 0 or a positive integer, got {value!r}"
    )


def test_create_app_applies_it_once(app_config):
    app = create_app({**app_config, "TRUSTED_PROXIES": 1})

    assert type(app.wsgi_app).__name__ == "ProxyFix"
    assert type(app.wsgi_app.app).__name__ != "ProxyFix"  # type: ignore[attr-defined]
