"""Version 1 of the API, mounted at ``/api/v1``, and its OpenAPI document.

Each resource is a blueprint of its own (a tag in the document). A breaking
change gets a new version beside this one (``/api/v2``), so existing clients
keep working while they migrate.
"""

from flask import Flask

from ..openapi import Api
from . import echo, health, items

PREFIX = "/api/v1"
RESOURCES = (health.blp, echo.blp, items.blp)


def init_app(app: Flask) -> None:
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    api = Api(app)
    for blueprint in RESOURCES:
        api.register_blueprint(blueprint, url_prefix=PREFIX)
