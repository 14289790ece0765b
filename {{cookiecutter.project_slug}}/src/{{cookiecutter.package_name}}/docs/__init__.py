"""The interactive API docs at ``/api/v1/docs``: Swagger UI, served by the app itself.

Swagger UI's files come from the flask-swagger-ui package, so the page makes
no request to another host (no CDN, no validator service). ``API_DOCS=false``
leaves the page out; the OpenAPI document stays at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Flask, Response, send_from_directory

SWAGGER_UI_FILES = Path(flask_swagger_ui.__file__).parent / "dist"

blueprint = Blueprint(
    "docs", __name__, url_prefix="/api/v1/docs", static_folder="static"
)


def init_app(app: Flask) -> None:
    if app.config["API_DOCS"]:
        app.register_blueprint(blueprint)


@blueprint.get("")
def page() -> Response:
    return blueprint.send_static_file("index.html")


@blueprint.get("/swagger-ui/<path:filename>")
def swagger_ui(filename: str) -> Response:
    return send_from_directory(SWAGGER_UI_FILES, filename)
