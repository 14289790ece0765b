"""What the schema library leaves to us: reading the body, and JSON's integers.

The schemas in ``api/schemas.py`` check a request's fields (422 naming each
wrong one). Before they run, each other way a body can be wrong gets its own
status: no or wrong ``Content-Type`` -> 415, an empty or malformed body -> 400,
over ``MAX_CONTENT_LENGTH`` -> 413.
"""

from __future__ import annotations

import json
import re
from typing import Any

import flask_smorest
from flask import Request, current_app
from flask_smorest.utils import resolve_schema_instance
from marshmallow import Schema, fields
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest

# The database stores signed 64-bit integers; anything larger cannot be kept.
MAX_INTEGER = 2**63 - 1
# Beyond 2**53 a float no longer holds every integer: 2**53 + 1 arrives as 2**53.
_EXACT_FLOAT_LIMIT = 2**53
_DECIMAL = re.compile(r"-?[0-9]+")


class BodyParser(FlaskParser):
    """webargs' parser, reading JSON bodies as Flask does (through orjson).

    webargs would take a body that is not JSON for a missing one, so that a
    ``text/plain`` request got a 422 about missing fields instead of a 415.
    A 400 says what is wrong with the body (Flask's says only that the request
    was not understood), never repeating any of it.
    """

    def load_json(self, req: Request, schema: Schema) -> Any:
        if not req.is_json:
            # Flask's own 415, with its explanation.
            return req.get_json()
        body = req.get_data(cache=True)
        if not body.strip():
            raise BadRequest("The request body is empty: send a JSON document.")
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BadRequest(
                f"The request body is not UTF-8 (byte {error.start + 1} of "
                f"{len(body)}): send JSON as UTF-8."
            ) from None
        try:
            return req.get_json()
        except BadRequest:
            raise BadRequest(
                f"The request body is not valid JSON: {_where(body)}"
            ) from None


def _where(body: bytes) -> str:
    """What the JSON parser found wrong, and where: its message quotes no input."""
    try:
        current_app.json.loads(body)
    except ValueError as error:
        if isinstance(error, json.JSONDecodeError):
            return f"{error.msg} at line {error.lineno}, column {error.colno}."
    return "it cannot be parsed."


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose arguments are read by ``BodyParser``."""

    ARGUMENTS_PARSER = BodyParser()

    def arguments(self, schema: type[Schema] | Schema, **kwargs: Any) -> Any:
        # One schema instance per route: given a class, webargs would make a
        # new instance for every request it parses.
        return super().arguments(resolve_schema_instance(schema), **kwargs)


class Integer(fields.Integer):
    """JSON Schema's integer: ``3`` and ``3.0`` are one; ``"3"`` and ``3.5`` are not.

    A float is taken only while it holds its integer exactly, so a number too
    large for that is refused rather than stored rounded.
    """

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if isinstance(value, float):
            if not (value.is_integer() and abs(value) <= _EXACT_FLOAT_LIMIT):
                raise self.make_error("invalid", input=value)
        elif not isinstance(value, int):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class QueryInteger(fields.Integer):
    """An integer in a query string: ASCII digits only (``int()`` takes ``" 1_0"``)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if not (isinstance(value, str) and _DECIMAL.fullmatch(value)):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)
