"""The tables, as SQLAlchemy 2 models with typed columns.

A change here needs a migration: ``flask --app {{ cookiecutter.package_name }}
db migrate -m "what changed"``, then read and commit the file it writes.
"""

from __future__ import annotations
{% if cookiecutter.auth == "jwt" %}
import secrets
{%- endif %}
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
{%- if cookiecutter.auth == "jwt" %}
    Boolean,
{%- endif %}
    DateTime,
    Integer,
    String,
    TypeDecorator,
)
from sqlalchemy.orm import Mapped, mapped_column

from .db import Model

# 64-bit ids everywhere; SQLite's own 64-bit rowid is spelled INTEGER.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time, always read back in UTC (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc_now() -> datetime:
    # Whole seconds: the answers stay short, and clients rarely need more.
    return datetime.now(UTC).replace(microsecond=0)


class Item(Model):
    __tablename__ = "items"
    # Ids are never reused, even after the newest item is deleted.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Bumped by every UPDATE, which also checks it: a change made by another
    # request since this one read the row fails instead of being overwritten.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's API)
{%- if cookiecutter.auth == "jwt" %}


def new_session_epoch() -> int:
    """A fresh random epoch: never the old one plus one, so no token issued
    under an earlier epoch (or to an earlier holder of the id) can match."""
    return secrets.randbits(62)


class User(Model):
    """Someone who logs in with a password: see ``users.py``."""

    __tablename__ = "users"
    # An id is never given to a second user: a deleted user's tokens name
    # their id, and must not act as whoever is created next.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Every token carries the epoch it was issued under and is refused once
    # it changes: a new epoch ends all the user's sessions at once.
    session_epoch: Mapped[int] = mapped_column(BigInteger, default=new_session_epoch)


class RefreshFamily(Model):
    """One login's chain of refresh tokens; only its newest token is good.

    A token of the family that is not the newest has been used already: it
    is a replay, and the whole family ends (see ``tokens.py``).
    """

    __tablename__ = "refresh_families"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(Id, index=True)
    current_jti: Mapped[str] = mapped_column(String(32))
    # When the newest token expires: the row is purged after that.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
{%- elif cookiecutter.auth == "api_key" %}


class ApiKey(Model):
    """A service's key: see ``keys.py``."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    scope: Mapped[str] = mapped_column(String(20))
    # Hex SHA-256 of the key; the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
{%- endif %}
