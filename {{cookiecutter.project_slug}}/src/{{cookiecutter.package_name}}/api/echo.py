from flask import Response, jsonify

from ..validation import json_object
from . import v1


@v1.post("/echo")
def echo() -> Response:
    """Answer with the JSON object received: the article's AJAX example, done right."""
    return jsonify(json_object())
