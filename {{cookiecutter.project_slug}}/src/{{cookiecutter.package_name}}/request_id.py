"""Every answer carries an ``X-Request-ID``, and every log line of its request.

A client (or a proxy in front of the app) may send its own id to follow one
request across services; it is kept when it is a sane token: 1 to 128
characters of ``A-Z a-z 0-9 . _ -``. Anything else, CR/LF included, is
replaced by a fresh id and never echoed, so a header cannot inject another
header or forge a line in a log that prints it.
"""

from __future__ import annotations

import string
import uuid

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
MAX_LENGTH = 128
ALLOWED_CHARACTERS = frozenset(string.ascii_letters + string.digits + "._-")


def init_app(app: Flask) -> None:
    # The id is chosen on first use (a log line, or this header), so no
    # before_request hook is needed.
    app.after_request(_attach)


def current() -> str:
    """The id of the request being handled, chosen on first use."""
    if "request_id" not in g:
        g.request_id = accepted(request.headers.get(HEADER))
    return g.request_id


def accepted(sent: str | None) -> str:
    """The client's id when it is a sane token, else a fresh one."""
    if sent and len(sent) <= MAX_LENGTH and ALLOWED_CHARACTERS.issuperset(sent):
        return sent
    return uuid.uuid4().hex


def _attach(response: Response) -> Response:
    response.headers[HEADER] = current()
    return response
