"""Deny by default: every route of the API needs a credential unless marked ``@public``.

``api/__init__.py`` puts ``require_credential`` in front of each resource
blueprint it registers, so a new resource is protected without a line here.
A view opts out with ``@public`` in its own code, nothing else; the marker
also gives its operation ``security: []`` in the OpenAPI document.

The credential is ``Authorization: Bearer <token>`` and nothing else (no query
string, no cookie, no other scheme). Answers follow RFC 6750: 401 with
``WWW-Authenticate: Bearer realm="api"`` when no credential came,
``error="invalid_token"`` added when one came and is not good, and 403 with
``error="insufficient_scope"`` when it is good but does not allow the request.
The problem document says no more than that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import flask_smorest
from flask import Flask, current_app, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import Forbidden, Unauthorized

{%- if cookiecutter.auth == "api_key" %}

from .db import db
from .keys import Principal, authenticate, cli
{%- else %}

from . import login_limits
from .db import db
from .tokens import Principal, authenticate
from .users import cli
{%- endif %}

REALM = "api"
# Longer than any credential this app issues: refused unread.
MAX_TOKEN_LENGTH = 2048
# A method that changes nothing needs only read access.
READ_METHODS = frozenset({"GET", "HEAD"})
F = TypeVar("F", bound=Callable[..., Any])
PRINCIPAL_KEY = "{{ cookiecutter.package_name }}.principal"


def init_app(app: Flask) -> None:
{%- if cookiecutter.auth == "api_key" %}
    # flask keys create|list|revoke
{%- else %}
    # flask users create|set-password|logout-all|list|disable|enable|delete
    login_limits.init_app(app)
{%- endif %}
    app.cli.add_command(cli)


class Unauthenticated(Unauthorized):
    description = "This request needs a credential: Authorization: Bearer <token>."

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [*super().get_headers(*args, **kwargs), _challenge()]


class InvalidToken(Unauthorized):
    description = "The credential is not valid."

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [*super().get_headers(*args, **kwargs), _challenge("invalid_token")]


class InsufficientScope(Forbidden):
    description = "The credential does not allow this request."

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [
            *super().get_headers(*args, **kwargs),
            _challenge("insufficient_scope"),
        ]


def _challenge(error: str | None = None) -> tuple[str, str]:
    value = f'Bearer realm="{REALM}"'
    if error:
        value += f', error="{error}"'
    return ("WWW-Authenticate", value)


def public(view: F) -> F:
    """Mark a view as open to anyone: no credential is asked for.

    Its operation gets ``security: []`` in the OpenAPI document.
    """
    marked = flask_smorest.Blueprint.doc(security=[])(view)
    marked.is_public = True
    return marked


def is_public(view: Callable[..., Any] | None) -> bool:
    return bool(getattr(view, "is_public", False))


def require_credential() -> None:
    """Refuse the request unless its view is public or its credential allows it."""
    view = current_app.view_functions.get(request.endpoint or "")
    # A preflight carries no credential (browsers never send one): it is
    # answered as it is; the real request that follows is checked.
    if request.method == "OPTIONS" or is_public(view):
        return
    principal = _identify()
    if principal is None:
        if bearer_token() is None:
            raise Unauthenticated()
        raise InvalidToken()
    if request.method not in READ_METHODS and not principal.can_write:
        raise InsufficientScope()


def bearer_token() -> str | None:
    """The token of ``Authorization: Bearer <token>``; ``""`` if malformed.

    ``None`` when the request carries no bearer credential at all (no header,
    or another scheme such as Basic).
    """
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    if not token or len(token) > MAX_TOKEN_LENGTH or any(c.isspace() for c in token):
        return ""
    return token


def _identify() -> Principal | None:
    """Who sent this request, checked once per request (kept in its environ)."""
    environ = request.environ
    if PRINCIPAL_KEY not in environ:
        token = bearer_token()
        environ[PRINCIPAL_KEY] = authenticate(token) if token else None
    principal: Principal | None = environ[PRINCIPAL_KEY]
    return principal


def current_principal() -> str | None:
    """A stable id of the request's valid credential (``key:3``, ``user:7``), or None.

    For code that counts requests per client: it may run before the
    credential is required, and never raises. While the database is down it
    answers None, unremembered: the request then gets its 503.
    """
    try:
        principal = _identify()
    except SQLAlchemyError:
        # The failed query may have left the transaction unusable: without
        # a rollback the request's next query would fail on that, not its cause.
        db.session.rollback()
        return None
    return principal.id if principal is not None else None
