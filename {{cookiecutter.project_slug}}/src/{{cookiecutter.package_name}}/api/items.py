"""An example resource: list, create, read, update, delete.

Replace it with your own resources; keep the shape of the answers (201 with
``Location``, 204 with no body, 404 as a problem document, ``If-Match`` on
changes so that two clients cannot silently overwrite each other).
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, NotFound, PreconditionFailed
{% if cookiecutter.cache_backend != "none" %}
from ..cache import invalidate, remembered
{%- endif %}
from ..db import db
from ..headers import etag_for
from ..models import Item
from ..validation import MAX_INTEGER, Blueprint
from . import schemas

blp = Blueprint("items", __name__, description="An example resource.")

# The upper bound keeps ids the database can store: a larger one is a 404.
ITEM_PATH = f"/items/<int(max={MAX_INTEGER}):item_id>"
LOCATION = {"description": "The new item's URL.", "schema": {"type": "string"}}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": "The `ETag` you read: the change is made only if it is current.",
    "schema": {"type": "string"},
}
ITEM = schemas.Item()
ITEMS = schemas.Item(many=True)


@blp.get("/items")
@blp.arguments(schemas.PageQuery, location="query", as_kwargs=True)
@blp.response(200, schemas.ItemPage)
def list_items(limit: int, offset: int) -> Response:
    """List items, oldest first, a page at a time."""
    # The page's JSON body (ItemPage describes it) and its ETag are made
    # together, once per page.
    etag, body = fetch_page(limit, offset)
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(etag)
    return response


@blp.post("/items")
@blp.arguments(schemas.ItemCreate)
@blp.response(201, schemas.Item, headers={"Location": LOCATION})
def create_item(fields: dict[str, Any]) -> tuple[Item, int, dict[str, str]]:
    """Create an item; `Location` is where to read it."""
    item = Item(**fields)
    db.session.add(item)
    db.session.commit()
{%- if cookiecutter.cache_backend != "none" %}
    invalidate(fetch_page)
{%- endif %}
    return item, 201, {"Location": url_for(".get_item", item_id=item.id)}


@blp.get(ITEM_PATH)
@blp.response(200, schemas.Item)
@blp.alt_response(404, response="NOT_FOUND")
def get_item(item_id: int) -> Item:
    """Read one item."""
    return find_item(item_id)


@blp.patch(ITEM_PATH)
@blp.arguments(schemas.ItemUpdate)
@blp.response(200, schemas.Item, headers={"ETag": "ETAG"})
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(412, response="PRECONDITION_FAILED")
@blp.doc(parameters=[IF_MATCH])
def update_item(changes: dict[str, Any], item_id: int) -> Response:
    """Change some fields of an item.

    Send the item's `ETag` in `If-Match`: if someone changed the item since
    you read it, the answer is 412 and nothing changes.
    """
    item = find_item(item_id)
    check_if_match(item)
    for name, value in changes.items():
        setattr(item, name, value)
    commit_unless_changed_meanwhile()
{%- if cookiecutter.cache_backend != "none" %}
    invalidate(fetch_page)
{%- endif %}
    response = jsonify(ITEM.dump(item))
    response.set_etag(etag_for(response.get_data()))
    return response


@blp.delete(ITEM_PATH)
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(412, response="PRECONDITION_FAILED")
@blp.doc(parameters=[IF_MATCH])
def delete_item(item_id: int) -> Response:
    """Delete an item; with `If-Match`, only if it is unchanged."""
    item = find_item(item_id)
    check_if_match(item)
    db.session.delete(item)
    commit_unless_changed_meanwhile()
{%- if cookiecutter.cache_backend != "none" %}
    invalidate(fetch_page)
{%- endif %}
    return Response(status=204)
{%- if cookiecutter.cache_backend != "none" %}


# The page is cached as its JSON body and ETag, not as a response: headers
# and 304s are made for each request, and errors are never cached. A hit is
# sent as it was stored, never decoded and encoded or hashed again.
@remembered
{%- else %}

{% endif %}
def fetch_page(limit: int, offset: int) -> tuple[str, bytes]:
    """A page of items as the JSON body of ``GET /items``, with its ETag."""
    page = select(Item).order_by(Item.id).limit(limit).offset(offset)
    items = db.session.scalars(page)
    body = current_app.json.dumps(
        {
            "items": ITEMS.dump(items),
            "limit": limit,
            "offset": offset,
            "total": db.session.scalar(select(func.count()).select_from(Item)),
        }
    )
    encoded = body.encode()
    return etag_for(encoded), encoded


def find_item(item_id: int) -> Item:
    """The item, or a 404."""
    item = db.session.get(Item, item_id)
    if item is None:
        raise NotFound(f"There is no item {item_id}.")
    return item


def commit_unless_changed_meanwhile() -> None:
    """Commit, unless another request changed the item since this one read it.

    The model's version column makes the UPDATE or DELETE match nothing then:
    the client gets 412 if it sent ``If-Match`` (its version is stale), else 409.
    """
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        error = PreconditionFailed if request.if_match else Conflict
        raise error("The item changed meanwhile: read it again, then retry.") from None


def check_if_match(item: Item) -> None:
    """Refuse the change (412) when ``If-Match`` names another version of ``item``."""
    if_match = request.if_match
    if not if_match or if_match.star_tag:
        return
    current = etag_for(jsonify(ITEM.dump(item)).get_data())
{%- if cookiecutter.use_compression %}
    # An answer sent compressed carries its tag with the coding ("...:gzip").
    sent = {tag.partition(":")[0] for tag in if_match.as_set() if tag}
    if current not in sent:
{%- else %}
    if not if_match.contains(current):
{%- endif %}
        raise PreconditionFailed(
            "The item has changed since you read it: read it again, then retry."
        )
