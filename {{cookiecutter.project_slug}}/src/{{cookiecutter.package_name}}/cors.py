"""Flask-CORS for the API routes, with the allowed origins from ``CORS_ORIGINS``.

Credentials (cookies, HTTP authentication) are not allowed cross-origin: this
API keeps no session. Flask-CORS answers preflights and adds its headers to
error answers too, so a browser's error callback can read the problem document.
"""

from flask import Flask, Response, request
from flask_cors import CORS

{% if cookiecutter.use_rate_limit -%}
from .ratelimit import HEADERS as RATE_LIMIT_HEADERS
{% endif -%}
from .request_id import HEADER as REQUEST_ID_HEADER

API_RESOURCES = r"/api/*"
ALLOW_METHODS = "Access-Control-Allow-Methods"
# How long a browser may reuse a preflight's answer: the methods a route allows
# change only with a deploy, and 7200 s is the most Chromium keeps one anyway.
PREFLIGHT_MAX_AGE = 7200


def init_app(app: Flask) -> None:
    # Registered before CORS(app): it sees the preflight answer Flask-CORS made.
    app.after_request(finish_api_answer)
    CORS(
        app,
        resources={API_RESOURCES: {"origins": app.config["CORS_ORIGINS"]}},
        # Browser code may read only the response headers it is told it may.
{%- if cookiecutter.use_rate_limit %}
        expose_headers=[REQUEST_ID_HEADER, *RATE_LIMIT_HEADERS],
{%- else %}
        expose_headers=[REQUEST_ID_HEADER],
{%- endif %}
        max_age=PREFLIGHT_MAX_AGE,
        # A request without Origin is not a CORS request: Flask-CORS would
        # otherwise list every allowed origin in it, one header each.
        always_send=False,
        # finish_api_answer says it, for every API answer.
        vary_header=False,
    )


def finish_api_answer(response: Response) -> Response:
    """Vary on ``Origin``; a preflight lists the methods its route allows.

    Flask-CORS varies only when several origins are allowed, yet even with one
    an allowed origin gets ``Access-Control-Allow-Origin`` and another does not.
    """
    if request.path.startswith("/api/"):
        response.vary.add("Origin")
        if ALLOW_METHODS in response.headers:
            # Flask-CORS lists one set for every route; Flask's automatic
            # OPTIONS answer has this route's own in Allow, from the URL map.
            if response.allow:
                response.headers[ALLOW_METHODS] = ", ".join(sorted(response.allow))
            else:
                del response.headers[ALLOW_METHODS]
    return response
