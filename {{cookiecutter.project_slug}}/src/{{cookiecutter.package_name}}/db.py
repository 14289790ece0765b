"""SQLite storage: one connection per request, closed when the request ends.

The file lives in the instance folder unless ``DATABASE_URL`` says otherwise.
WAL mode and a busy timeout let several gunicorn workers share it: readers
never block the writer, and a writer waits for another instead of failing.
"""

from __future__ import annotations

import os
import sqlite3
from importlib import resources

from flask import Flask, current_app, g

BUSY_TIMEOUT_SECONDS = 5.0


def init_app(app: Flask) -> None:
    if not app.config.get("DATABASE"):
        app.config["DATABASE"] = os.path.join(app.instance_path, "app.sqlite3")
    create_schema(app.config["DATABASE"])
    app.teardown_appcontext(close_db)


def get_db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_error: BaseException | None = None) -> None:
    connection = g.pop("db", None)
    if connection is not None:
        connection.close()


def connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)
    connection.row_factory = sqlite3.Row
    return connection


def create_schema(path: str) -> None:
    """Create the tables if they are missing; safe to run from every worker."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    schema = resources.files(__package__).joinpath("schema.sql").read_text()
    connection = connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(schema)
    finally:
        connection.close()
