"""Bearer tokens for users: JSON Web Tokens signed with HS256 (PyJWT).

A login gives two tokens. The access token is short-lived
(``JWT_ACCESS_TOKEN_EXPIRES``) and goes in ``Authorization: Bearer`` on each
request; the refresh token lives longer (``JWT_REFRESH_TOKEN_EXPIRES``) and is
only ever sent to ``/auth/refresh`` and ``/auth/logout``.

One rule ends sessions: every token carries its user's ``session_epoch``, and
the user, loaded for each request anyway, must still have it. A new epoch
(``users.end_sessions``) refuses every token issued before it.

A login starts a refresh family: refreshing exchanges the family's newest
token for a new pair, and a token of the family sent a second time (a thief's
or the user's copy, whichever comes second) ends the family and is logged. A
family never outlives ``SESSION_LIFETIME`` from its login (``auth_time``):
refreshing does not extend it. Logging out ends the family.

Decoding accepts HS256 only (never ``none``, never another algorithm named by
the token itself), requires every claim it reads, this deployment's ``iss``
and ``aud``, and allows ``JWT_LEEWAY`` seconds of clock skew between hosts.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import jwt
from flask import current_app
from sqlalchemy import delete, update

from .db import db
from .models import RefreshFamily, User, new_session_epoch

ALGORITHM = "HS256"
ACCESS = "access"
REFRESH = "refresh"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "type", "iss", "aud", "epoch"]
log = logging.getLogger(__name__)


class Principal(NamedTuple):
    """Who a request comes from, as the rest of the app sees it."""

    id: str
    can_write: bool


def issue(user: User) -> dict[str, Any]:
    """A new session for ``user``: its first access and refresh tokens."""
    family = RefreshFamily(id=uuid.uuid4().hex, user_id=user.id)
    db.session.add(family)
    return _pair(user, family, auth_time=datetime.now(UTC))


def _pair(user: User, family: RefreshFamily, auth_time: datetime) -> dict[str, Any]:
    """Tokens for ``user``; the refresh token becomes the family's newest."""
    config = current_app.config
    now = datetime.now(UTC)
    session_ends = auth_time + timedelta(seconds=config["SESSION_LIFETIME"])
    refresh_expires = min(
        now + timedelta(seconds=config["JWT_REFRESH_TOKEN_EXPIRES"]), session_ends
    )
    family.current_jti = uuid.uuid4().hex
    family.expires_at = refresh_expires
    db.session.execute(delete(RefreshFamily).where(RefreshFamily.expires_at < now))
    db.session.commit()
    access_seconds = config["JWT_ACCESS_TOKEN_EXPIRES"]
    access_expires = min(now + timedelta(seconds=access_seconds), session_ends)
    return {
        "access_token": _encode(user, ACCESS, uuid.uuid4().hex, now, access_expires),
        "refresh_token": _encode(
            user,
            REFRESH,
            family.current_jti,
            now,
            refresh_expires,
            fam=family.id,
            auth_time=int(auth_time.timestamp()),
        ),
        "token_type": "Bearer",
        "expires_in": access_seconds,
    }


def _encode(
    user: User, kind: str, jti: str, now: datetime, expires: datetime, **extra: Any
) -> str:
    config = current_app.config
    claims = {
        "iss": config["JWT_ISSUER"],
        "aud": config["JWT_AUDIENCE"],
        "sub": str(user.id),
        "epoch": user.session_epoch,
        "type": kind,
        "jti": jti,
        "iat": now,
        "exp": expires,
        **extra,
    }
    return jwt.encode(claims, config["JWT_SECRET_KEY"], ALGORITHM)


def decode(token: str, kind: str) -> dict[str, Any] | None:
    """The claims of a valid, unexpired token of this kind, or None."""
    config = current_app.config
    required = [*REQUIRED_CLAIMS, *(("fam", "auth_time") if kind == REFRESH else ())]
    try:
        claims = jwt.decode(
            token,
            config["JWT_SECRET_KEY"],
            algorithms=[ALGORITHM],
            issuer=config["JWT_ISSUER"],
            audience=config["JWT_AUDIENCE"],
            leeway=config["JWT_LEEWAY"],
            options={"require": required},
        )
    except jwt.PyJWTError:
        return None
    if (
        claims.get("type") != kind
        or not str(claims.get("sub", "")).isdigit()
        or not isinstance(claims.get("epoch"), int)
    ):
        return None
    return claims


def active_user(claims: dict[str, Any]) -> User | None:
    """The token's user, if they are active and the token's epoch is theirs."""
    user = db.session.get(User, int(claims["sub"]))
    if user is None or not user.active or user.session_epoch != claims["epoch"]:
        return None
    return user


def authenticate(token: str) -> Principal | None:
    """The user of a valid access token, or None."""
    claims = decode(token, ACCESS)
    user = active_user(claims) if claims else None
    if user is None:
        return None
    return Principal(id=f"user:{user.id}", can_write=True)


def exchange(refresh_token: str) -> dict[str, Any] | None:
    """A new pair for the newest token of a live family; or None.

    A token that was the newest once but is no more was used already: its
    family ends, so whoever holds the newest token (maybe a thief) is out too.
    """
    claims = decode(refresh_token, REFRESH)
    user = active_user(claims) if claims else None
    if claims is None or user is None:
        return None
    auth_time = datetime.fromtimestamp(claims["auth_time"], UTC)
    lifetime = timedelta(seconds=current_app.config["SESSION_LIFETIME"])
    if auth_time + lifetime <= datetime.now(UTC):
        return None  # the session is over, however recently it was refreshed
    family = db.session.get(RefreshFamily, str(claims["fam"]))
    if family is None or family.user_id != user.id:
        return None
    # Compare and set in one statement: of two requests with the same token,
    # one moves the family on and the other finds it moved.
    moved = db.session.execute(
        update(RefreshFamily)
        .where(
            RefreshFamily.id == family.id,
            RefreshFamily.current_jti == str(claims["jti"]),
        )
        .values(current_jti=uuid.uuid4().hex)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        db.session.execute(delete(RefreshFamily).where(RefreshFamily.id == family.id))
        db.session.commit()
        log.warning(
            "auth: refresh token reused, session ended principal=user:%s family=%s",
            user.id,
            family.id,
        )
        return None
    return _pair(user, family, auth_time)


def log_out(refresh_token: str) -> bool:
    """End the refresh token's session; False when it is not a valid token."""
    claims = decode(refresh_token, REFRESH)
    if claims is None:
        return False
    db.session.execute(
        delete(RefreshFamily).where(RefreshFamily.id == str(claims["fam"]))
    )
    db.session.commit()
    return True


def end_sessions(user: User) -> None:
    """End every session of ``user``: a new epoch, and no refresh family left."""
    user.session_epoch = new_session_epoch()
    db.session.execute(delete(RefreshFamily).where(RefreshFamily.user_id == user.id))
