"""Every error is a problem document: never an HTML page, never a traceback."""

import logging

import pytest
from flask import abort

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response, status):
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem.keys() >= PROBLEM_KEYS
    assert problem["status"] == status
    assert problem["type"] == "about:blank"
    return problem


@pytest.fixture
def failing_app(make_app):
    """An app with routes that fail in each way the handlers must cover."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("database password is hunter2")

    @app.get("/unserializable")
    def unserializable():
        return {"value": object()}

    @app.get("/forbidden")
    def forbidden():
        abort(403, description="You may not see this.")

    @app.get("/own-conflict")
    def own_conflict():
        return {"error": "already there", "id": 7}, 409

    return app


def test_unknown_route_is_404_problem(client):
    problem = assert_problem(client.get("/no/such/page"), 404)

    assert problem["title"] == "Not Found"


def test_a_trailing_slash_is_a_404_problem_not_an_html_redirect(client):
    assert_problem(client.get("/api/v1/items/"), 404)


def test_wrong_method_is_405_with_allow_header(client):
    response = client.put("/api/v1/health")

    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_abort_with_description_keeps_it(failing_app):
    problem = assert_problem(failing_app.test_client().get("/forbidden"), 403)

    assert problem["detail"] == "You may not see this."


def test_an_error_answer_a_view_builds_itself_is_kept(failing_app):
    response = failing_app.test_client().get("/own-conflict")

    assert response.status_code == 409
    assert response.get_json() == {"error": "already there", "id": 7}


def test_head_of_an_error_has_no_body(client):
    response = client.head("/no/such/page")

    assert response.status_code == 404
    assert response.data == b""


@pytest.mark.parametrize("debug", [False, True])
def test_unhandled_exception_is_500_without_internals(failing_app, caplog, debug):
    failing_app.debug = debug

    with caplog.at_level(logging.ERROR):
        response = failing_app.test_client().get("/boom")

    problem = assert_problem(response, 500)
    assert "hunter2" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert problem["title"] == "Internal Server Error"
    # The details are for the operator, in the log.
    assert "hunter2" in caplog.text


def test_unhandled_exception_under_testing_defaults_is_500_too(app):
    @app.get("/boom-in-tests")
    def boom():
        raise ValueError("internal detail")

    response = app.test_client().get("/boom-in-tests")

    assert_problem(response, 500)
    assert "internal detail" not in response.get_data(as_text=True)


def test_an_unserializable_answer_is_500_problem(failing_app):
    assert_problem(failing_app.test_client().get("/unserializable"), 500)


def test_errors_carry_the_uniform_headers(client):
    response = client.get("/no/such/page")

    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_error_status_set_without_raising_is_a_problem_too(app):
    # Werkzeug's conditional answers do this: 412 when If-Match fails.
    @app.get("/precondition")
    def precondition():
        return app.response_class("<p>page</p>", status=412, mimetype="text/html")

    response = app.test_client().get("/precondition")

    problem = assert_problem(response, 412)
    assert problem["title"] == "Precondition Failed"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
