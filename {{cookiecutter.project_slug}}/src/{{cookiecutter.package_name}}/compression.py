"""Flask-Compress: zstd, Brotli or gzip, whichever the client accepts (zstd first).

Flask-Compress leaves bodies under 500 bytes alone and compresses only 2xx
answers. It gives a compressed answer its own strong ETag (the body's, with
``:gzip``, ``:br`` or ``:zstd`` appended) and answers ``If-None-Match`` with it.
"""

from flask import Flask
from flask_compress import Compress

COMPRESSED_MIMETYPES = ["application/json", "application/problem+json"]


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_MIMETYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["zstd", "br", "gzip"])
    Compress(app)
