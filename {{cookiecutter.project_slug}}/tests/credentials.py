"""The suite's own credentials, stored in each test database as it is made.

Every test app's ``test_client()`` sends a credential that may do anything
(see ``AuthenticatedClient``), so tests of other concerns need not think about
authentication; ``tests/test_auth.py`` uses clients without one.
"""

from __future__ import annotations

{% if cookiecutter.auth == "jwt" -%}
from datetime import UTC, datetime, timedelta
{% endif -%}
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
{%- if cookiecutter.auth == "jwt" %}
from sqlalchemy.exc import SQLAlchemyError
{%- endif %}

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.db import db
{%- if cookiecutter.auth == "api_key" %}
from {{ cookiecutter.package_name }}.keys import READ, READ_WRITE, hash_key
from {{ cookiecutter.package_name }}.models import ApiKey

# Fixed test keys, the shape `flask keys create` makes (token_urlsafe(32)).
READ_WRITE_KEY = "rw-test-key-0123456789abcdefghijklmnopqrstuv"
READ_KEY = "ro-test-key-0123456789abcdefghijklmnopqrstuv"
REVOKED_KEY = "rv-test-key-0123456789abcdefghijklmnopqrstuv"
{%- else %}
from {{ cookiecutter.package_name }}.models import User
from {{ cookiecutter.package_name }}.tokens import ACCESS, _encode, issue
from {{ cookiecutter.package_name }}.users import create_user

USERNAME = "tester"
PASSWORD = "correct horse battery staple"
{%- endif %}


def install(database_url: str) -> None:
    """Store the suite's credentials in a migrated database."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
{%- if cookiecutter.auth == "api_key" %}
        for name, scope, key in [
            ("tests", READ_WRITE, READ_WRITE_KEY),
            ("tests-read", READ, READ_KEY),
            ("tests-revoked", READ_WRITE, REVOKED_KEY),
        ]:
            db.session.add(ApiKey(name=name, scope=scope, key_hash=hash_key(key)))
        db.session.commit()
        revoked = db.session.query(ApiKey).filter_by(name="tests-revoked").one()
        revoked.revoked_at = revoked.created_at
        db.session.commit()
{%- else %}
        create_user(USERNAME, PASSWORD)
{%- endif %}
        db.engine.dispose()


def token(app: Flask) -> str:
    """A credential that may do anything in ``app``'s test database."""
{%- if cookiecutter.auth == "api_key" %}
    return READ_WRITE_KEY
{%- else %}
    return tokens_for(app)["access_token"]


def tokens_for(app: Flask, user_id: int = 1) -> dict[str, Any]:
    """A fresh access and refresh token for a user (the suite's own: id 1)."""
    with app.app_context():
        # A user who does not exist gets tokens too: tests of refusals use them.
        stand_in = User(id=user_id, session_epoch=0)
        try:
            return issue(db.session.get(User, user_id) or stand_in)
        except SQLAlchemyError:
            # A database not migrated yet (test_health.py): a well-signed
            # access token, so that requests reach the database's answer.
            db.session.rollback()
            now = datetime.now(UTC)
            later = now + timedelta(minutes=5)
            return {"access_token": _encode(stand_in, ACCESS, "t" * 32, now, later)}
{%- endif %}


def headers(app: Flask) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(app)}"}


class AuthenticatedClient(FlaskClient):
    """Flask's test client, sending the suite's credential unless told otherwise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token(self.application)}"
