"""Version 1 of the API, mounted at ``/api/v1``, and its OpenAPI document.

Each resource is a blueprint of its own (a tag in the document). A breaking
change gets a new version beside this one (``/api/v2``), so existing clients
keep working while they migrate.
"""

from flask import Flask

{% if cookiecutter.auth != "none" -%}
from ..auth import require_credential
{% endif -%}
from ..openapi import Api
{%- if cookiecutter.auth == "jwt" %}
from . import auth, echo, health, items
{%- else %}
from . import echo, health, items
{%- endif %}

PREFIX = "/api/v1"
{%- if cookiecutter.auth == "jwt" %}
RESOURCES = (health.blp, auth.blp, echo.blp, items.blp)
{%- else %}
RESOURCES = (health.blp, echo.blp, items.blp)
{%- endif %}
{%- if cookiecutter.auth != "none" %}

# Deny by default: every route of every resource needs a credential unless its
# view is marked @public (see auth.py). Once, at import: blueprints are shared
# by every app built in the process.
for _blueprint in RESOURCES:
    _blueprint.before_request(require_credential)
{%- endif %}


def init_app(app: Flask) -> None:
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    api = Api(app)
    for blueprint in RESOURCES:
        api.register_blueprint(blueprint, url_prefix=PREFIX)
