"""An example resource: list, create, read, update, delete.

Replace it with your own resources; keep the shape of the answers (201 with
``Location``, 204 with no body, 404 as a problem document, ``If-Match`` on
changes so that two clients cannot silently overwrite each other).
"""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from sqlalchemy import select

{% if cookiecutter.cache_backend != "none" -%}
from ..cache import cached
{% endif -%}
from ..db import db
from ..models import Item
from . import schemas
from .resource import (
    ID,
    LOCATION_HEADER,
    Blueprint,
    PageQuery,
    commit,
    get_or_404,
    page,
)

blp = Blueprint("items", __name__, description="An example resource.")
ITEM = f"/items/<{ID}:item_id>"


@blp.get("/items")
@blp.arguments(PageQuery, location="query", as_kwargs=True)
{%- if cookiecutter.cache_backend != "none" %}
@cached(Item)
{%- endif %}
@blp.response(200, schemas.ItemPage)
def list_items(limit: int, offset: int) -> dict[str, Any]:
    """List items, oldest first, a page at a time."""
    return page(select(Item).order_by(Item.id), limit, offset)


@blp.post("/items")
@blp.arguments(schemas.ItemCreate)
@blp.response(201, schemas.Item, headers={"Location": LOCATION_HEADER})
def create_item(fields: dict[str, Any]) -> tuple[Item, dict[str, str]]:
    """Create an item; `Location` is where to read it."""
    item = Item(**fields)
    db.session.add(item)
    commit()
    return item, {"Location": url_for(".get_item", item_id=item.id)}


@blp.get(ITEM)
@blp.response(200, schemas.Item)
def get_item(item_id: int) -> Item:
    """Read one item."""
    return get_or_404(Item, item_id)


@blp.patch(ITEM)
@blp.etag
@blp.arguments(schemas.ItemUpdate)
@blp.response(200, schemas.Item)
def update_item(changes: dict[str, Any], item_id: int) -> Item:
    """Change some fields of an item.

    Send the item's `ETag` in `If-Match`: if someone changed the item since
    you read it, the answer is 412 and nothing changes.
    """
    item = get_or_404(Item, item_id)
    blp.check_etag(item, schemas.Item)
    for name, value in changes.items():
        setattr(item, name, value)
    commit()
    return item


@blp.delete(ITEM)
@blp.etag
@blp.response(204)
def delete_item(item_id: int) -> Response:
    """Delete an item; with `If-Match`, only if it is unchanged."""
    item = get_or_404(Item, item_id)
    blp.check_etag(item, schemas.Item)
    db.session.delete(item)
    commit()
    return Response(status=204)
