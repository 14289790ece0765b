"""Headers every answer carries, and strong ETags with ``304 Not Modified``.

One ``after_request`` keeps them uniform across views and errors alike,
instead of each view remembering them.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.http import generate_etag

UNIFORM_HEADERS = {
    # Browsers must not guess a type: JSON stays JSON, never HTML.
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# HTML pages load scripts, styles, images and data from this origin only.
# Swagger UI draws its icons as data: images; nothing runs inline.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Any other answer is data, never a page: nothing may load or run in it.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
# With HTTPS=true: browsers use only HTTPS for this host for two years.
STRICT_TRANSPORT_SECURITY = "max-age=63072000"


def init_app(app: Flask) -> None:
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    for name, value in UNIFORM_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault(
        "Content-Security-Policy",
        PAGE_POLICY if response.mimetype == "text/html" else DATA_POLICY,
    )
    if current_app.config["HTTPS"]:
        response.headers.setdefault(
            "Strict-Transport-Security", STRICT_TRANSPORT_SECURITY
        )
    # No body, no type to declare: 204s and Flask's automatic OPTIONS answer
    # (a streamed body is never read here).
    if response.is_sequence and not any(response.response):
        response.headers.pop("Content-Type", None)
    if response.is_json:
        # Clients may keep JSON answers but must revalidate them (ETag).
        response.headers.setdefault("Cache-Control", "no-cache")
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not response.is_streamed
        ):
            # The body's hash, unless the view set the tag it already knew.
            response.add_etag()
            # Only a revalidation can get a 304; make_conditional also adds a
            # Date header, which the server sends anyway.
            if request.if_none_match:
                response.make_conditional(request)
    return response


def etag_for(body: bytes) -> str:
    """The strong ETag a GET answer with this body carries, unquoted."""
    return generate_etag(body)
