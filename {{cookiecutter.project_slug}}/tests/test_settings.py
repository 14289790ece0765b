import pytest

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.settings import SettingsError, from_environment


def test_production_refuses_to_start_without_secret_key(monkeypatch, database_url):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)

    with pytest.raises(SettingsError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})


def test_production_starts_with_secret_key_and_debug_off(monkeypatch, database_url):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-value")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)

    app = create_app()

    assert app.debug is False
    assert app.config["SQLALCHEMY_DATABASE_URI"] == database_url
    assert app.test_client().get("/api/v1/health").status_code == 200
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


def test_a_database_that_cannot_be_opened_stops_start_up_in_one_line(
    app_config, tmp_path
):
    (tmp_path / "file").write_text("")
    url = f"sqlite:///{tmp_path}/file/app.sqlite3"  # a path under a file

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
