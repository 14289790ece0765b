"""The application factory: settings, then each part that plugs into the app."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import (
    api,
{%- if cookiecutter.auth != "none" %}
    auth,
{%- endif %}
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
{%- if cookiecutter.use_metrics %}
    metrics,
{%- endif %}
    proxies,
{%- if cookiecutter.use_rate_limit %}
    ratelimit,
{%- endif %}
    request_id,
    serialization,
    settings,
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings, then each part that plugs into it.

    ``config`` overrides the settings read from the environment; tests pass
    ``{"TESTING": True, "SQLALCHEMY_DATABASE_URI": ...}`` here.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(settings.from_environment(os.environ))
    if config is not None:
        app.config.from_mapping(config)
    settings.check(app)
    logs.init_app(app)
    proxies.init_app(app)

    # Flask runs after_request hooks in the reverse order of registration, so
    # each part below sees an answer after the parts registered below it:
    # - request_id: every answer carries the id, errors included;
    # - errors: a 412 set by a later part becomes a problem document;
{%- if cookiecutter.use_cors %}
    # - cors: errors and 304s carry CORS headers too;
{%- endif %}
{%- if cookiecutter.use_compression %}
    # - compression: it gives the ETag set by headers one variant per coding;
{%- endif %}
    # - headers: the ETag is the hash of the body the view made.
    request_id.init_app(app)
    serialization.init_app(app)
    db.init_app(app)
    errors.init_app(app)
{%- if cookiecutter.cache_backend != "none" %}
    cache.init_app(app)
{%- endif %}
{%- if cookiecutter.use_cors %}
    cors.init_app(app)
{%- endif %}
{%- if cookiecutter.use_compression %}
    compression.init_app(app)
{%- endif %}
    headers.init_app(app)

    api.init_app(app)
    docs.init_app(app)
{%- if cookiecutter.auth != "none" %}
    auth.init_app(app)
{%- endif %}
{%- if cookiecutter.ajax_demo %}
    app.register_blueprint(demo.blueprint)
{%- endif %}
{%- if cookiecutter.use_metrics %}
    metrics.init_app(app)
{%- endif %}
{%- if cookiecutter.use_rate_limit %}
    # Last: it limits the routes registered above. Its check runs before any
    # view's, and its headers are set before the other parts see the answer.
    ratelimit.init_app(app)
{%- endif %}
    return app
