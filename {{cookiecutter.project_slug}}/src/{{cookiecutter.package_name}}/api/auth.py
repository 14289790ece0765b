"""Logging in, refreshing and logging out: tokens for users (see ``tokens.py``).

These routes are public: each checks the credential it is sent in its body (a
password, or a refresh token) itself. Each login attempt spends a guess of its
address and of its username (``login_limits.py``) before the password is
checked. No answer of these routes is stored by any cache (RFC 6749, 5.1).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, request
from marshmallow import Schema, fields, validate

from .. import tokens, users
from ..auth import InvalidToken, Unauthenticated, public
from ..login_limits import spend_guess
from ..validation import Blueprint

blp = Blueprint("auth", __name__, description="Tokens for users.")

REFUSED = "The username or password is not valid."
log = logging.getLogger(__name__)


@blp.after_request
def never_stored(response: Response) -> Response:
    """Answers here carry tokens: no cache, shared or private, may keep one."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


class Login(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 100))
    password = fields.String(
        required=True,
        validate=validate.Length(1, users.MAX_PASSWORD_LENGTH),
        metadata={"format": "password"},
    )


class RefreshToken(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(1, 2048))


class Tokens(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(
        required=True, metadata={"description": "Seconds the access token lasts."}
    )


@blp.post("/auth/token")
@public
@blp.arguments(Login)
@blp.response(200, Tokens)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def log_in(credentials: dict[str, Any]) -> dict[str, Any]:
    """Trade a username and password for an access token and a refresh token."""
    username = credentials["username"]
    spend_guess(username)
    user = users.check_password(username, credentials["password"])
    if user is None:
        log.warning(
            "auth: login failed principal=username:%r address=%s",
            username,
            request.remote_addr,
        )
        raise Unauthenticated(REFUSED)
    return tokens.issue(user)


@blp.post("/auth/refresh")
@public
@blp.arguments(RefreshToken)
@blp.response(200, Tokens)
@blp.alt_response(401, response="UNAUTHORIZED")
def refresh(body: dict[str, Any]) -> dict[str, Any]:
    """Trade a refresh token for a new pair; the one sent stops working."""
    pair = tokens.exchange(body["refresh_token"])
    if pair is None:
        raise InvalidToken()
    return pair


@blp.post("/auth/logout")
@public
@blp.arguments(RefreshToken)
@blp.response(204)
@blp.alt_response(401, response="UNAUTHORIZED")
def log_out(body: dict[str, Any]) -> Response:
    """Revoke a refresh token. The access token lasts until it expires."""
    if not tokens.log_out(body["refresh_token"]):
        raise InvalidToken()
    return Response(status=204)
