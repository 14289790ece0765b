"""Flask-Compress: zstd, Brotli or gzip, whichever the client accepts (zstd first).

Flask-Compress leaves bodies under 500 bytes alone (compressing them costs
more time than it saves) and compresses only 2xx answers.
"""

from flask import Flask
from flask_compress import Compress

COMPRESSED_MIMETYPES = ["application/json", "application/problem+json"]


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_MIMETYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["zstd", "br", "gzip"])
    Compress(app)
