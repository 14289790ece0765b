from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import ServiceUnavailable

{% if cookiecutter.cache_backend != "none" -%}
from .. import cache, revisions
{% else -%}
from .. import revisions
{% endif -%}
{% if cookiecutter.auth != "none" -%}
from ..auth import public
{% endif -%}
from ..db import db
from ..validation import Blueprint
from .schemas import Health, Readiness

blp = Blueprint("health", __name__, description="Probes for load balancers.")


@blp.get("/health")
{%- if cookiecutter.auth != "none" %}
@public
{%- endif %}
@blp.response(200, Health)
def get_health() -> dict[str, Any]:
    """Liveness: the app answers. Touches nothing else."""
    return {"status": "ok"}


@blp.get("/health/ready")
{%- if cookiecutter.auth != "none" %}
@public
{%- endif %}
@blp.response(200, Readiness)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def get_readiness() -> dict[str, Any]:
    """Readiness: what the app needs answers; a 503 names what does not."""
    checks = {
        "database": database_is_reachable(),
{%- if cookiecutter.cache_backend != "none" %}
        "cache": cache.is_reachable(),
{%- endif %}
    }
    down = sorted(name for name, up in checks.items() if not up)
    if down:
        raise ServiceUnavailable(f"Unavailable: {', '.join(down)}.")
    # Reachable, yet no request touching what is missing can succeed.
    if behind := revisions.behind(db.session.connection()):
        raise ServiceUnavailable(f"Unavailable: database {behind}.")
    return {"status": "ok", "checks": {name: "ok" for name in checks}}


def database_is_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True
