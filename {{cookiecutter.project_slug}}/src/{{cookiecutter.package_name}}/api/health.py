from typing import Any

from ..validation import Blueprint
from .schemas import Health

blp = Blueprint("health", __name__, description="Probes for load balancers.")


@blp.get("/health")
@blp.response(200, Health)
def health() -> dict[str, Any]:
    """Liveness: the app answers. Touches nothing else."""
    return {"status": "ok"}
