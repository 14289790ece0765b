from typing import Any

from flask import Response, jsonify, request

from ..validation import Blueprint
from .schemas import Echo

blp = Blueprint("echo", __name__, description="A JSON round trip.")


@blp.post("/echo")
@blp.arguments(Echo)
@blp.response(200, Echo)
def echo(_body: dict[str, Any]) -> Response:
    """Answer with the JSON object received."""
    # The schema has checked it is an object; answer it as parsed, keys in order.
    return jsonify(request.get_json())
