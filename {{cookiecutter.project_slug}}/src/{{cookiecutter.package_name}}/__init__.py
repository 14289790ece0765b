"""The application factory: settings, then each part that plugs into the app."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import (
    api,
{%- if cookiecutter.cache_backend != "none" %}
    cache,
{%- endif %}
{%- if cookiecutter.use_compression %}
    compression,
{%- endif %}
{%- if cookiecutter.use_cors %}
    cors,
{%- endif %}
    db,
{%- if cookiecutter.ajax_demo %}
    demo,
{%- endif %}
    docs,
    errors,
    headers,
    logs,
    request_id,
    serialization,
    sessions,
    settings,
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings, then each part that plugs into it.

    ``config`` overrides the settings read from the environment; tests pass
    ``{"TESTING": True, "DATABASE": ...}`` here.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(settings.from_environment(os.environ))
    if config is not None:
        app.config.from_mapping(config)
    settings.check(app)
    logs.init_app(app)

    # First of the parts with request hooks: the id is chosen before anything
    # else runs and set on the answer after everything else, errors included.
    request_id.init_app(app)
    serialization.init_app(app)
    sessions.init_app(app)
    db.init_app(app)
    errors.init_app(app)
{%- if cookiecutter.cache_backend != "none" %}
    cache.init_app(app)
{%- endif %}
{%- if cookiecutter.use_cors %}
    # CORS before the parts below: its after_request runs after theirs, so
    # every answer (errors and 304s included) carries the headers a browser
    # needs to read it.
    cors.init_app(app)
{%- endif %}
{%- if cookiecutter.use_compression %}
    compression.init_app(app)
{%- endif %}
    # Registered after compression so that it runs before it: the ETag is a
    # hash of the uncompressed body, and Flask-Compress derives one per encoding.
    headers.init_app(app)

    api.init_app(app)
    docs.init_app(app)
{%- if cookiecutter.ajax_demo %}
    app.register_blueprint(demo.blueprint)
{%- endif %}
    return app
