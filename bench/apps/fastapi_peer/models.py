"""The item table and the schemas the API reads and answers with."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

MAX_INTEGER = 2**63 - 1  # the largest integer SQLite stores


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# Shared properties
class ItemBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(default=0, ge=0, le=MAX_INTEGER)


# Properties to receive on item creation
class ItemCreate(ItemBase):
    pass


# Database model: the baked app's table, column for column
class Item(ItemBase, table=True):
    __tablename__ = "items"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=Text)
    quantity: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: str = Field(default_factory=now_text, sa_type=Text)


# Properties to return via API, id is always required
class ItemPublic(ItemBase):
    id: int
    created_at: str


class ItemsPublic(SQLModel):
    items: list[ItemPublic]
    limit: int
    offset: int
    total: int


class Health(SQLModel):
    status: str
