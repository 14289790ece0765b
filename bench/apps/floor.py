"""The floor: the items API in plain Flask + Flask-SQLAlchemy, nothing else.

What any Flask app doing the baked API's work costs at least: the same table
(the baked ``items``, column for column), a session per request
(Flask-SQLAlchemy's), ``jsonify`` of dicts with Flask's own JSON provider, no
other extension: no validation library, no CORS, compression, cache, rate
limit, ETag, security headers, request id or problem documents. gunicorn
serves it from the baked ``gunicorn.conf.py`` like every Flask app of the
bench (``floor:app``, ``DATABASE_URL=sqlite:///path``); it makes its table.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, abort, jsonify, request, url_for
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BigInteger, DateTime, Integer, String, func, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DEFAULT_LIMIT, MAX_LIMIT = 100, 2000


class Model(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Model)


class Item(Model):
    __tablename__ = "items"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )
    version: Mapped[int] = mapped_column(Integer, default=1)


# What copy_items copies into this app's table (bench.py).
COLUMNS = "id, name, quantity, created_at, version"


def as_dict(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "quantity": item.quantity,
        "created_at": item.created_at.isoformat(),
    }


app = Flask(__name__)
app.config["SECRET_KEY"] = "benchmark-only-secret"
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
db.init_app(app)


@app.get("/api/v1/health")
def health():
    return jsonify(status="ok")


@app.get("/api/v1/items")
def list_items():
    limit = request.args.get("limit", DEFAULT_LIMIT, type=int)
    offset = request.args.get("offset", 0, type=int)
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        abort(400)
    page = select(Item).order_by(Item.id).limit(limit).offset(offset)
    items = db.session.scalars(page)
    total = db.session.scalar(select(func.count()).select_from(Item))
    return jsonify(
        items=[as_dict(item) for item in items], limit=limit, offset=offset, total=total
    )


@app.get("/api/v1/items/<int:item_id>")
def get_item(item_id: int):
    return jsonify(as_dict(db.get_or_404(Item, item_id)))


@app.post("/api/v1/items")
def create_item():
    fields = request.get_json()
    name, quantity = fields.get("name"), fields.get("quantity", 0)
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        abort(400)
    if not isinstance(quantity, int) or quantity < 0:
        abort(400)
    item = Item(name=name, quantity=quantity)
    db.session.add(item)
    db.session.commit()
    location = url_for("get_item", item_id=item.id)
    return jsonify(as_dict(item)), 201, {"Location": location}


with app.app_context():
    # As the baked app's database: readers go on while a worker writes.
    with db.engine.connect() as connection:
        connection.execute(text("PRAGMA journal_mode=WAL"))
    db.create_all()
    # Made before gunicorn forks its worker (the app is preloaded): the
    # worker opens connections of its own.
    db.engine.dispose()
