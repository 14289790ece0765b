"""Every answer carries an ``X-Request-ID``, and every log line of its request.

A client (or a proxy in front of the app) may send its own id to follow one
request across services; it is kept when it is a sane token: 1 to 128
characters of ``A-Z a-z 0-9 . _ -``. Anything else, CR/LF included, is
replaced by a fresh id and never echoed, so a header cannot inject another
header or forge a line in a log that prints it.
"""

from __future__ import annotations

import os
import string

from flask import Flask, Response, request

HEADER = "X-Request-ID"
_ENVIRON_KEY = "HTTP_X_REQUEST_ID"  # the WSGI name: cheaper than request.headers
# Where the chosen id is kept: the request's own environ, not ``g``, which
# several requests share when they run inside one app context (as in tests).
_CHOSEN_KEY = f"{__name__}.chosen"
MAX_LENGTH = 128
# A set, not a regular expression: checking a header costs well under 1 µs.
ALLOWED_CHARACTERS = frozenset(string.ascii_letters + string.digits + "._-")


def init_app(app: Flask) -> None:
    # Call it before any other part registers hooks: its after_request then
    # runs last, over errors and 304s alike. The id itself is chosen on first
    # use (a log line, or this header): no before_request hook is needed.
    app.after_request(_attach)


def current() -> str:
    """The id of the request being handled, chosen on first use."""
    environ = request.environ
    request_id = environ.get(_CHOSEN_KEY)
    if request_id is None:
        request_id = environ[_CHOSEN_KEY] = accepted(environ.get(_ENVIRON_KEY))
    return request_id


def accepted(sent: str | None) -> str:
    """The client's id when it is a sane token, else a fresh one."""
    if sent and len(sent) <= MAX_LENGTH and ALLOWED_CHARACTERS.issuperset(sent):
        return sent
    # 128 random bits as 32 hex digits, like uuid4().hex at half the cost.
    return os.urandom(16).hex()


def _attach(response: Response) -> Response:
    response.headers[HEADER] = current()
    return response
