"""The tables, as SQLAlchemy 2 models with typed columns.

A change here needs a migration: ``flask --app {{ cookiecutter.package_name }}
db migrate -m "what changed"``, then read and commit the file it writes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, String, TypeDecorator
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
