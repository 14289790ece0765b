"""``/health`` and the items resource: list, create, read, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from sqlmodel import func, select

from .deps import SessionDep
from .models import MAX_INTEGER, Health, Item, ItemCreate, ItemPublic, ItemsPublic

DEFAULT_LIMIT = 100
MAX_LIMIT = 2000
# Ids SQLite can store: a larger one is a 422, never a 500.
ItemId = Annotated[int, Path(ge=1, le=MAX_INTEGER)]

utils_router = APIRouter(tags=["utils"])
router = APIRouter(prefix="/items", tags=["items"])


@utils_router.get("/health")
async def health_check() -> Health:
    return Health(status="ok")


@router.get("", response_model=ItemsPublic)
def read_items(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_INTEGER)] = 0,
) -> ItemsPublic:
    """Retrieve items."""
    count_statement = select(func.count()).select_from(Item)
    total = session.exec(count_statement).one()
    statement = select(Item).order_by(Item.id).offset(offset).limit(limit)
    items = session.exec(statement).all()
    return ItemsPublic.model_validate(
        {"items": items, "limit": limit, "offset": offset, "total": total},
        from_attributes=True,
    )


@router.get("/{id}", response_model=ItemPublic)
def read_item(session: SessionDep, id: ItemId) -> Item:
    """Get item by ID."""
    item = session.get(Item, id)
    if not item:
        raise HTTPException(status_code=404, detail="Item not found")
    return item


@router.post("", response_model=ItemPublic, status_code=201)
def create_item(
    *, session: SessionDep, item_in: ItemCreate, request: Request, response: Response
) -> Item:
    """Create new item."""
    item = Item.model_validate(item_in)
    session.add(item)
    session.commit()
    session.refresh(item)
    response.headers["Location"] = request.app.url_path_for("read_item", id=item.id)
    return item


@router.delete("/{id}", status_code=204)
def delete_item(session: SessionDep, id: ItemId) -> None:
    """Delete an item."""
    item = session.get(Item, id)
    if not item:
        raise HTTPException(status_code=404, detail="Item not found")
    session.delete(item)
    session.commit()
