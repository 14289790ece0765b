"""Sessions end under gunicorn: a jwt bake, three workers, sqlite and postgresql.

Every attack of issue 23 against a served app, its counts in a real Redis
shared by the workers: a deleted-then-recreated user's old tokens, a replayed
refresh token (the whole family ends), disable then enable, guesses on one
username from many addresses, and a token minted by another deployment that
shares the SECRET_KEY. Operators' commands run while the server serves, as
they would in production.
"""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import pytest
from browser import flask_command, gunicorn_environment
from conftest import bake
from presets import DEFAULTS
from processes import GUNICORN, free_port, migrate, postgresql, running, started_redis

pytestmark = pytest.mark.slow

PASSWORD = "a long enough password"
JSON = {"Content-Type": "application/json"}
WORKERS = 3
# Mint a token as another deployment would: same SECRET_KEY, same database,
# its own JWT_AUDIENCE (set in the environment of this process).
OTHER_DEPLOYMENT = """
from flask_api import create_app
from flask_api.db import db
from flask_api.models import User
from flask_api.tokens import issue
app = create_app()
with app.app_context():
    user = db.session.query(User).filter_by(username="alice").one()
    print(issue(user)["access_token"])
"""


class Client:
    def __init__(self, server) -> None:
        self.server = server
        self.address = 0

    def post(self, path: str, body: dict, address: str | None = None):
        # A new client address for each call unless told (TRUSTED_PROXIES=1).
        self.address += 1
        headers = {**JSON, "X-Forwarded-For": address or f"198.51.100.{self.address}"}
        response, raw = self.server.request(
            "POST", path, body=json.dumps(body).encode(), headers=headers
        )
        return response.status, json.loads(raw) if raw else None

    def log_in(self, username="alice", password=PASSWORD, address=None):
        body = {"username": username, "password": password}
        return self.post("/api/v1/auth/token", body, address)

    def refresh(self, token: str) -> int:
        return self.post("/api/v1/auth/refresh", {"refresh_token": token})[0]

    def items(self, access_token: str) -> int:
        auth = {"Authorization": f"Bearer {access_token}"}
        return self.server.request("GET", "/api/v1/items", headers=auth)[0].status


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_sessions_end_under_gunicorn(cookies, tmp_path, database):
    context = {
        **DEFAULTS,
        "auth": "jwt",
        "database": database,
        "cache_backend": "redis",
    }
    project = bake(cookies, context)
    port = free_port()
    databases = postgresql() if database == "postgresql" else nullcontext()
    with databases as pg, started_redis(tmp_path) as redis:
        env = {
            **gunicorn_environment(project, tmp_path, port, workers=WORKERS),
            "REDIS_URL": redis.url,
            "TRUSTED_PROXIES": "1",
            "RATELIMIT_LOGIN_USERNAME": "5 per hour",
            "JWT_AUDIENCE": "production",
        }
        if pg is not None:
            env["DATABASE_URL"] = pg.url
        migrate(project, env)

        def users(*args: str) -> str:
            return flask_command(project, env, "users", *args, stdin=PASSWORD + "\n")

        users("create", "alice", "--password-stdin")
        users("create", "carol", "--password-stdin")
        with running(GUNICORN, cwd=project, env=env, port=port,
                     log=tmp_path / "gunicorn.log") as server:  # fmt: skip
            server.wait_until_answering("/api/v1/health")
            client = Client(server)
            check_a_replayed_refresh_token_ends_its_family(client)
            check_disable_then_enable(client, users)
            check_delete_then_recreate(client, users)
            check_another_deployments_token(client, project, env)
            check_guesses_from_many_addresses(client)
            assert server.terminate() == 0, server.output()

    messages = [event["message"] for event in server.events()]
    assert sum("auth: refresh token reused" in m for m in messages) == 1
    assert sum("auth: login refused by limit" in m for m in messages) == 3
    assert PASSWORD not in server.output()


def check_a_replayed_refresh_token_ends_its_family(client: Client) -> None:
    status, stolen = client.log_in()
    assert status == 200
    thief_status, thief = client.post(
        "/api/v1/auth/refresh", {"refresh_token": stolen["refresh_token"]}
    )
    assert thief_status == 200
    # The user comes back with the used token: the family ends, the thief's too.
    assert client.refresh(stolen["refresh_token"]) == 401
    assert client.refresh(thief["refresh_token"]) == 401


def check_disable_then_enable(client: Client, users) -> None:
    tokens = client.log_in()[1]
    assert client.items(tokens["access_token"]) == 200
    # The command logs the event as the app does: a JSON line on stdout.
    assert "auth: sessions ended by an operator (disable)" in users("disable", "alice")
    assert client.items(tokens["access_token"]) == 401
    users("enable", "alice")
    # Enabling brings no token back; a new login works.
    assert client.items(tokens["access_token"]) == 401
    assert client.refresh(tokens["refresh_token"]) == 401
    assert client.log_in()[0] == 200


def check_delete_then_recreate(client: Client, users) -> None:
    tokens = client.log_in()[1]
    users("delete", "alice")
    users("create", "alice", "--password-stdin")
    assert client.items(tokens["access_token"]) == 401
    assert client.refresh(tokens["refresh_token"]) == 401
    fresh = client.log_in()[1]
    assert client.items(fresh["access_token"]) == 200


def check_another_deployments_token(client: Client, project: Path, env: dict) -> None:
    minted = subprocess.run(
        [sys.executable, "-c", OTHER_DEPLOYMENT],
        cwd=project,
        env={**env, "JWT_AUDIENCE": "staging"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    assert client.items(minted) == 401


def check_guesses_from_many_addresses(client: Client) -> None:
    # Five guesses allowed per username an hour, each from its own address,
    # whichever worker takes them: the count is Redis's.
    known = [client.log_in("carol", "wrong guess")[0] for _ in range(6)]
    unknown = [client.log_in("nobody", "wrong guess")[0] for _ in range(6)]
    assert known == unknown == [401] * 5 + [429]
    assert client.log_in("carol", PASSWORD)[0] == 429
