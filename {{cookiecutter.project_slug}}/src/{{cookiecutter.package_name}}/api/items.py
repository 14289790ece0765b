"""An example resource kept in SQLite: list, create, read, update, delete.

Replace it with your own resources; keep the shape of the answers (201 with
``Location``, 204 with no body, 404 as a problem document, ``If-Match`` on
changes so that two clients cannot silently overwrite each other).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify, request, url_for
from werkzeug.exceptions import NotFound, PreconditionFailed
{% if cookiecutter.cache_backend != "none" %}
from ..cache import invalidate, remembered
{%- endif %}
from ..db import get_db
from ..headers import etag_for
from ..validation import MAX_INTEGER, Blueprint
from .schemas import Item, ItemCreate, ItemPage, ItemUpdate, PageQuery

blp = Blueprint("items", __name__, description="An example resource.")

# The upper bound keeps ids SQLite can store: a larger one is a 404, not a 500.
ITEM_PATH = f"/items/<int(max={MAX_INTEGER}):item_id>"
LOCATION = {"description": "The new item's URL.", "schema": {"type": "string"}}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": "The `ETag` you read: the change is made only if it is current.",
    "schema": {"type": "string"},
}


@blp.get("/items")
@blp.arguments(PageQuery, location="query", as_kwargs=True)
@blp.response(200, ItemPage)
def list_items(limit: int, offset: int) -> Response:
    """List items, oldest first, a page at a time."""
    # The page is kept as plain data and sent as it is; ItemPage describes it.
    return jsonify(fetch_page(limit, offset))


@blp.post("/items")
@blp.arguments(ItemCreate)
@blp.response(201, Item, headers={"Location": LOCATION})
def create_item(fields: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Create an item; `Location` is where to read it."""
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    db = get_db()
    with db:
        cursor = db.execute(
            "INSERT INTO items (name, quantity, created_at) VALUES (?, ?, ?)",
            (fields["name"], fields["quantity"], created_at),
        )
{%- if cookiecutter.cache_backend != "none" %}
    invalidate(fetch_page)
{%- endif %}
    item = fetch_item(cursor.lastrowid)
    return item, 201, {"Location": url_for(".get_item", item_id=item["id"])}


@blp.get(ITEM_PATH)
@blp.response(200, Item)
@blp.alt_response(404, response="NOT_FOUND")
def get_item(item_id: int) -> dict[str, Any]:
    """Read one item."""
    return fetch_item(item_id)


@blp.patch(ITEM_PATH)
@blp.arguments(ItemUpdate)
@blp.response(200, Item, headers={"ETag": "ETAG"})
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(412, response="PRECONDITION_FAILED")
@blp.doc(parameters=[IF_MATCH])
def update_item(changes: dict[str, Any], item_id: int) -> Response:
    """Change some fields of an item.

    Send the item's `ETag` in `If-Match`: if someone changed the item since
    you read it, the answer is 412 and nothing changes.
    """
    db = get_db()
    with db:
        # No other writer between the check and the change.
        db.execute("BEGIN IMMEDIATE")
        check_if_match(fetch_item(item_id))
        if changes:
            assignments = ", ".join(f"{column} = :{column}" for column in changes)
            db.execute(
                f"UPDATE items SET {assignments} WHERE id = :id",
                {**changes, "id": item_id},
            )
{%- if cookiecutter.cache_backend != "none" %}
    invalidate(fetch_page)
{%- endif %}
    response = jsonify(Item().dump(fetch_item(item_id)))
    response.set_etag(etag_for(response.get_data()))
    return response


@blp.delete(ITEM_PATH)
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(412, response="PRECONDITION_FAILED")
@blp.doc(parameters=[IF_MATCH])
def delete_item(item_id: int) -> Response:
    """Delete an item; with `If-Match`, only if it is unchanged."""
    db = get_db()
    with db:
        db.execute("BEGIN IMMEDIATE")
        check_if_match(fetch_item(item_id))
        db.execute("DELETE FROM items WHERE id = ?", (item_id,))
{%- if cookiecutter.cache_backend != "none" %}
    invalidate(fetch_page)
{%- endif %}
    response = Response(status=204)
    del response.headers["Content-Type"]  # there is no body to describe
    return response
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


def check_if_match(item: dict[str, Any]) -> None:
    """Refuse the change (412) when ``If-Match`` names another version of ``item``."""
    if_match = request.if_match
    if not if_match or if_match.star_tag:
        return
    current = etag_for(jsonify(Item().dump(item)).get_data())
    # An answer sent compressed carries its tag with the coding ("...:gzip").
    sent = {tag.partition(":")[0] for tag in if_match.as_set() if tag}
    if current not in sent:
        raise PreconditionFailed(
            "The item has changed since you read it: read it again, then retry."
        )
