import pytest

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.settings import SettingsError, from_environment


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)

    with pytest.raises(SettingsError, match="SECRET_KEY"):
        create_app({"DATABASE": str(tmp_path / "db.sqlite3")})


def test_production_starts_with_secret_key_and_debug_off(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-value")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)

    app = create_app()

    assert app.debug is False
    assert app.config["DATABASE"] == str(tmp_path / "prod.sqlite3")
    assert app.test_client().get("/api/v1/health").status_code == 200


def test_database_defaults_to_the_instance_folder(app_config):
    del app_config["DATABASE"]

    app = create_app(app_config)

    assert app.config["DATABASE"].startswith(app.instance_path)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///data/app.db", "data/app.db"),
        ("sqlite:////srv/app.db", "/srv/app.db"),
    ],
)
def test_database_url_gives_the_sqlite_path(url, path):
    assert from_environment({"DATABASE_URL": url})["DATABASE"] == path


@pytest.mark.parametrize("url", ["postgres://db/app", "sqlite:///", "app.db"])
def test_unsupported_database_url_is_refused_by_name(url):
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        from_environment({"DATABASE_URL": url})


@pytest.mark.parametrize("value", ["0", "-5", "lots"])
def test_max_content_length_must_be_positive(value):
    with pytest.raises(SettingsError, match="MAX_CONTENT_LENGTH"):
        from_environment({"MAX_CONTENT_LENGTH": value})


def test_max_content_length_from_environment():
    settings = from_environment({"MAX_CONTENT_LENGTH": "2048"})

    assert settings["MAX_CONTENT_LENGTH"] == 2048
