"""JSON through orjson, with ``jsonify`` still the API.

Differences from Flask's default provider: keys keep their insertion order,
datetimes are ISO 8601 (a naive datetime is taken as UTC), ``Decimal`` becomes a
string, and integers beyond 64 bits raise ``TypeError``. When parsing, an
integer beyond 64 bits comes back as a float: validate numbers you store.
"""

from flask import Flask
from flask_orjson import OrjsonProvider


def init_app(app: Flask) -> None:
    app.json = OrjsonProvider(app)
