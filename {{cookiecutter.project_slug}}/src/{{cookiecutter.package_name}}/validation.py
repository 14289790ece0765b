"""Reading request bodies: each way a body can be wrong has its own status.

No or wrong Content-Type -> 415, malformed JSON -> 400, over
``MAX_CONTENT_LENGTH`` -> 413 (all raised by Flask while reading), valid JSON
of the wrong shape -> 422 with one entry per wrong field.
"""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import UnprocessableEntity

# SQLite stores signed 64-bit integers; anything larger cannot be kept.
MAX_INTEGER = 2**63 - 1


class InvalidFields(UnprocessableEntity):
    """Valid JSON whose fields are wrong; ``errors`` lists each field."""

    description = "The request body is valid JSON but some fields are wrong."

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__()
        self.errors = errors


def json_object() -> dict[str, Any]:
    """The request body as a JSON object, or the right HTTP error."""
    body = request.get_json()
    if not isinstance(body, dict):
        raise InvalidFields([{"field": "", "message": "must be a JSON object"}])
    return body


def check_fields(
    body: dict[str, Any],
    rules: dict[str, Any],
    required: frozenset[str],
) -> None:
    """Raise ``InvalidFields`` naming every missing, unknown or wrong field.

    ``rules`` maps a field name to a function that returns an error message
    for a bad value, or ``None`` for a good one.
    """
    errors = [
        {"field": name, "message": "is required"}
        for name in sorted(required - body.keys())
    ]
    for name, value in body.items():
        rule = rules.get(name)
        message = "is not a known field" if rule is None else rule(value)
        if message:
            errors.append({"field": name, "message": message})
    if errors:
        raise InvalidFields(errors)


def text(min_length: int, max_length: int):
    def rule(value: Any) -> str | None:
        if not isinstance(value, str):
            return "must be a string"
        if not min_length <= len(value.strip()) <= max_length:
            return f"must be {min_length} to {max_length} characters long"
        return None

    return rule


def integer(minimum: int, maximum: int = MAX_INTEGER):
    def rule(value: Any) -> str | None:
        # bool is an int in Python, and a float may be a huge integer that the
        # JSON parser could not keep exactly: both are refused.
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer"
        if not minimum <= value <= maximum:
            return f"must be between {minimum} and {maximum}"
        return None

    return rule
