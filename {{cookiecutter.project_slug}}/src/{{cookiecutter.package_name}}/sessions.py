"""Flask's signed-cookie session, unsealed only when a request carries its cookie.

With ``SECRET_KEY`` set, Flask builds a signing serializer on every request to
open the session, though a JSON API client seldom sends a session cookie: that
costs about a sixth of a small answer. Here a request without the cookie gets a
fresh empty session at once; one with the cookie is opened exactly as Flask
does, so ``flask.session`` keeps working for any view that wants it.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import (
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionMixin,
)


class SessionOnDemand(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not self._sends_cookie(app, request):
            return self.session_class()
        return super().open_session(app, request)

    def _sends_cookie(self, app: Flask, request: Request) -> bool:
        # No Cookie header at all is the common case: skip parsing one.
        return "HTTP_COOKIE" in request.environ and (
            self.get_cookie_name(app) in request.cookies
        )

    def save_session(
        self, app: Flask, session: SessionMixin, response: Response
    ) -> None:
        # Flask reads seven cookie settings before it finds there is nothing
        # to save: skip that for a session no view has touched.
        if session or session.accessed or session.modified:
            super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = SessionOnDemand()
