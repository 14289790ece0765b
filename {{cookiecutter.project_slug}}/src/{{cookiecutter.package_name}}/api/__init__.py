"""Version 1 of the API, mounted at ``/api/v1``.

A breaking change gets a new blueprint (``/api/v2``) beside this one, so
existing clients keep working while they migrate.
"""

from flask import Blueprint

v1 = Blueprint("api_v1", __name__, url_prefix="/api/v1")

# The views register themselves on ``v1`` when imported.
from . import echo, health, items  # noqa: E402, F401
