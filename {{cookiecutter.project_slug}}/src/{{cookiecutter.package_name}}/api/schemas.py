"""Request and response schemas of ``/api/v1``.

Each schema both validates (a 422 names every wrong field) and describes its
data in the OpenAPI document, so what the API does and what the document says
come from one place. Unknown fields are refused (marshmallow's default).
"""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, fields, post_load, validate

from ..validation import MAX_INTEGER, Integer
from .resource import page_of

NAME_LENGTH = validate.Length(min=1, max=200)
# At least one character that is not a space (the name is stored trimmed), and
# no NUL, which some databases cannot store in text. Spaces spelled out, not \s:
# Python's \s and the document's (ECMAScript's) differ (U+0085, U+001C-U+001F,
# U+FEFF), so a client reading the pattern would send names the API refuses.
# This set is both.
SPACES = (
    r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a"
    r"\u2028\u2029\u202f\u205f\u3000\ufeff"
)
NOT_BLANK = validate.Regexp(
    rf"^[{SPACES}]*[^{SPACES}\x00][^\x00]*$",
    error="Must contain a character other than a space, and no NUL character.",
)
QUANTITY_RANGE = validate.Range(min=0, max=MAX_INTEGER)


class Body(Schema):
    """A request body: a JSON object."""

    # As marshmallow declares it; each schema merges it into a dict of its own.
    error_messages: dict[str, str] = {"type": "Must be a JSON object."}  # noqa: RUF012


class Health(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


class Readiness(Health):
    checks = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"example": {"database": "ok"}},
    )


class Echo(Body):
    """Any JSON object, answered as received."""

    class Meta:
        unknown = INCLUDE


class ItemCreate(Body):
    name = fields.String(
        required=True,
        validate=[NAME_LENGTH, NOT_BLANK],
        metadata={"description": "Stored without leading and trailing spaces."},
    )
    quantity = Integer(load_default=0, validate=QUANTITY_RANGE)

    @post_load
    def trim_name(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        if "name" in data:
            data["name"] = data["name"].strip()
        return data


class ItemUpdate(ItemCreate):
    """The fields to change; those left out keep their value."""

    name = fields.String(
        validate=[NAME_LENGTH, NOT_BLANK],
        metadata={"description": "Stored without leading and trailing spaces."},
    )
    quantity = Integer(validate=QUANTITY_RANGE)


class Item(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    quantity = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


ItemPage = page_of(Item)
