"""Logs: one JSON object per line on stdout, each with its request's id."""

import json
import logging
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from gunicorn.glogging import SafeAtoms

from {{ cookiecutter.package_name }}.logs import StdoutHandler
from {{ cookiecutter.package_name }}.settings import SettingsError, from_environment

GUNICORN_CONF = Path(__file__).parents[1] / "gunicorn.conf.py"


def app_handler() -> StdoutHandler:
    handlers = logging.getLogger().handlers
    (handler,) = [each for each in handlers if isinstance(each, StdoutHandler)]
    return handler


@pytest.fixture
def lines(caplog):
    """The lines the app's handler writes for the records logged so far."""

    def written() -> list[str]:
        handler = app_handler()
        return [handler.format(record) for record in caplog.records]

    return written


def events(lines: list[str]) -> list[dict]:
    # str.splitlines also splits on U+2028 and other separators a log
    # collector might honour: an event must survive all of them.
    assert all(len(line.splitlines()) == 1 for line in lines)
    return [json.loads(line) for line in lines]


@pytest.fixture
def logging_app(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/v1/chatty")
    def chatty():
        app.logger.info("first")
        app.logger.warning("second")
        return {}

    @app.get("/api/v1/boom")
    def boom():
        raise ValueError("secret detail\nspread over lines")

    return app


def test_events_go_to_stdout_as_json_lines(app_config):
    # A process of its own: pytest replaces sys.stdout in this one.
    code = (
        "import json, sys\n"
        "from {{ cookiecutter.package_name }} import create_app\n"
        "create_app(json.loads(sys.argv[1])).logger.warning('to stdout')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(app_config)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")},
    )

    assert events(result.stdout.splitlines())[-1]["message"] == "to stdout"
    assert result.stderr == ""


def test_each_event_is_one_json_line_with_the_request_id(logging_app, lines):
    logging_app.test_client().get(
        "/api/v1/chatty", headers={"X-Request-ID": "trace-42"}
    )

    logged = events(lines())

    assert [(event["level"], event["message"]) for event in logged] == [
        ("INFO", "first"),
        ("WARNING", "second"),
    ]
    assert {event["request_id"] for event in logged} == {"trace-42"}
    assert {event["logger"] for event in logged} == {logging_app.logger.name}
    assert all(event["time"].endswith("+00:00") for event in logged)


def test_a_fresh_id_is_logged_as_the_client_gets_it(logging_app, lines):
    response = logging_app.test_client().get("/api/v1/chatty")

    logged = events(lines())

    assert {event["request_id"] for event in logged} == {
        response.headers["X-Request-ID"]
    }


def test_an_unhandled_exception_is_one_line_with_id_and_traceback(logging_app, lines):
    response = logging_app.test_client().get("/api/v1/boom")

    [event] = events(lines())

    assert response.status_code == 500
    assert event["level"] == "ERROR"
    assert event["message"] == "Unhandled exception on GET /api/v1/boom"
    assert event["request_id"] == response.headers["X-Request-ID"]
    assert event["exc_info"].startswith("Traceback (most recent call last):")
    assert "ValueError: secret detail\nspread over lines" in event["exc_info"]


def test_line_breaks_in_a_message_stay_inside_the_line(app, lines):
    app.logger.warning("forged\r\nINFO ok\u2028\u2029\x85end")

    [event] = events(lines())

    assert event["message"] == "forged\r\nINFO ok\u2028\u2029\x85end"


def test_outside_a_request_the_id_is_a_dash(app, lines):
    app.logger.warning("starting")

    [event] = events(lines())

    assert event["request_id"] == "-"


def test_building_many_apps_adds_no_second_handler(make_app):
    apps = [make_app() for _ in range(3)]

    root_handlers = logging.getLogger().handlers
    assert sum(isinstance(handler, StdoutHandler) for handler in root_handlers) == 1
    # Flask's own stderr handler is gone: records reach stdout only.
    assert apps[0].logger.handlers == []


def test_other_libraries_log_through_the_same_handler(app, lines):
    with app.test_request_context(headers={"X-Request-ID": "trace-lib"}):
        logging.getLogger("some.library").warning("from a library")

    [event] = events(lines())

    assert event["logger"] == "some.library"
    assert event["request_id"] == "trace-lib"


def test_log_level_filters_events(make_app, lines):
    app = make_app(LOG_LEVEL="WARNING")

    app.logger.info("hidden")
    app.logger.warning("shown")

    assert [event["message"] for event in events(lines())] == ["shown"]


@pytest.fixture
def debug_app(make_app):
    """An app in debug mode, as `flask run --debug` builds it."""
    logger = logging.getLogger("{{ cookiecutter.package_name }}")
    level = logger.level
    yield make_app(DEBUG=True)
    # Flask gives a debug app's logger the DEBUG level; the next app is JSON.
    logger.setLevel(level)
    make_app()


def test_debug_mode_writes_plain_lines_for_a_person(debug_app, lines):
    with debug_app.test_request_context(headers={"X-Request-ID": "trace-7"}):
        debug_app.logger.warning("readable")
    logging.getLogger("werkzeug").info(" * Running on http://127.0.0.1:5000")

    readable, banner = lines()

    timestamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
    assert re.fullmatch(
        rf"{timestamp} WARNING {{ cookiecutter.package_name }} \[trace-7\] readable",
        readable,
    )
    assert banner.endswith(" INFO werkzeug [-]  * Running on http://127.0.0.1:5000")


def test_production_mode_writes_json_lines_again(debug_app, make_app, lines):
    make_app().logger.warning("indexed")

    [event] = events(lines())

    assert (event["level"], event["message"]) == ("WARNING", "indexed")


def test_log_level_comes_from_the_environment():
    assert from_environment({"LOG_LEVEL": "DEBUG"})["LOG_LEVEL"] == "DEBUG"
    assert from_environment({})["LOG_LEVEL"] == "INFO"


def test_an_unknown_log_level_stops_the_app(make_app):
    with pytest.raises(SettingsError, match="LOG_LEVEL"):
        make_app(LOG_LEVEL="LOUD")


@pytest.fixture(scope="module")
def access_formatter():
    """The formatter gunicorn.conf.py gives gunicorn's access log."""
    conf = runpy.run_path(str(GUNICORN_CONF))
    return conf["logconfig_dict"]["formatters"]["access"]["()"]()


def test_a_gunicorn_access_event_has_the_request_as_fields(access_formatter):
    # What gunicorn passes for one request: its format, and the atoms.
    atoms = SafeAtoms(
        {
            "h": "10.0.0.7",
            "r": "GET /api/v1/items?limit=5 HTTP/1.1",
            "m": "GET",
            "U": "/api/v1/items",
            "s": "200",
            "B": 2388,
            "M": 3,
            "a": 'agent "quoted"',
            "{x-request-id}o": "trace-42",
        }
    )
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1,
        '%(h)s "%(r)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s', (atoms,), None,
    )  # fmt: skip

    event = json.loads(access_formatter.format(record))

    assert event["message"] == (
        '10.0.0.7 "GET /api/v1/items?limit=5 HTTP/1.1" 200 2388 3ms trace-42'
    )
    assert {key: event[key] for key in (
        "logger", "request_id", "method", "path", "status", "bytes",
        "duration_ms", "remote_addr", "user_agent",
    )} == {
        "logger": "gunicorn.access", "request_id": "trace-42", "method": "GET",
        "path": "/api/v1/items", "status": 200, "bytes": 2388,
        "duration_ms": 3, "remote_addr": "10.0.0.7", "user_agent": 'agent "quoted"',
    }  # fmt: skip


def test_an_access_event_without_length_or_id_has_none_and_a_dash(access_formatter):
    atoms = SafeAtoms({"m": "HEAD", "U": "/", "s": "304", "B": None, "M": 0})
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(m)s", (atoms,), None
    )

    event = json.loads(access_formatter.format(record))

    assert (event["status"], event["bytes"], event["request_id"]) == (304, None, "-")


def test_a_secret_in_the_query_string_is_not_logged(access_formatter):
    line = "GET /api/v1/items?limit=5&access_token=s3cr3t&Password=hunter2&x=1 HTTP/1.1"
    atoms = SafeAtoms({"r": line, "m": "GET", "U": "/api/v1/items", "s": "200"})
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '"%(r)s"', (atoms,), None
    )

    event = json.loads(access_formatter.format(record))

    assert event["message"] == (
        '"GET /api/v1/items?limit=5&access_token=[redacted]&Password=[redacted]&x=1'
        ' HTTP/1.1"'
    )
