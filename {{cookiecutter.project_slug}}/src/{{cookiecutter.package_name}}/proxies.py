"""The client's address and scheme behind reverse proxies (Werkzeug's ``ProxyFix``).

``TRUSTED_PROXIES`` is how many proxies stand in front of the app (a load
balancer, then perhaps a CDN). With ``0``, the default, ``X-Forwarded-For``
and ``X-Forwarded-Proto`` are ignored: the client is the peer of the socket,
and a client cannot pose as another by sending those headers. With ``n``, the
``n``-th address from the right of ``X-Forwarded-For`` is the client: each
trusted proxy appends the address it saw. Trust no more proxies than there
are, or a client picks its own address by prepending one.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops
        )
