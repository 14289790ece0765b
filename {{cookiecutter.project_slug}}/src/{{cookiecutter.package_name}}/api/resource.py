"""What every resource needs, written once, so that its views hold only its rules.

- ``ID``: the path converter of a row's id; an id too large to store is a 404.
- ``Blueprint``: flask-smorest's, with a 404 documented on each route whose
  path names a row, and ``If-Match`` in its own idiom: ``blp.check_etag(row,
  Schema)`` refuses a change with 412 when ``If-Match`` names another version
  than ``GET`` sends, and ``@blp.etag`` documents it and answers the new
  ``ETag``. flask-smorest's own ``etag`` is not used: it makes ``If-Match``
  required (428) and tags a second dump, not the body ``headers.py`` tags.
- ``get_or_404(Model, id)``: Flask-SQLAlchemy's, saying which row is missing.
- ``commit()``: a unique clash is a 409 naming the field; a row another
  request changed meanwhile is a 412 with ``If-Match``, else a 409.
- ``page()`` with ``PageQuery`` and ``page_of(Schema)``: a page of a query by
  ``limit`` and ``offset`` (this API's wire format: flask-smorest's
  ``@blp.paginate`` and Flask-SQLAlchemy's ``db.paginate`` count pages).
- ``Reference(Model)``: a field holding a stored row's id; an unknown one is a
  422 naming the field. ``invalid(field, message)``: any other rule's 422.
- ``LOCATION_HEADER``: the ``Location`` header a 201 documents.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, NoReturn, TypeVar, cast

import flask_smorest
from flask import Response, jsonify, request
from flask_smorest.utils import resolve_schema_instance
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, PreconditionFailed

from .. import validation
from ..db import db
from ..headers import etag_for
from ..validation import MAX_INTEGER, QueryInteger

Row = TypeVar("Row")
# flask-smorest's abort (it always raises) puts messages where webargs puts a
# schema's, for errors.py to name each field.
abort = cast(Callable[..., NoReturn], flask_smorest.abort)
ID = f"int(max={MAX_INTEGER})"
DEFAULT_LIMIT = 100
MAX_LIMIT = 2000
LOCATION_HEADER = {
    "description": "Where to read what was created.",
    "schema": {"type": "string"},
}
{%- if cookiecutter.database == "postgresql" %}
# The columns whose values are taken: "Key (name)=(...) already exists".
UNIQUE_CLASH = re.compile(r"Key \((?P<columns>[^)]*)\)=.* already exists")
{%- else %}
# The columns whose values are taken: "UNIQUE constraint failed: table.name".
UNIQUE_CLASH = re.compile(r"UNIQUE constraint failed: (?P<columns>.*)")
{%- endif %}
# The document's mark of an operation whose body names stored rows.
REFERS = "x-refers-to-stored-rows"
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": "The `ETag` you read: the change is made only if it is current.",
    "schema": {"type": "string"},
}


class Blueprint(validation.Blueprint):
    def arguments(self, schema: type[Schema] | Schema, **kwargs: Any) -> Any:
        register = super().arguments(schema, **kwargs)
        fields = resolve_schema_instance(schema).fields.values()
        if not any(isinstance(field, Reference) for field in fields):
            return register
        # Valid by the document, an id may name no row: schemathesis.toml
        # expects that 422 of the operations marked so.
        return lambda view: register(self.doc(**{REFERS: True})(view))

    def route(self, rule: str, **options: Any) -> Callable[..., Any]:
        register = super().route(rule, **options)
        if "<" not in rule:
            return register
        # The row the path names may not exist.
        not_found = self.alt_response(404, response="NOT_FOUND")
        return lambda view: register(not_found(view))

    def etag(self, view: Callable[..., Any]) -> Callable[..., Any]:
        """On a change: ``If-Match`` documented, the new ``ETag`` answered.

        Above ``@blp.response``: the answer's body is tagged as ``GET`` tags it.
        """

        @functools.wraps(view)
        def tagged(*args: Any, **kwargs: Any) -> Response:
            response = view(*args, **kwargs)
            if response.status_code == HTTPStatus.OK:
                response.set_etag(etag_for(response.get_data()))
            return response

        for status in (HTTPStatus.CONFLICT, HTTPStatus.PRECONDITION_FAILED):
            tagged = self.alt_response(status, response=status.name)(tagged)
        return self.doc(parameters=[IF_MATCH])(tagged)

    def check_etag(self, etag_data: Any, etag_schema: Any = None) -> None:
        """412 when ``If-Match`` is sent and names another version of the row."""
        if_match = request.if_match
        if not if_match or if_match.star_tag:
            return
        data = resolve_schema_instance(etag_schema).dump(etag_data)
        current = etag_for(jsonify(data).get_data())
{%- if cookiecutter.use_compression %}
        # An answer sent compressed carries its tag with the coding ("...:gzip").
        sent = {tag.partition(":")[0] for tag in if_match.as_set() if tag}
        if current not in sent:
{%- else %}
        if not if_match.contains(current):
{%- endif %}
            raise PreconditionFailed(
                "It has changed since you read it: read it again, then retry."
            )


def get_or_404(model: type[Row], id: int) -> Row:
    """The stored row of ``model`` with this id, or a 404 saying there is none."""
    name = model.__name__.lower()
    return db.get_or_404(model, id, description=f"There is no {name} {id}.")


def commit() -> None:
    """Commit the request's changes, or refuse them with 409 or 412."""
    try:
        db.session.commit()
    except StaleDataError:
        # The version column matched nothing: another request changed the row.
        db.session.rollback()
        error = PreconditionFailed if request.if_match else Conflict
        raise error("It changed meanwhile: read it again, then retry.") from None
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict(_clash(error)) from None


def _clash(error: IntegrityError) -> str:
    found = UNIQUE_CLASH.search(str(error.orig))
    if found is None:
        return "It conflicts with stored data: read it again, then retry."
    columns = [name.rpartition(".")[2] for name in found["columns"].split(", ")]
    return f"Another row has this {', '.join(columns)}."


def invalid(field: str, message: str) -> NoReturn:
    """Refuse the request with 422, naming the body's field a rule refused."""
    abort(422, messages={"json": {field: [message]}})


class PageQuery(Schema):
    limit = QueryInteger(
        load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT)
    )
    offset = QueryInteger(
        load_default=0, validate=validate.Range(min=0, max=MAX_INTEGER)
    )


def page_of(schema: type[Schema]) -> type[Schema]:
    """The schema of a page of ``schema``'s rows, named ``<schema>Page``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(schema), required=True),
            "limit": fields.Integer(required=True),
            "offset": fields.Integer(required=True),
            "total": fields.Integer(
                required=True, metadata={"description": "All rows of the query."}
            ),
        },
        name=f"{schema.__name__}Page",
    )


def page(query: Select[Any], limit: int, offset: int) -> dict[str, Any]:
    """``limit`` rows of ``query`` from ``offset``, and how many it has in all."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return {
        "items": db.session.scalars(query.limit(limit).offset(offset)).all(),
        "limit": limit,
        "offset": offset,
        "total": db.session.scalar(counted),
    }


class Reference(validation.Integer):
    """The id of a stored row of ``model``; an unknown id is a 422 naming the field."""

    def __init__(self, model: type, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model = model

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        number = super()._deserialize(value, attr, data, **kwargs)
        if not 0 <= number <= MAX_INTEGER or db.session.get(self.model, number) is None:
            name = self.model.__name__.lower()
            raise ValidationError(f"There is no {name} {number}.")
        return number
