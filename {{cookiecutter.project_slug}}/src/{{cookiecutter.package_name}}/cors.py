"""Flask-CORS for the API routes, with the allowed origins from ``CORS_ORIGINS``.

Credentials (cookies, HTTP authentication) are not allowed cross-origin: this
API keeps no session. Flask-CORS answers preflights and adds its headers to
error answers too, so a browser's error callback can read the problem document.
"""

from flask import Flask, Response, request
from flask_cors import CORS

from .request_id import HEADER as REQUEST_ID_HEADER

API_RESOURCES = r"/api/*"


def init_app(app: Flask) -> None:
    # Registered before CORS(app) so that it runs after Flask-CORS has decided.
    app.after_request(vary_on_origin)
    CORS(
        app,
        resources={API_RESOURCES: {"origins": app.config["CORS_ORIGINS"]}},
        # Browser code may read only the response headers it is told it may.
        expose_headers=[REQUEST_ID_HEADER],
        # A request without Origin is not a CORS request: Flask-CORS would
        # otherwise list every allowed origin in it, one header each.
        always_send=False,
        # vary_on_origin says it, for every API answer and in one header.
        vary_header=False,
    )


def vary_on_origin(response: Response) -> Response:
    """Tell shared caches that API answers depend on ``Origin``.

    Flask-CORS says so only when several origins are allowed, yet even with one
    an allowed origin gets ``Access-Control-Allow-Origin`` and another does not.
    Like Flask-Compress, it adds to the one ``Vary`` header already there.
    """
    if request.path.startswith("/api/"):
        vary = response.headers.get("Vary")
        if not vary:
            response.headers["Vary"] = "Origin"
        elif "origin" not in (name.strip() for name in vary.lower().split(",")):
            response.headers["Vary"] = f"{vary}, Origin"
    return response
