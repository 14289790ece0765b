"""Every error becomes an RFC 9457 problem document, never an HTML page.

A browser's ``fetch`` or jQuery's ``$.ajax`` error callback can then read
``status``, ``title`` and ``detail`` from JSON, whatever went wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from flask import Flask, Response, current_app, request
from marshmallow import Schema, fields
from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions
from werkzeug.http import HTTP_STATUS_CODES

from . import revisions

PROBLEM_MIMETYPE = "application/problem+json"
WRONG_FIELDS = "Some fields of the request are wrong: see errors."
# The database is down, restarting or out of connections: retry later, a 503.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 5

# Headers that describe the HTML body Werkzeug would have sent, not the error.
_BODY_HEADERS = frozenset({"content-type", "content-length"})
# Headers that describe a body or its versions: none applies to the problem.
_ENTITY_HEADERS = _BODY_HEADERS | {
    "content-encoding",
    "content-disposition",
    "content-range",
    "accept-ranges",
    "etag",
    "last-modified",
}


# The error statuses Werkzeug's make_conditional sets without raising. A view
# that returns its own error answer on purpose is left as it is.
_SET_BY_WERKZEUG = frozenset({412, 416})


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    for error in (*DATABASE_UNAVAILABLE, ProgrammingError):
        app.register_error_handler(error, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected_exception)
    app.after_request(problem_for_unraised_error)


def handle_http_exception(error: HTTPException) -> Response:
    extensions = _extensions(error)
    detail = WRONG_FIELDS if extensions else error.description
    response = problem(error.code or 500, detail, **extensions)
    # Keep what the exception says about the error itself: Allow on a 405,
    # WWW-Authenticate on a 401, Retry-After on a 503.
    for name, value in error.get_response().headers.items():
        if name.lower() not in _BODY_HEADERS:
            response.headers.add(name, value)
    return response


def handle_database_unavailable(error: Exception) -> Response:
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    if revisions.missing_schema(error):
        # Not an outage: no retry helps until the migrations run.
        current_app.logger.error(
            "Database not migrated on %s %s: %s", request.method, request.path, reason
        )
        return problem(503, revisions.NOT_MIGRATED)
    if isinstance(error, ProgrammingError):
        return handle_unexpected_exception(error)
    # A known outage, not a bug: one line in the log, no traceback.
    current_app.logger.warning(
        "Database unavailable on %s %s: %s", request.method, request.path, reason
    )
    response = problem(503, "The database is unavailable: retry shortly.")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handle_unexpected_exception(error: Exception) -> Response:
    # The traceback goes to the log only (one JSON line with the request id,
    # see logs.py); the client learns nothing internal.
    current_app.logger.error(
        "Unhandled exception on %s %s", request.method, request.path, exc_info=error
    )
    return problem(500, InternalServerError.description)


def problem_for_unraised_error(response: Response) -> Response:
    """An error status set without raising still answers a problem document.

    Werkzeug's conditional answers set 412 Precondition Failed (a failed
    ``If-Match``) or 416 Range Not Satisfiable themselves, on a static file for
    instance: no error handler sees them, and the body would be the page or
    JSON asked for.
    """
    if (
        response.status_code not in _SET_BY_WERKZEUG
        or response.mimetype == PROBLEM_MIMETYPE
    ):
        return response
    status = response.status_code
    known = default_exceptions.get(status)
    document = problem(status, known.description if known else None)
    for name, value in response.headers.items():
        if name.lower() not in _ENTITY_HEADERS:
            document.headers.add(name, value)
    response.close()  # a static file's handle
    return document


def problem(status: int, detail: str | None = None, **extensions: Any) -> Response:
    """Build a problem document; ``extensions`` become extra members."""
    body = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Unknown Error"),
        "status": status,
        "detail": detail or "",
        **extensions,
    }
    # The provider builds the app's response class (typed as werkzeug's base).
    response = cast(Response, current_app.json.response(body))
    response.status_code = status
    response.mimetype = PROBLEM_MIMETYPE
    return response


def _extensions(error: HTTPException) -> dict[str, Any]:
    # webargs (behind flask-smorest's @arguments) puts the schema's messages,
    # by location (json, query) then field, in ``data``.
    messages = (getattr(error, "data", None) or {}).get("messages")
    if not messages:
        return {}
    return {
        "errors": [
            error for by_field in messages.values() for error in _field_errors(by_field)
        ]
    }


def _field_errors(messages: Any, field: str = "") -> Iterator[dict[str, str]]:
    """One ``{"field", "message"}`` per message; nested fields as ``a.b``."""
    if isinstance(messages, dict):
        for name, inner in messages.items():
            name = "" if name == "_schema" else str(name)
            yield from _field_errors(inner, f"{field}.{name}" if field else name)
    elif isinstance(messages, list):
        for message in messages:
            yield from _field_errors(message, field)
    else:
        yield {"field": field, "message": str(messages)}


class Problem(Schema):
    """An RFC 9457 problem document, as every error answer carries it."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True, metadata={"example": "Not Found"})
    status = fields.Integer(required=True, metadata={"example": 404})
    detail = fields.String(required=True)


class FieldError(Schema):
    field = fields.String(
        required=True,
        metadata={"description": "Dotted path; empty for the whole body."},
    )
    message = fields.String(required=True)


class ValidationProblem(Problem):
    """A problem document naming each wrong field."""

    errors = fields.List(fields.Nested(FieldError), required=True)
