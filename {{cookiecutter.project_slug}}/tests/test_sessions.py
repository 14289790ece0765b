"""The API keeps no session: Flask's cookie session stays unused and unforgeable."""

from flask import session


def test_an_answer_sets_no_cookie(make_app):
    client = make_app(SECRET_KEY="test-secret").test_client()

    response = client.get("/api/v1/health")

    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_a_forged_session_cookie_is_ignored(make_app):
    app = make_app(SECRET_KEY="test-secret")

    @app.get("/whoami")
    def whoami():
        return {"user": session.get("user")}

    client = app.test_client()
    client.set_cookie("session", "eyJ1c2VyIjoiYWRtaW4ifQ.forged.signature")

    assert client.get("/whoami").get_json() == {"user": None}
