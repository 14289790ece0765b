"""The production server's launcher: WEB_CONCURRENCY checked, then gunicorn."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }} import __main__ as launcher

PACKAGE = "{{ cookiecutter.package_name }}"
PROJECT = Path(__file__).parents[1]
A_GOOD_KEY = "0123456789abcdef0123456789abcdef"


class Exec(Exception):
    """Raised instead of replacing the test process."""


@pytest.fixture
def execv(monkeypatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def record(path: str, args: list[str]) -> None:
        calls.append([path, *args])
        raise Exec

    monkeypatch.setattr(os, "execv", record)
    return calls


def launch(database_url: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """``python -m <package> --print-config`` from the project's folder."""
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT / "src"),
        "SECRET_KEY": A_GOOD_KEY,
        "DATABASE_URL": database_url,
        "FLASK_DEBUG": "0",
        **environment,
    }
    command = [sys.executable, "-m", PACKAGE, "--print-config"]
    return subprocess.run(
        command, cwd=PROJECT, capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize("value", ["abc", "0", "-1", "2.5", " 2"])
def test_a_bad_web_concurrency_is_one_line_before_gunicorn(monkeypatch, execv, value):
    monkeypatch.setenv("WEB_CONCURRENCY", value)
    monkeypatch.setattr(sys, "argv", [PACKAGE])

    with pytest.raises(SystemExit) as stopped:
        launcher.main()

    assert stopped.value.code == (
        f"WEB_CONCURRENCY must be a positive integer, got {value!r}"
    )
    assert execv == []


@pytest.mark.parametrize("value", [None, "", "3"])
def test_the_launcher_becomes_gunicorn_with_the_config_and_arguments(
    monkeypatch, execv, value
):
    if value is None:
        monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    else:
        monkeypatch.setenv("WEB_CONCURRENCY", value)
    monkeypatch.setattr(sys, "argv", [PACKAGE, "--workers", "4"])

    with pytest.raises(Exec):
        launcher.main()

    python = sys.executable
    assert execv == [
        [python, python, "-m", "gunicorn", "--config", "gunicorn.conf.py",
         "--workers", "4"],
    ]  # fmt: skip
    # gunicorn parses an empty value too: unset, gunicorn.conf.py's default.
    assert os.environ.get("WEB_CONCURRENCY") == (value or None)


def test_a_bad_web_concurrency_stops_the_server_with_one_line(database_url):
    result = launch(database_url, WEB_CONCURRENCY="abc")

    assert result.returncode == 1
    assert result.stderr == "WEB_CONCURRENCY must be a positive integer, got 'abc'\n"
    assert result.stdout == ""


def test_a_good_environment_reaches_gunicorn_and_its_config(database_url):
    result = launch(database_url, WEB_CONCURRENCY="3")

    assert result.returncode == 0, result.stderr
    # gunicorn's settings, one "name = value" line each, as gunicorn.conf.py
    # made them from the environment the launcher passed on.
    settings = dict(re.findall(r"^(\w+) += (.*)$", result.stdout, re.MULTILINE))
    assert settings["wsgi_app"] == f"{PACKAGE}:create_app()"
    assert settings["workers"] == "3"
