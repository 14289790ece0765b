"""Each bad setting stops the baked app with one line, under every entry point.

gunicorn (``gunicorn --config gunicorn.conf.py``), its launcher (``python -m
<package>``) and the development server (``flask --app <package> run``) are
started for real on a baked project, with one bad variable each: the process
exits at once, and its stderr is one line naming the variable (gunicorn frames
it with blank lines), with no traceback.
Around that: ``.env`` is read by ``flask`` and by gunicorn only when asked,
``flask run --debug`` logs plain lines, and a Redis that cannot be reached at
start is one warning while the app serves.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from presets import DEFAULTS
from processes import free_port, migrate, run, running
from test_deploy import clean_environment

PACKAGE = "flask_api"
GOOD_KEY = "0123456789abcdef0123456789abcdef"
GUNICORN = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
FLASK_RUN = [sys.executable, "-m", "flask", "--app", PACKAGE, "run"]
LAUNCHER = [sys.executable, "-m", PACKAGE]
# A traceback, or the frame lines of one.
TRACEBACK_SIGNS = ("Traceback", 'File "', "raise ")

# (variable, bad value, what the line must say besides the variable). The value
# is given as a template: {tmp} is the test's temporary directory.
BAD_APP_SETTINGS = [
    ("SECRET_KEY", "", "must be set outside development"),
    ("SECRET_KEY", "change-me", "placeholder 'change-me'"),
    ("SECRET_KEY", "shorter-than-32", "too short (15 characters)"),
    ("REDIS_URL", "banana", "got 'banana'"),
    ("REDIS_URL", "redis://:hunter2@cache:port/0", "redis://***@cache:port/0"),
    ("DATABASE_URL", "sqlite:////etc/passwd/app.db", "/etc/passwd is a file"),
    ("DATABASE_URL", "sqlite:///{tmp}/no/dir/app.db", "/no/dir does not exist"),
    ("DATABASE_URL", "mysql://app:hunter2@db/app", "must look like sqlite:///"),
    ("CORS_ORIGINS", "notaurl", "'notaurl' is not an origin"),
    ("CORS_ORIGINS", "https://ok.example,https://app.example/", "scheme://host"),
    ("LOG_LEVEL", "LOUD", "got 'LOUD'"),
    ("MAX_CONTENT_LENGTH", "lots", "positive integer, got 'lots'"),
    ("API_DOCS", "maybe", "true or false, got 'maybe'"),
    ("RATELIMIT_DEFAULT", "lots", "like '600 per minute'"),
    ("RATELIMIT_STORAGE_URI", "nosuch://u:hunter2@h", "memory:// or redis://"),
    ("TRUSTED_PROXIES", "-1", "0 or a positive integer, got '-1'"),
    ("HTTPS", "maybe", "true or false, got 'maybe'"),
]
# gunicorn.conf.py's own variables (flask run does not read them).
BAD_SERVER_SETTINGS = [
    ("WEB_CONCURRENCY", "0", "positive integer, got '0'"),
    ("GUNICORN_TIMEOUT", "abc", "positive integer, got 'abc'"),
    ("GUNICORN_GRACEFUL_TIMEOUT", "-1", "positive integer, got '-1'"),
    ("PORT", "99999", "from 1 to 65535, got '99999'"),
    ("ENV_FILE", "missing.env", "no such file"),
]
# What gunicorn parses itself as it is imported, before gunicorn.conf.py: its
# traceback under plain gunicorn, one line under the launcher, which checks first.
BAD_BEFORE_GUNICORN = [
    ("WEB_CONCURRENCY", "abc", "positive integer, got 'abc'"),
]


@pytest.fixture(scope="module")
def project(cookies_session) -> Path:
    result = cookies_session.bake(extra_context={**DEFAULTS, "cache_backend": "redis"})
    assert result.exception is None, result.exception
    return Path(result.project_path)


def environment(tmp_path: Path, **changes: str) -> dict[str, str]:
    """Good settings, then ``changes``; nothing listens on the Redis port."""
    env = clean_environment(
        PYTHONPATH="src",
        SECRET_KEY=GOOD_KEY,
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.sqlite3'}",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        BIND=f"127.0.0.1:{free_port()}",
        FLASK_SKIP_DOTENV="1",
    )
    for name in ("ENV_FILE", "PORT", "WEB_CONCURRENCY", "CORS_ORIGINS", "LOG_LEVEL"):
        env.pop(name, None)
    env.update(changes)
    return env


def assert_one_line(result, variable: str, says: str) -> str:
    """The process failed with one line naming ``variable``; that line."""
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, output
    [line] = lines
    assert variable in line, line
    assert says in line, line
    assert not any(sign in output for sign in TRACEBACK_SIGNS), output
    assert "hunter2" not in output
    assert "Booting worker" not in output
    return line


@pytest.mark.slow
@pytest.mark.parametrize(("variable", "value", "says"), BAD_APP_SETTINGS)
@pytest.mark.parametrize("entry_point", ["gunicorn", "flask run"])
def test_a_bad_setting_stops_start_up_with_one_line(
    project, tmp_path, entry_point, variable, value, says
):
    env = environment(tmp_path, **{variable: value.format(tmp=tmp_path)})
    command = GUNICORN if entry_point == "gunicorn" else [*FLASK_RUN, "--port", "1"]

    result = run(command, cwd=project, env=env, timeout=60)

    line = assert_one_line(result, variable, says)
    assert line.startswith("Error: ")  # gunicorn's and click's own prefix
    assert not (tmp_path / "no").exists()  # SQLite made no folder


@pytest.mark.slow
@pytest.mark.parametrize(
    ("entry_point", "variable", "value", "says"),
    [("gunicorn", *bad) for bad in BAD_SERVER_SETTINGS]
    + [("launcher", *bad) for bad in BAD_BEFORE_GUNICORN + BAD_SERVER_SETTINGS],
)
def test_a_bad_server_setting_stops_gunicorn_with_one_line(
    project, tmp_path, entry_point, variable, value, says
):
    env = environment(tmp_path, **{variable: value})
    env.pop("BIND")  # so that PORT counts
    command = GUNICORN if entry_point == "gunicorn" else LAUNCHER

    result = run(command, cwd=project, env=env, timeout=60)

    assert_one_line(result, variable, says)


@pytest.mark.slow
def test_flask_reads_dot_env_and_gunicorn_only_when_asked(project, tmp_path):
    shutil.copy(project / ".env.example", project / ".env")
    try:
        # Out of debug mode, which .env turns on: its placeholder is refused.
        env = environment(tmp_path, FLASK_SKIP_DOTENV="", FLASK_DEBUG="0")
        del env["SECRET_KEY"]  # .env has the placeholder
        flask_run = run([*FLASK_RUN, "--port", "1"], cwd=project, env=env)
        gunicorn = run(GUNICORN, cwd=project, env=env)
        gunicorn_asked = run(GUNICORN, cwd=project, env={**env, "ENV_FILE": ".env"})
    finally:
        (project / ".env").unlink()

    assert_one_line(flask_run, "SECRET_KEY", "placeholder 'change-me'")
    assert_one_line(gunicorn, "SECRET_KEY", "must be set")
    assert_one_line(gunicorn_asked, "SECRET_KEY", "placeholder 'change-me'")


@pytest.mark.slow
def test_flask_run_debug_logs_plain_lines_with_the_url(project, tmp_path):
    port = free_port()
    # .env.example as a developer copies it: its placeholders pass in debug mode.
    shutil.copy(project / ".env.example", project / ".env")
    env = environment(tmp_path, FLASK_SKIP_DOTENV="")
    for name in ("SECRET_KEY", "DATABASE_URL", "BIND"):
        del env[name]
    try:
        with running([*FLASK_RUN, "--debug", "--port", str(port)], cwd=project,
                     env=env, port=port, log=tmp_path / "flask.log",
                     new_session=True) as server:  # fmt: skip
            server.wait_until_answering("/api/v1/health")
            server.wait_for_output('"GET /api/v1/health HTTP/1.1" 200')
    finally:
        (project / ".env").unlink()

    lines = server.output().splitlines()
    assert f" * Running on http://127.0.0.1:{port}" in lines
    assert not [line for line in lines if line.startswith("{")], lines
    # One from the server, one from the reloader's child: each builds the app.
    warning = next(line for line in lines if "Cache: Redis" in line)
    [access] = [line for line in lines if '"GET /api/v1/health HTTP/1.1" 200' in line]
    # date, time, level, logger, [request id], message
    assert warning.split()[2:5] == ["WARNING", PACKAGE, "[-]"], warning
    assert access.split()[2:5] == ["INFO", "werkzeug", "[-]"], access


@pytest.mark.slow
def test_an_unreachable_redis_is_one_warning_and_gunicorn_serves(project, tmp_path):
    env = environment(tmp_path, WEB_CONCURRENCY="1")
    port = int(env["BIND"].rsplit(":", 1)[1])
    migrate(project, env)

    with running(GUNICORN, cwd=project, env=env, port=port,
                 log=tmp_path / "gunicorn.log") as server:  # fmt: skip
        server.wait_until_answering("/api/v1/health", timeout=90)
        response, _ = server.request("GET", "/api/v1/items")
        assert response.status == 200
        assert server.terminate() == 0

    warnings = [e for e in server.events() if e["level"] == "WARNING"]
    at_start = [e for e in warnings if e["message"].startswith("Cache: Redis")]
    assert len(at_start) == 1, warnings
    assert at_start[0]["message"].endswith("serving uncached until it answers")
    assert "exc_info" not in at_start[0]
