"""No credential reaches the logs of a baked app under gunicorn.

Each kind of credential is used the right way and the wrong ways (a wrong
password, a forged token, a key in the query string) against two workers;
then every line gunicorn and the app wrote (access events, error events, the
app's own) is searched for each secret.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from browser import flask_command, gunicorn_environment
from conftest import bake
from presets import DEFAULTS
from processes import GUNICORN, free_port, migrate, running

pytestmark = pytest.mark.slow

PASSWORD = "a password nobody should ever log"


def calls(server, token: str, extra: list[tuple[str, str, dict]]) -> list[int]:
    statuses = []
    for method, path, headers in [
        ("GET", "/api/v1/items", {"Authorization": f"Bearer {token}"}),
        ("GET", f"/api/v1/items?access_token={token}", {}),
        ("GET", f"/api/v1/items?key={token}&limit=1", {}),
        ("GET", "/api/v1/items", {"Authorization": f"Bearer {token}x"}),
        ("GET", "/api/v1/items", {"Authorization": f"Basic {token}"}),
        ("DELETE", "/api/v1/items/1", {"Authorization": f"Bearer {token}"}),
        *extra,
    ]:
        response, _ = server.request(method, path, headers=headers)
        statuses.append(response.status)
    return statuses


def secrets_logged(output: str, secrets: list[str]) -> list[str]:
    return [secret for secret in secrets if secret in output]


@pytest.mark.parametrize("auth", ["api_key", "jwt"])
def test_no_credential_reaches_gunicorns_logs(cookies, tmp_path, auth):
    project = bake(cookies, {**DEFAULTS, "auth": auth})
    port = free_port()
    env = gunicorn_environment(project, tmp_path, port, workers=2)
    env["LOG_LEVEL"] = "DEBUG"
    migrate(project, env)
    if auth == "api_key":
        token = flask_command(
            project, env, "keys", "create", "svc", "--scope", "read-write"
        )
        secrets = [token]
    else:
        flask_command(project, env, "users", "create", "alice", "--password-stdin",
                      stdin=PASSWORD + "\n")  # fmt: skip
        secrets = [PASSWORD, quote(PASSWORD)]

    with running(GUNICORN, cwd=project, env=env, port=port,
                 log=tmp_path / "gunicorn.log") as server:  # fmt: skip
        server.wait_until_answering("/api/v1/health")
        extra = []
        if auth == "jwt":
            login = json.dumps({"username": "alice", "password": PASSWORD}).encode()
            json_type = {"Content-Type": "application/json"}
            response, body = server.request(
                "POST", "/api/v1/auth/token", body=login, headers=json_type
            )
            assert response.status == 200, body
            tokens = json.loads(body)
            token = tokens["access_token"]
            secrets += [token, tokens["refresh_token"]]
            wrong = json.dumps({"username": "alice", "password": PASSWORD + "!"})
            server.request(
                "POST", "/api/v1/auth/token", body=wrong.encode(), headers=json_type
            )
            refresh = json.dumps({"refresh_token": tokens["refresh_token"]}).encode()
            response, _ = server.request(
                "POST", "/api/v1/auth/logout", body=refresh, headers=json_type
            )
            assert response.status == 204
            query = f"password={quote(PASSWORD)}&token={token}"
            extra.append(("GET", f"/api/v1/health?{query}", {}))
        statuses = calls(server, token, extra)
        assert server.terminate() == 0, server.output()

    assert statuses[:6] == [200, 401, 401, 401, 401, 404], statuses
    output = server.output()
    assert len(server.access_events()) >= 6
    assert "[redacted]" in output
    assert secrets_logged(output, secrets) == []
