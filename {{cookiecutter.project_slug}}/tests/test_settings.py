import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from flask import Flask

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.settings import (
    SettingsError,
    check,
    check_log_level,
{%- if cookiecutter.use_cors %}
    check_origins,
{%- endif %}
{%- if cookiecutter.cache_backend == "redis" %}
    check_redis_url,
{%- endif %}
    check_secret_key,
    from_environment,
)

A_GOOD_KEY = "0123456789abcdef0123456789abcdef"
{%- if cookiecutter.database == "sqlite" %}
PLACEHOLDER_DATABASE = "sqlite:///app.sqlite3"
{%- else %}
PLACEHOLDER_DATABASE = "postgresql+psycopg://app:change-me@127.0.0.1:5432/app"
{%- endif %}


def test_production_refuses_to_start_without_secret_key(monkeypatch, database_url):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)

    with pytest.raises(SettingsError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})


def test_production_starts_with_secret_key_and_debug_off(monkeypatch, database_url):
    monkeypatch.setenv("SECRET_KEY", A_GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)

    app = create_app()

    assert app.debug is False
    assert app.config["SQLALCHEMY_DATABASE_URI"] == database_url
    assert app.test_client().get("/api/v1/health").status_code == 200


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("", "must be set"),
        ("change-me", "placeholder 'change-me'"),
        ("prefix-CHANGE-ME-and-more-than-32-characters", "placeholder"),
        ("short-but-secret", "too short (16 characters)"),
    ],
)
def test_a_weak_secret_key_is_refused_without_showing_it(key, rule):
    with pytest.raises(SettingsError, match=r"^SECRET_KEY") as error:
        check_secret_key(key)

    assert rule in str(error.value)
    assert "short-but-secret" not in str(error.value)


def test_a_long_random_secret_key_is_accepted():
    check_secret_key(A_GOOD_KEY)


@pytest.mark.parametrize("mode", ["DEBUG", "TESTING"])
def test_the_placeholder_key_passes_in_debug_mode_and_tests(mode, tmp_path):
    # A bare app: a debug app would set its logger's level for later tests.
    app = Flask(__name__, instance_path=str(tmp_path))
    placeholders = {"SECRET_KEY": "change-me", "DATABASE_URL": PLACEHOLDER_DATABASE}
    app.config.from_mapping(from_environment(placeholders))
    app.config[mode] = True

    check(app)


def test_the_placeholder_key_stops_a_production_app(make_app):
    with pytest.raises(SettingsError, match="placeholder"):
        make_app(SECRET_KEY="change-me", TESTING=False)


@pytest.mark.parametrize("level", ["LOUD", "", "20"])
def test_an_unknown_log_level_is_refused_by_name(level):
    with pytest.raises(SettingsError, match=r"^LOG_LEVEL must be one of DEBUG, INFO"):
        check_log_level(level)


def test_log_levels_in_any_case_are_accepted():
    for level in ("debug", "Info", "WARNING", "error", "CRITICAL"):
        check_log_level(level)


def test_a_settings_error_is_one_line_under_every_entry_point():
    error = SettingsError("X must be y")

    # gunicorn prints a RuntimeError from loading the app as one line, click
    # (flask run, flask db upgrade) a ClickException.
    assert isinstance(error, RuntimeError)
    assert isinstance(error, click.ClickException)
    assert str(error) == error.format_message() == "X must be y"


@pytest.mark.parametrize(
    ("environment", "named"),
    [({"SECRET_KEY": ""}, "SECRET_KEY"), ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL")],
)
def test_flask_run_stops_with_one_line(database_url, environment, named):
    # flask run builds the app before it serves anything: a bad setting stops it.
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).parents[1] / "src"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": A_GOOD_KEY,
        "FLASK_DEBUG": "0",
        "FLASK_SKIP_DOTENV": "1",
        **environment,
    }
    command = [sys.executable, "-m", "flask", "--app", "{{ cookiecutter.package_name }}"]
    result = subprocess.run(
        [*command, "run", "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {named}")
    assert len(result.stderr.splitlines()) == 1, result.stderr
{%- if cookiecutter.use_cors %}


@pytest.mark.parametrize(
    "origins",
    [
        ["*"],
        ["https://example.com", "http://localhost:3000"],
        ["http://127.0.0.1:8080", "https://[::1]:8443", "capacitor://localhost"],
    ],
)
def test_origins_are_accepted(origins):
    check_origins(origins)


@pytest.mark.parametrize(
    "origin",
    ["notaurl", "example.com", "https://example.com/", "https://example.com/app",
     "https://*.example.com", "https://", "http://host:port"],
)  # fmt: skip
def test_anything_but_an_origin_is_refused_by_name(origin):
    with pytest.raises(SettingsError, match=r"^CORS_ORIGINS: ") as error:
        check_origins(["https://example.com", origin])

    assert repr(origin) in str(error.value)
    assert "scheme://host[:port]" in str(error.value)


def test_origins_are_checked_at_start(make_app):
    with pytest.raises(SettingsError, match="CORS_ORIGINS"):
        make_app(CORS_ORIGINS=["notaurl"])
{%- endif %}
{%- if cookiecutter.cache_backend == "redis" %}


@pytest.mark.parametrize(
    "url",
    ["redis://localhost:6379/0", "redis://cache", "rediss://:pw@cache:6380/2",
     "unix:///run/redis.sock"],
)  # fmt: skip
def test_redis_urls_are_accepted(url):
    check_redis_url(url)


@pytest.mark.parametrize(
    "url",
    ["banana", "http://cache:6379/0", "redis://", "redis://cache:port/0",
     "redis://cache/zero", "unix://"],
)  # fmt: skip
def test_a_malformed_redis_url_is_refused_by_name(url):
    with pytest.raises(SettingsError, match=r"^REDIS_URL must look like redis://"):
        check_redis_url(url)


def test_a_redis_password_is_never_echoed():
    with pytest.raises(SettingsError) as error:
        check_redis_url("redis://user:hunter2@cache:6379/zero")

    assert "hunter2" not in str(error.value)
    assert "cache:6379/zero" in str(error.value)


def test_the_redis_url_is_checked_at_start(make_app):
    with pytest.raises(SettingsError, match="REDIS_URL"):
        make_app(CACHE_REDIS_URL="banana")
{%- endif %}
{%- if cookiecutter.database == "sqlite" %}


def test_database_defaults_to_the_instance_folder(app_config):
    del app_config["SQLALCHEMY_DATABASE_URI"]

    app = create_app(app_config)

    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{app.instance_path}/app.sqlite3"
    )


@pytest.mark.parametrize(
    "url", ["postgresql+psycopg://db/app", "sqlite://", "app.db", "sqlite:/x"]
)
def test_unsupported_database_url_is_refused_by_name(app_config, url):
    with pytest.raises(SettingsError, match=r"^DATABASE_URL"):
        create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})


def test_a_database_under_a_file_is_refused_by_name(app_config, tmp_path):
    (tmp_path / "file").write_text("")
    url = f"sqlite:///{tmp_path}/file/app.sqlite3"  # a path under a file

    with pytest.raises(SettingsError, match=r"^DATABASE_URL .*is a file; the folder"):
        create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})


def test_a_database_in_a_missing_folder_is_refused_and_no_folder_made(
    app_config, tmp_path
):
    missing = tmp_path / "missing" / "dir"
    url = f"sqlite:///{missing}/app.sqlite3"

    with pytest.raises(SettingsError, match=r"does not exist; the folder") as error:
        create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
    assert str(missing) in str(error.value)
    assert not missing.parent.exists()


def test_a_database_that_cannot_be_opened_stops_start_up_in_one_line(
    app_config, tmp_path
):
    (tmp_path / "app.sqlite3").mkdir()  # a folder where the file should be
    url = f"sqlite:///{tmp_path}/app.sqlite3"

    with pytest.raises(SettingsError, match=r"^DATABASE_URL: cannot connect") as error:
        create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
    assert "\n" not in str(error.value)
{%- else %}


def test_the_database_url_is_required(app_config):
    del app_config["SQLALCHEMY_DATABASE_URI"]

    with pytest.raises(SettingsError, match=r"^DATABASE_URL must be set"):
        create_app(app_config)


@pytest.mark.parametrize(
    "url", ["sqlite:///app.db", "postgresql://db/app", "postgresql+psycopg://db"]
)
def test_unsupported_database_url_is_refused_by_name(app_config, url):
    with pytest.raises(SettingsError, match=r"^DATABASE_URL"):
        create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})


def test_the_placeholder_password_stops_a_production_app():
    with pytest.raises(SettingsError, match=r"^DATABASE_URL has the placeholder"):
        create_app(
            {"SECRET_KEY": A_GOOD_KEY, "SQLALCHEMY_DATABASE_URI": PLACEHOLDER_DATABASE}
        )


def test_a_password_is_never_echoed(app_config):
    url = "postgresql://app:hunter2@db/app"

    with pytest.raises(SettingsError) as error:
        create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
    assert "hunter2" not in str(error.value)


def test_an_unreachable_database_stops_start_up_in_one_line(app_config):
    # Nothing listens on port 1.
    url = "postgresql+psycopg://app:hunter2@127.0.0.1:1/app"

    with pytest.raises(SettingsError, match=r"^DATABASE_URL: cannot connect") as error:
        create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
    assert "\n" not in str(error.value)
    assert "hunter2" not in str(error.value)
{%- endif %}


@pytest.mark.parametrize("value", ["0", "-5", "lots"])
def test_max_content_length_must_be_positive(value):
    with pytest.raises(SettingsError, match="MAX_CONTENT_LENGTH"):
        from_environment({"MAX_CONTENT_LENGTH": value})


def test_max_content_length_from_environment():
    settings = from_environment({"MAX_CONTENT_LENGTH": "2048"})

    assert settings["MAX_CONTENT_LENGTH"] == 2048
