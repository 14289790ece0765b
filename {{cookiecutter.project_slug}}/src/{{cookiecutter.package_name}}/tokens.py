"""Bearer tokens for users: JSON Web Tokens signed with HS256 (PyJWT).

A login gives two tokens. The access token is short-lived
(``JWT_ACCESS_TOKEN_EXPIRES``) and goes in ``Authorization: Bearer`` on each
request; the refresh token lives longer (``JWT_REFRESH_TOKEN_EXPIRES``) and is
only ever sent to ``/auth/refresh`` and ``/auth/logout``. Refreshing exchanges
it for a new pair (the old one is revoked: a stolen refresh token works once
at most); logging out revokes it. Revoked refresh tokens are kept in the
database until they would have expired.

Decoding accepts HS256 only (never ``none``, never another algorithm named by
the token itself) and requires every claim it reads. Each request looks its
user up, so a disabled or deleted user's tokens stop working at once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import jwt
from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from .db import db
from .models import RevokedToken, User, utc_now

ALGORITHM = "HS256"
ACCESS = "access"
REFRESH = "refresh"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "type"]


class Principal(NamedTuple):
    """Who a request comes from, as the rest of the app sees it."""

    id: str
    can_write: bool


def issue(user: User) -> dict[str, Any]:
    """A new access token and refresh token for ``user``, as the API answers them."""
    access_seconds = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {
        "access_token": _encode(user, ACCESS, access_seconds),
        "refresh_token": _encode(
            user, REFRESH, current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
        ),
        "token_type": "Bearer",
        "expires_in": access_seconds,
    }


def _encode(user: User, kind: str, seconds: int) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "type": kind,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + timedelta(seconds=seconds),
    }
    return jwt.encode(claims, current_app.config["JWT_SECRET_KEY"], ALGORITHM)


def decode(token: str, kind: str) -> dict[str, Any] | None:
    """The claims of a valid, unexpired token of this kind, or None."""
    try:
        claims = jwt.decode(
            token,
            current_app.config["JWT_SECRET_KEY"],
            algorithms=[ALGORITHM],
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError:
        return None
    if claims.get("type") != kind or not str(claims.get("sub", "")).isdigit():
        return None
    return claims


def active_user(claims: dict[str, Any]) -> User | None:
    user = db.session.get(User, int(claims["sub"]))
    return user if user is not None and user.active else None


def authenticate(token: str) -> Principal | None:
    """The user of a valid access token, or None."""
    claims = decode(token, ACCESS)
    user = active_user(claims) if claims else None
    if user is None:
        return None
    return Principal(id=f"user:{user.id}", can_write=True)


def exchange(refresh_token: str) -> dict[str, Any] | None:
    """A new pair for a valid refresh token, which is revoked; or None."""
    claims = decode(refresh_token, REFRESH)
    user = active_user(claims) if claims else None
    if claims is None or user is None or not revoke(claims):
        return None
    return issue(user)


def log_out(refresh_token: str) -> bool:
    """Revoke a refresh token; False when it is not a valid one."""
    claims = decode(refresh_token, REFRESH)
    if claims is None:
        return False
    revoke(claims)
    return True


def revoke(claims: dict[str, Any]) -> bool:
    """Record the token as revoked; False if it already was."""
    expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < utc_now()))
    db.session.add(RevokedToken(jti=str(claims["jti"])[:64], expires_at=expires_at))
    try:
        db.session.commit()
    except IntegrityError:  # revoked before, maybe by a concurrent request
        db.session.rollback()
        return False
    return True
