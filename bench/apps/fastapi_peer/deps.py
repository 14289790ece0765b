"""The engine and the ``Session`` dependency every database route takes."""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session, SQLModel, create_engine

from . import models  # noqa: F401 (registers the table before create_all)

DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///fastapi-peer.sqlite3")
BUSY_TIMEOUT_SECONDS = 5.0

# Sync routes run in a thread pool: a connection may be used by another thread
# than the one that opened it (SQLModel's documentation sets the same).
engine = create_engine(
    DATABASE_URL,
    connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS},
)


def init_db() -> None:
    """Create the table if it is missing, in WAL mode like the baked app's."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")
    SQLModel.metadata.create_all(engine)


def get_db() -> Generator[Session, None, None]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]
