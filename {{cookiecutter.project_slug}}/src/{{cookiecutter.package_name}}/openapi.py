"""The OpenAPI 3.1 document, built by flask-smorest from the views and their schemas.

Served at ``/api/v1/openapi.json``. Rules that hold for every operation are
stated here once, as the code in ``errors.py``, ``headers.py`` and
``request_id.py`` applies them once: each error is a problem document, each
answer carries ``X-Request-ID``, each ``GET`` answers ``ETag`` and 304, and
each request body can be refused with 400, 413 or 415. Each operation is named
after its view function (``operationId``: ``create_item``), which is what a
client generator names its method, and says which credential it needs.
"""

from __future__ import annotations

import http
from typing import Any

import flask_smorest
from apispec import BasePlugin
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

{% if cookiecutter.use_rate_limit -%}
from . import errors, ratelimit
{% else -%}
from . import errors
{% endif -%}
from .__about__ import __version__
from .request_id import HEADER as REQUEST_ID_HEADER

TITLE = {{ cookiecutter.project_name | tojson }}
DESCRIPTION = {{ cookiecutter.description | tojson }}
{%- if cookiecutter.open_source_license == "Proprietary" %}
LICENSE = {"name": "Proprietary"}
{%- else %}
LICENSE = {
    "name": "{{ cookiecutter.open_source_license }}",
    "identifier": "{{ cookiecutter.open_source_license }}",
}
{%- endif %}

# flask-smorest's endpoint serving the document.
DOCUMENT_ENDPOINT = "api-docs.openapi_json"

{%- if cookiecutter.auth != "none" %}
# Every operation needs this unless it says `security: []` (see auth.py).
SECURITY_SCHEME = "bearer"
NEEDS_CREDENTIAL: list[dict[str, list[str]]] = [{SECURITY_SCHEME: []}]
BEARER = {
    "type": "http",
    "scheme": "bearer",
{%- if cookiecutter.auth == "jwt" %}
    "bearerFormat": "JWT",
    "description": "An access token from POST /api/v1/auth/token.",
{%- else %}
    "description": "An API key from `flask keys create`.",
{%- endif %}
}
WWW_AUTHENTICATE = {
    "description": "The credential asked for (RFC 6750), as "
    '`Bearer realm="api", error="invalid_token"`.',
    "schema": {"type": "string"},
}
{%- endif %}

{%- if cookiecutter.use_rate_limit %}
# On each answer of a limited operation: what is left of the client's limit.
QUOTA_HEADERS = {
    ratelimit.LIMIT_HEADER: {
        "description": "Requests the client may make in the current window.",
        "schema": {"type": "integer"},
    },
    ratelimit.REMAINING_HEADER: {
        "description": "Requests left in the current window.",
        "schema": {"type": "integer"},
    },
    ratelimit.RESET_HEADER: {
        "description": "When the current window ends, in Unix time (seconds).",
        "schema": {"type": "integer"},
    },
}
RETRY_AFTER = {
    "description": "Seconds to wait before the next request.",
    "schema": {"type": "integer"},
}
{%- endif %}

BODY_ERRORS = {
    http.HTTPStatus.BAD_REQUEST,
    http.HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    http.HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
}
{%- if cookiecutter.auth != "none" %}
# Answers that say which credential is wanted.
CHALLENGES = {http.HTTPStatus.UNAUTHORIZED, http.HTTPStatus.FORBIDDEN}
{%- endif %}


class Api(flask_smorest.Api):
    """flask-smorest's ``Api``, answering and documenting RFC 9457 problems."""

    ERROR_SCHEMA = errors.Problem

    def __init__(self, app: Flask) -> None:
        app.config.setdefault("API_TITLE", TITLE)
        app.config.setdefault("API_VERSION", __version__)
        app.config.setdefault("OPENAPI_VERSION", "3.1.0")
        app.config.setdefault(
            "API_SPEC_OPTIONS",
{%- if cookiecutter.auth != "none" %}
            {
                "info": {"description": DESCRIPTION, "license": LICENSE},
                "security": NEEDS_CREDENTIAL,
            },
        )
        super().__init__(app, spec_kwargs={"extra_plugins": [UniformAnswers()]})
        self.spec.components.security_scheme(SECURITY_SCHEME, BEARER)
{%- else %}
            {"info": {"description": DESCRIPTION, "license": LICENSE}},
        )
        super().__init__(app, spec_kwargs={"extra_plugins": [UniformAnswers()]})
{%- endif %}
        self.document_problems()
        app.view_functions[DOCUMENT_ENDPOINT] = self.serve_document

    def serve_document(self) -> Response:
        """The document, with the server it is served from.

        The server's URL is relative (no scheme, no host), and carries the
        prefix the app is mounted under (``SCRIPT_NAME``), so clients and the
        docs page call the API where the document came from.
        """
        document = self.spec.to_dict()
        document["servers"] = [{"url": request.script_root or "/"}]
        return jsonify(document)

    def handle_http_exception(self, error: HTTPException) -> Response:
        return errors.handle_http_exception(error)

    def document_problems(self) -> None:
        """Document each status as what errors.py sends: a problem document.

        flask-smorest registered its own error answers (``application/json``)
        under the statuses' names, lazily; registering ours under the same
        names replaces them before any operation refers to one.
        """
        self.spec.components.header(
            "X_REQUEST_ID",
            {
                "description": "The request's id, also in every log line about it.",
                "schema": {"type": "string"},
            },
        )
        for status in http.HTTPStatus:
            if status < 400:
                response: dict[str, Any] = {"description": status.phrase}
            else:
                schema = (
                    errors.ValidationProblem
                    if status == http.HTTPStatus.UNPROCESSABLE_ENTITY
                    else errors.Problem
                )
                response = {
                    "description": status.phrase,
                    "content": {errors.PROBLEM_MIMETYPE: {"schema": schema}},
                }
            response["headers"] = {REQUEST_ID_HEADER: "X_REQUEST_ID"}
{%- if cookiecutter.use_rate_limit %}
            if status == http.HTTPStatus.TOO_MANY_REQUESTS:
                response["headers"] |= {**QUOTA_HEADERS, "Retry-After": RETRY_AFTER}
{%- endif %}
{%- if cookiecutter.auth != "none" %}
            if status in CHALLENGES:
                response["headers"]["WWW-Authenticate"] = WWW_AUTHENTICATE
{%- endif %}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            self.DEFAULT_ERROR_RESPONSE_NAME,
            {
                "description": "Any other error.",
                "content": {errors.PROBLEM_MIMETYPE: {"schema": errors.Problem}},
                "headers": {REQUEST_ID_HEADER: "X_REQUEST_ID"},
            },
            lazy=True,
        )


class UniformAnswers(BasePlugin):
    """Adds to each operation what the app does for every request."""

    def operation_helper(
        self,
        path: str | None = None,
        operations: dict | None = None,
        rule: Rule | None = None,
        **_: Any,
    ) -> None:
        for method, operation in (operations or {}).items():
            if rule is not None:
                # The view function's name ("items.create_item" -> create_item):
                # unique, since each view answers one method of one path.
                operation.setdefault("operationId", rule.endpoint.rpartition(".")[2])
{%- if cookiecutter.auth != "none" %}
            # Said on each operation, so that a public one ([]) reads as meant.
            operation.setdefault("security", NEEDS_CREDENTIAL)
{%- else %}
            # Open on purpose: no operation asks for a credential.
            operation.setdefault("security", [])
{%- endif %}
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                for status in BODY_ERRORS:
                    responses.setdefault(status.value, status.name)
{%- if cookiecutter.auth != "none" %}
            if operation.get("security") != []:
                responses.setdefault(401, http.HTTPStatus.UNAUTHORIZED.name)
{%- if cookiecutter.auth == "api_key" %}
                if method not in ("get", "head"):
                    # A read-only key on a write.
                    responses.setdefault(403, http.HTTPStatus.FORBIDDEN.name)
{%- endif %}
{%- endif %}
{%- if cookiecutter.use_rate_limit %}
            limited = ratelimit.EXEMPT_BLUEPRINTS.isdisjoint(operation.get("tags", []))
            if limited:
                responses.setdefault(429, http.HTTPStatus.TOO_MANY_REQUESTS.name)
{%- endif %}
            if method == "get":
                operation.setdefault("parameters", []).append("IF_NONE_MATCH")
                responses.setdefault(304, http.HTTPStatus.NOT_MODIFIED.name)
            for status, response in responses.items():
                if isinstance(response, dict):
                    headers = response.setdefault("headers", {})
                    headers[REQUEST_ID_HEADER] = "X_REQUEST_ID"
{%- if cookiecutter.use_rate_limit %}
                    if limited:
                        headers.update(QUOTA_HEADERS)
{%- endif %}
                    if method == "get" and int(status) == 200:
                        headers["ETag"] = "ETAG"
