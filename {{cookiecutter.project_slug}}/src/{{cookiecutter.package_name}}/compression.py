"""Flask-Compress: zstd, Brotli or gzip, whichever the client accepts (zstd first).

Flask-Compress leaves bodies under 500 bytes alone (compressing them costs
more time than it saves) and compresses only 2xx answers.

Compressing a large body costs more than building it (about 1 ms for gzip of
190 KB), so each worker keeps the compressed bodies it sent last, keyed by the
encoding and the body's strong ETag: a body read again unchanged is compressed
once. A changed body has a new ETag, so a stale entry is never sent.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Flask, Request
from flask_compress import Compress

from .headers import body_etag

COMPRESSED_MIMETYPES = ["application/json", "application/problem+json"]
# Per worker; the least recently sent bodies go first.
COMPRESSED_CACHE_BYTES = 8 * 1024 * 1024


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_MIMETYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["zstd", "br", "gzip"])
    app.config.setdefault("COMPRESS_CACHE_BACKEND", RecentBodies)
    app.config.setdefault("COMPRESS_CACHE_KEY", _etag_key)
    # Flask-Compress does not register itself; tests look at its cache here.
    app.extensions["compress"] = Compress(app)


def _etag_key(_request: Request) -> str:
    # headers.py runs before Flask-Compress (see create_app) and has set it.
    return body_etag()


class RecentBodies:
    """Compressed bodies by ``"<encoding>;<etag>"``, within a byte budget.

    Flask-Compress asks with a key ending in ``;`` for a body without a strong
    ETag (a 201, an error): such a body may never repeat and is not kept.
    """

    def __init__(self, max_bytes: int = COMPRESSED_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def set(self, key: str, body: bytes) -> None:
        if key.endswith(";") or len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._bodies.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._bodies[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, dropped = self._bodies.popitem(last=False)
                self._size -= len(dropped)
