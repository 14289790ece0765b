"""The AJAX demo page at ``/``: the article's client side, done right."""

from flask import Blueprint, Response, current_app

blueprint = Blueprint("demo", __name__)


@blueprint.get("/")
def index() -> Response:
    return current_app.send_static_file("index.html")
