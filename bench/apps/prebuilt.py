"""Flask sending a 2,000-item answer built before the load: serving it costs no work.

No app answers the same 190 KB faster, so ``prebuilt / standard json`` is the
most any JSON serializer could gain end-to-end on this machine: the ceiling of
the ``orjson / standard`` goal. The body is the baked app's own answer, read
from ``PREBUILT_BODY`` (a file the bench writes once the items exist).
"""

import os
from functools import cache

from flask import Flask, Response

app = Flask(__name__)
app.config["SECRET_KEY"] = "benchmark-only-secret"


@cache
def body() -> bytes:
    with open(os.environ["PREBUILT_BODY"], "rb") as file:
        return file.read()


@app.get("/api/v1/items")
def items():
    return Response(body(), mimetype="application/json")


@app.get("/api/v1/health")
def health():
    """How the bench sees that a server is up, the same for every app."""
    return {"status": "ok"}
