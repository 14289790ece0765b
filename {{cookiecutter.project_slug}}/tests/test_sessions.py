"""Flask's cookie session still works, though it is opened only when sent."""

from flask import session


def test_a_session_set_by_a_view_comes_back_with_its_cookie(make_app):
    app = make_app(SECRET_KEY="test-secret")

    @app.get("/visits")
    def visits():
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    client = app.test_client()
    assert client.get("/visits").get_json() == {"visits": 1}
    assert client.get("/visits").get_json() == {"visits": 2}


def test_an_answer_that_never_touches_the_session_sets_no_cookie(make_app):
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
