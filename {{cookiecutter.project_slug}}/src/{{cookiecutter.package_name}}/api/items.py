"""An example resource kept in SQLite: list, create, read, delete.

Replace it with your own resources; keep the shape of the answers (201 with
``Location``, 204 with no body, 404 as a problem document).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify, request, url_for
from werkzeug.exceptions import BadRequest, NotFound
{% if cookiecutter.cache_backend != "none" %}
from ..cache import invalidate, remembered
{%- endif %}
from ..db import get_db
from ..validation import MAX_INTEGER, check_fields, integer, json_object, text
from . import v1

DEFAULT_LIMIT = 100
MAX_LIMIT = 2000

ITEM_RULES = {"name": text(1, 200), "quantity": integer(0)}
REQUIRED_FIELDS = frozenset({"name"})


@v1.get("/items")
def list_items() -> Response:
    limit = _query_int("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _query_int("offset", 0, 0, MAX_INTEGER)
    return jsonify(fetch_page(limit, offset))


@v1.post("/items")
def create_item() -> tuple[Response, int, dict[str, str]]:
    body = json_object()
    check_fields(body, ITEM_RULES, REQUIRED_FIELDS)
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    db = get_db()
    with db:
        cursor = db.execute(
            "INSERT INTO items (name, quantity, created_at) VALUES (?, ?, ?)",
            (body["name"].strip(), body.get("quantity", 0), created_at),
        )
{%- if cookiecutter.cache_backend != "none" %}
    invalidate(fetch_page)
{%- endif %}
    item = fetch_item(cursor.lastrowid)
    location = url_for(".get_item", item_id=item["id"])
    return jsonify(item), 201, {"Location": location}


# The upper bound keeps ids SQLite can store: a larger one is a 404, not a 500.
@v1.get(f"/items/<int(max={MAX_INTEGER}):item_id>")
def get_item(item_id: int) -> Response:
    return jsonify(fetch_item(item_id))


@v1.delete(f"/items/<int(max={MAX_INTEGER}):item_id>")
def delete_item(item_id: int) -> tuple[str, int]:
    db = get_db()
    with db:
        deleted = db.execute("DELETE FROM items WHERE id = ?", (item_id,)).rowcount
    if not deleted:
        raise NotFound(f"There is no item {item_id}.")
{%- if cookiecutter.cache_backend != "none" %}
    invalidate(fetch_page)
{%- endif %}
    return "", 204
{%- if cookiecutter.cache_backend != "none" %}


# The page is cached as data, not as a response: ETags and 304s are computed
# for each request, and errors are never cached.
@remembered
{%- else %}

{% endif %}
def fetch_page(limit: int, offset: int) -> dict[str, Any]:
    db = get_db()
    rows = db.execute(
        "SELECT * FROM items ORDER BY id LIMIT ? OFFSET ?", (limit, offset)
    ).fetchall()
    total = db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    return {
        "items": [dict(row) for row in rows],
        "limit": limit,
        "offset": offset,
        "total": total,
    }


def fetch_item(item_id: int) -> dict[str, Any]:
    row = get_db().execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise NotFound(f"There is no item {item_id}.")
    return dict(row)


def _query_int(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not minimum <= int(raw) <= maximum:
        raise BadRequest(
            f"Query parameter {name!r} must be an integer from {minimum} to {maximum}."
        )
    return int(raw)
