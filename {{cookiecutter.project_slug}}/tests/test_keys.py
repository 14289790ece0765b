"""API keys: scopes, revocation, and the ``flask keys`` commands."""

from __future__ import annotations

from sqlalchemy import select

import credentials
from {{ cookiecutter.package_name }}.db import db
from {{ cookiecutter.package_name }}.keys import hash_key
from {{ cookiecutter.package_name }}.models import ApiKey
from test_auth import INSUFFICIENT, INVALID, assert_refused, attack


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_revoked_key_is_invalid(app, anonymous_client):
    attack(anonymous_client, app, 401, INVALID, headers=bearer(credentials.REVOKED_KEY))


def test_a_read_key_reads(anonymous_client):
    headers = bearer(credentials.READ_KEY)

    assert anonymous_client.get("/api/v1/items", headers=headers).status_code == 200
    assert anonymous_client.head("/api/v1/items", headers=headers).status_code == 200


def test_a_read_key_cannot_write(anonymous_client, client):
    item = client.post("/api/v1/items", json={"name": "kept"}).headers["Location"]
    headers = bearer(credentials.READ_KEY)

    for response in [
        anonymous_client.post("/api/v1/items", json={"name": "x"}, headers=headers),
        anonymous_client.post("/api/v1/echo", json={"a": 1}, headers=headers),
        anonymous_client.patch(item, json={"name": "changed"}, headers=headers),
        anonymous_client.delete(item, headers=headers),
    ]:
        assert_refused(response, 403, INSUFFICIENT)
    assert client.get(item).get_json()["name"] == "kept"


def test_a_key_one_character_off_is_invalid(app, anonymous_client):
    key = credentials.READ_WRITE_KEY
    for near in [key[:-1], key + "A", key[:-1] + chr(ord(key[-1]) + 1), key.upper()]:
        response = anonymous_client.get("/api/v1/items", headers=bearer(near))
        assert_refused(response, 401, INVALID)


def test_only_the_hash_is_stored(app):
    with app.app_context():
        stored = db.session.scalars(select(ApiKey)).all()

    assert {key.key_hash for key in stored} >= {hash_key(credentials.READ_WRITE_KEY)}
    for key in stored:
        assert credentials.READ_WRITE_KEY not in (key.key_hash, key.name)


def test_create_shows_the_key_once_and_it_works(app, anonymous_client):
    runner = app.test_cli_runner()

    created = runner.invoke(args=["keys", "create", "service", "--scope", "read"])

    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert len(key) >= 43
    assert anonymous_client.get("/api/v1/items", headers=bearer(key)).status_code == 200
    listed = runner.invoke(args=["keys", "list"])
    assert "service\tread" in listed.output
    assert key not in listed.output
    assert hash_key(key) not in listed.output


def test_a_second_key_with_the_same_name_is_refused(app):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["keys", "create", "tests"])

    assert result.exit_code == 1
    assert "exists already" in result.output


def test_an_unknown_scope_is_refused(app):
    result = app.test_cli_runner().invoke(
        args=["keys", "create", "svc", "--scope", "admin"]
    )

    assert result.exit_code == 2


def test_revoke_by_name_or_id_stops_the_key_at_once(app, anonymous_client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["keys", "create", "first"]).stdout.strip()
    second = runner.invoke(args=["keys", "create", "second"]).stdout.strip()
    with app.app_context():
        second_id = db.session.scalar(select(ApiKey.id).where(ApiKey.name == "second"))

    assert runner.invoke(args=["keys", "revoke", "first"]).exit_code == 0
    assert runner.invoke(args=["keys", "revoke", str(second_id)]).exit_code == 0

    for key in (first, second):
        response = anonymous_client.get("/api/v1/items", headers=bearer(key))
        assert_refused(response, 401, INVALID)
    assert "revoked" in runner.invoke(args=["keys", "list"]).output


def test_revoking_an_unknown_key_fails(app):
    result = app.test_cli_runner().invoke(args=["keys", "revoke", "nobody"])

    assert result.exit_code == 1
    assert "no key" in result.output
