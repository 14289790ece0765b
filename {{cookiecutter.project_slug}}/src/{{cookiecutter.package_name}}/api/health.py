from flask import Response, jsonify

from . import v1


@v1.get("/health")
def health() -> Response:
    """Liveness probe for load balancers and container platforms."""
    return jsonify(status="ok")
