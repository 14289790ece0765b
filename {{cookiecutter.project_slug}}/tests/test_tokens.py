"""Users and their tokens: login, refresh, logout, and forged tokens refused."""

from __future__ import annotations

import base64
import json
import time
import warnings
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

import credentials
from {{ cookiecutter.package_name }}.db import db
from {{ cookiecutter.package_name }}.models import User
from {{ cookiecutter.package_name }}.settings import SettingsError, from_environment
from test_auth import CHALLENGE, INVALID, assert_refused, attack

LOGIN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def log_in(client, username=credentials.USERNAME, password=credentials.PASSWORD):
    return client.post(LOGIN, json={"username": username, "password": password})


def claims(app, **changes) -> dict:
    """Claims of a good access token for the suite's user, with ``changes``."""
    now = datetime.now(UTC)
    with app.app_context():
        epoch = db.session.get_one(User, 1).session_epoch
    return {
        "iss": app.config["JWT_ISSUER"],
        "aud": app.config["JWT_AUDIENCE"],
        "epoch": epoch,
        "sub": "1",
        "type": "access",
        "jti": "a" * 32,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        **changes,
    }


def signed(app, payload: dict, key=None, algorithm="HS256") -> str:
    return jwt.encode(payload, key or app.config["JWT_SECRET_KEY"], algorithm)


def test_a_login_gives_tokens_that_work(anonymous_client):
    response = log_in(anonymous_client)

    assert response.status_code == 200
    tokens = response.get_json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 900
    headers = bearer(tokens["access_token"])
    assert anonymous_client.get("/api/v1/items", headers=headers).status_code == 200
    created = anonymous_client.post(
        "/api/v1/items", json={"name": "x"}, headers=headers
    )
    assert created.status_code == 201


@pytest.mark.parametrize(
    ("username", "password"),
    [
        (credentials.USERNAME, "wrong password"),
        ("nobody", credentials.PASSWORD),
        (credentials.USERNAME.upper(), credentials.PASSWORD),
        (credentials.USERNAME, credentials.PASSWORD + " "),
        (credentials.USERNAME + "\x00", credentials.PASSWORD),
        (credentials.USERNAME, credentials.PASSWORD + "\x00"),
    ],
    ids=[
        "wrong-password",
        "unknown-user",
        "other-case",
        "trailing-space",
        "nul-in-name",
        "nul-in-password",
    ],
)
def test_a_bad_login_is_one_answer_whoever_asks(anonymous_client, username, password):
    response = log_in(anonymous_client, username, password)

    assert_refused(response, 401, CHALLENGE)
    assert response.get_json()["detail"] == "The username or password is not valid."


def test_an_unknown_user_costs_as_much_as_a_wrong_password(anonymous_client):
    def seconds(username: str, password: str) -> float:
        start = time.perf_counter()
        for _ in range(3):
            log_in(anonymous_client, username, password)
        return time.perf_counter() - start

    seconds("nobody", "x")  # the dummy hash is made once, on first use
    wrong_password = seconds(credentials.USERNAME, "not the password")
    unknown_user = seconds("nobody", "not the password")

    # Both verify one Argon2 hash; without the dummy one, an unknown user
    # would answer in well under a tenth of the time.
    assert unknown_user > wrong_password * 0.5


def test_an_expired_token_is_invalid(app, anonymous_client):
    past = datetime.now(UTC) - timedelta(hours=1)
    token = signed(app, claims(app, iat=past, exp=past + timedelta(minutes=15)))

    attack(anonymous_client, app, 401, INVALID, headers=bearer(token))


def test_a_token_signed_with_another_key_is_invalid(app, anonymous_client):
    token = signed(app, claims(app), key=b"another-key-of-thirty-two-bytes!")

    attack(anonymous_client, app, 401, INVALID, headers=bearer(token))


def test_alg_none_is_invalid(app, anonymous_client):
    def part(value: dict) -> str:
        raw = json.dumps(value, default=lambda moment: int(moment.timestamp()))
        return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()

    header = part({"alg": "none", "typ": "JWT"})
    for token in (f"{header}.{part(claims(app))}.", f"{header}.{part(claims(app))}"):
        attack(anonymous_client, app, 401, INVALID, headers=bearer(token))


def test_another_algorithm_with_the_same_key_is_invalid(app, anonymous_client):
    with warnings.catch_warnings():  # PyJWT finds the key short for HS512
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        token = signed(app, claims(app), algorithm="HS512")

    attack(anonymous_client, app, 401, INVALID, headers=bearer(token))


def test_a_tampered_payload_is_invalid(app, anonymous_client):
    header, _, signature = signed(app, claims(app)).split(".")
    forged = base64.urlsafe_b64encode(
        json.dumps({**claims(app, sub="2"), "iat": 0, "exp": 2**40}).encode()
    )

    token = f"{header}.{forged.rstrip(b'=').decode()}.{signature}"
    attack(anonymous_client, app, 401, INVALID, headers=bearer(token))


def test_the_claims_helper_makes_a_token_that_works(app, anonymous_client):
    # The attacks below change one thing in a token that would work.
    headers = bearer(signed(app, claims(app)))

    assert anonymous_client.get("/api/v1/items", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "missing", ["exp", "sub", "type", "jti", "iat", "iss", "aud", "epoch"]
)
def test_a_token_without_a_required_claim_is_invalid(app, anonymous_client, missing):
    payload = claims(app)
    del payload[missing]

    attack(anonymous_client, app, 401, INVALID, headers=bearer(signed(app, payload)))


def test_a_refresh_token_is_not_an_access_token(app, anonymous_client):
    refresh = credentials.tokens_for(app)["refresh_token"]

    attack(anonymous_client, app, 401, INVALID, headers=bearer(refresh))


def test_an_access_token_is_not_a_refresh_token(app, anonymous_client):
    access = credentials.tokens_for(app)["access_token"]

    response = anonymous_client.post(REFRESH, json={"refresh_token": access})

    assert_refused(response, 401, INVALID)


def test_a_token_for_a_user_who_does_not_exist_is_invalid(app, anonymous_client):
    token = credentials.tokens_for(app, user_id=999)["access_token"]

    attack(anonymous_client, app, 401, INVALID, headers=bearer(token))


def test_a_disabled_user_is_refused_at_once(app, anonymous_client):
    tokens = log_in(anonymous_client).get_json()
    runner = app.test_cli_runner()

    assert runner.invoke(args=["users", "disable", credentials.USERNAME]).exit_code == 0

    attack(anonymous_client, app, 401, INVALID, headers=bearer(tokens["access_token"]))
    refreshed = anonymous_client.post(
        REFRESH, json={"refresh_token": tokens["refresh_token"]}
    )
    assert_refused(refreshed, 401, INVALID)
    assert_refused(log_in(anonymous_client), 401, CHALLENGE)
    runner.invoke(args=["users", "enable", credentials.USERNAME])
    assert log_in(anonymous_client).status_code == 200


def test_a_deleted_user_is_refused_at_once(app, anonymous_client):
    tokens = log_in(anonymous_client).get_json()

    result = app.test_cli_runner().invoke(
        args=["users", "delete", credentials.USERNAME]
    )

    assert result.exit_code == 0
    attack(anonymous_client, app, 401, INVALID, headers=bearer(tokens["access_token"]))


def test_a_deleted_users_tokens_never_act_as_the_next_user(app, anonymous_client):
    tokens = log_in(anonymous_client).get_json()
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "delete", credentials.USERNAME])

    created = runner.invoke(
        args=["users", "create", "newcomer", "--password-stdin"],
        input=credentials.PASSWORD + "\n",
    )

    assert created.exit_code == 0
    attack(anonymous_client, app, 401, INVALID, headers=bearer(tokens["access_token"]))
    refreshed = anonymous_client.post(
        REFRESH, json={"refresh_token": tokens["refresh_token"]}
    )
    assert_refused(refreshed, 401, INVALID)


def test_refresh_gives_a_new_pair_and_the_old_refresh_token_dies(anonymous_client):
    tokens = log_in(anonymous_client).get_json()

    first = anonymous_client.post(
        REFRESH, json={"refresh_token": tokens["refresh_token"]}
    )
    again = anonymous_client.post(
        REFRESH, json={"refresh_token": tokens["refresh_token"]}
    )

    assert first.status_code == 200
    fresh = first.get_json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert_refused(again, 401, INVALID)
    headers = bearer(fresh["access_token"])
    assert anonymous_client.get("/api/v1/items", headers=headers).status_code == 200


def test_logout_revokes_the_refresh_token(anonymous_client):
    tokens = log_in(anonymous_client).get_json()

    out = anonymous_client.post(LOGOUT, json={"refresh_token": tokens["refresh_token"]})
    refreshed = anonymous_client.post(
        REFRESH, json={"refresh_token": tokens["refresh_token"]}
    )

    assert out.status_code == 204
    assert_refused(refreshed, 401, INVALID)


@pytest.mark.parametrize("route", [REFRESH, LOGOUT])
def test_a_forged_refresh_token_is_refused(app, anonymous_client, route):
    forged = signed(app, claims(app, type="refresh"), key=b"x" * 32)

    response = anonymous_client.post(route, json={"refresh_token": forged})

    assert_refused(response, 401, INVALID)


def test_create_asks_the_password_twice_and_never_shows_it(app, anonymous_client):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "alice"],
        input="a long enough password\na long enough password\n",
    )

    assert result.exit_code == 0, result.output
    assert "a long enough password" not in result.output
    assert (
        log_in(anonymous_client, "alice", "a long enough password").status_code == 200
    )


def test_create_reads_the_password_from_stdin_for_scripts(app, anonymous_client):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "bob", "--password-stdin"],
        input="another long password\n",
    )

    assert result.exit_code == 0, result.output
    assert log_in(anonymous_client, "bob", "another long password").status_code == 200


def test_a_short_password_or_a_taken_name_is_refused(app):
    runner = app.test_cli_runner()
    short = runner.invoke(
        args=["users", "create", "carol", "--password-stdin"], input="short\n"
    )
    taken = runner.invoke(
        args=["users", "create", credentials.USERNAME, "--password-stdin"],
        input="a long enough password\n",
    )

    assert short.exit_code == taken.exit_code == 1
    with app.app_context():
        assert db.session.query(User).filter_by(username="carol").count() == 0


def test_passwords_are_stored_as_argon2id_hashes(app):
    with app.app_context():
        user = db.session.query(User).filter_by(username=credentials.USERNAME).one()

    assert user.password_hash.startswith("$argon2id$")
    assert credentials.PASSWORD not in user.password_hash


def test_a_short_token_signing_key_stops_the_app(make_app):
    with pytest.raises(SettingsError, match="JWT_SECRET_KEY"):
        make_app(JWT_SECRET_KEY="short")


@pytest.mark.parametrize(
    "name", ["JWT_ACCESS_TOKEN_EXPIRES", "JWT_REFRESH_TOKEN_EXPIRES"]
)
@pytest.mark.parametrize("value", ["0", "-5", "soon", "1.5"])
def test_a_lifetime_must_be_a_positive_number_of_seconds(name, value):
    with pytest.raises(SettingsError, match=name):
        from_environment({name: value})


def test_lifetimes_come_from_the_environment():
    config = from_environment(
        {"JWT_ACCESS_TOKEN_EXPIRES": "60", "JWT_REFRESH_TOKEN_EXPIRES": "3600"}
    )

    assert config["JWT_ACCESS_TOKEN_EXPIRES"] == 60
    assert config["JWT_REFRESH_TOKEN_EXPIRES"] == 3600


def test_instances_with_one_secret_key_accept_each_others_tokens(make_app):
    secret = "one-secret-key-shared-by-every-instance"
    first, second = make_app(SECRET_KEY=secret), make_app(SECRET_KEY=secret)
    token = credentials.tokens_for(first)["access_token"]

    response = second.test_client().get("/api/v1/items", headers=bearer(token))

    assert response.status_code == 200
    # Derived: the session signatures and the tokens never share a key.
    assert first.config["JWT_SECRET_KEY"] not in (secret, secret.encode())
    other = make_app(SECRET_KEY="another-secret-key-for-another-app")
    refused = other.test_client().get("/api/v1/items", headers=bearer(token))
    assert refused.status_code == 401


@pytest.mark.parametrize("claim", ["iss", "aud"])
def test_a_token_from_another_deployment_is_invalid(app, anonymous_client, claim):
    # Same key (the same SECRET_KEY), another issuer or audience.
    token = signed(app, claims(app, **{claim: "another-deployment"}))

    attack(anonymous_client, app, 401, INVALID, headers=bearer(token))


def test_another_deployments_settings_refuse_this_ones_tokens(make_app):
    here = make_app(SECRET_KEY="k" * 32, JWT_AUDIENCE="staging")
    there = make_app(SECRET_KEY="k" * 32, JWT_AUDIENCE="production")
    token = credentials.token(here)

    assert (
        here.test_client().get("/api/v1/items", headers=bearer(token)).status_code
        == 200
    )
    refused = there.test_client().get("/api/v1/items", headers=bearer(token))
    assert_refused(refused, 401, INVALID)


def test_clocks_may_disagree_by_the_leeway_and_no_more(app, anonymous_client):
    now = datetime.now(UTC)
    early = signed(app, claims(app, iat=now + timedelta(seconds=5)))
    late = signed(app, claims(app, exp=now - timedelta(seconds=5)))
    too_early = signed(app, claims(app, iat=now + timedelta(seconds=120)))

    for token in (early, late):
        answer = anonymous_client.get("/api/v1/items", headers=bearer(token))
        assert answer.status_code == 200
    attack(anonymous_client, app, 401, INVALID, headers=bearer(too_early))


def refresh(client, token: str):
    return client.post(REFRESH, json={"refresh_token": token})


def test_a_replayed_refresh_token_ends_its_whole_family(app, anonymous_client, caplog):
    stolen = log_in(anonymous_client).get_json()
    other_login = log_in(anonymous_client).get_json()
    thief = refresh(anonymous_client, stolen["refresh_token"]).get_json()

    # The rightful user refreshes with the token the thief used already.
    replayed = refresh(anonymous_client, stolen["refresh_token"])

    assert_refused(replayed, 401, INVALID)
    # The thief's newer token is dead too; another login is not touched.
    assert_refused(refresh(anonymous_client, thief["refresh_token"]), 401, INVALID)
    assert refresh(anonymous_client, other_login["refresh_token"]).status_code == 200
    reuse = [r for r in caplog.records if "refresh token reused" in r.getMessage()]
    assert len(reuse) == 1
    assert "principal=user:1" in reuse[0].getMessage()
    assert stolen["refresh_token"] not in reuse[0].getMessage()


def test_refreshing_never_extends_a_session_past_its_lifetime(make_app):
    app = make_app(SESSION_LIFETIME=3600, JWT_REFRESH_TOKEN_EXPIRES=7200)
    client = app.test_client()
    client.environ_base.pop("HTTP_AUTHORIZATION", None)
    first = log_in(client).get_json()["refresh_token"]
    second = refresh(client, first).get_json()["refresh_token"]

    def claims_of(token):
        return jwt.decode(token, options={"verify_signature": False})

    login_time = claims_of(first)["auth_time"]
    for token in (first, second):
        assert claims_of(token)["auth_time"] == login_time
        assert claims_of(token)["exp"] == login_time + 3600


def test_a_session_older_than_its_lifetime_cannot_be_refreshed(app, anonymous_client):
    token = log_in(anonymous_client).get_json()["refresh_token"]
    payload = jwt.decode(token, options={"verify_signature": False})
    lifetime = app.config["SESSION_LIFETIME"]
    # The family's current token, as if its login were older than the lifetime.
    payload["auth_time"] -= lifetime + 60

    assert_refused(refresh(anonymous_client, signed(app, payload)), 401, INVALID)


@pytest.mark.parametrize(
    "command",
    [["disable"], ["logout-all"], ["set-password", "--password-stdin"]],
    ids=["disable", "logout-all", "set-password"],
)
def test_an_operator_ends_every_session_of_a_user(
    app, anonymous_client, caplog, command
):
    tokens = log_in(anonymous_client).get_json()

    result = app.test_cli_runner().invoke(
        args=["users", *command[:1], credentials.USERNAME, *command[1:]],
        input="a brand new password\n",
    )

    assert result.exit_code == 0, result.output
    attack(anonymous_client, app, 401, INVALID, headers=bearer(tokens["access_token"]))
    assert_refused(refresh(anonymous_client, tokens["refresh_token"]), 401, INVALID)
    ended = [
        r.getMessage()
        for r in caplog.records
        if "ended by an operator" in r.getMessage()
    ]
    assert ended == [
        f"auth: sessions ended by an operator ({command[0]}) principal=user:1"
    ]


def test_enabling_a_user_again_brings_no_old_token_back(app, anonymous_client):
    tokens = log_in(anonymous_client).get_json()
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "disable", credentials.USERNAME])

    runner.invoke(args=["users", "enable", credentials.USERNAME])

    attack(anonymous_client, app, 401, INVALID, headers=bearer(tokens["access_token"]))
    assert_refused(refresh(anonymous_client, tokens["refresh_token"]), 401, INVALID)
    assert log_in(anonymous_client).status_code == 200


def test_set_password_replaces_the_old_one(app, anonymous_client):
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", credentials.USERNAME],
        input="a brand new password\na brand new password\n",
    )

    assert result.exit_code == 0, result.output
    assert "a brand new password" not in result.output
    assert_refused(log_in(anonymous_client), 401, CHALLENGE)
    new = log_in(anonymous_client, password="a brand new password")
    assert new.status_code == 200


def test_each_user_starts_at_an_epoch_of_their_own(app):
    runner = app.test_cli_runner()
    for name in ("dora", "emil"):
        runner.invoke(
            args=["users", "create", name, "--password-stdin"],
            input=credentials.PASSWORD + "\n",
        )

    with app.app_context():
        epochs = {user.session_epoch for user in db.session.query(User)}
    assert len(epochs) == 3


@pytest.mark.parametrize("command", ["create", "set-password"])
def test_the_password_rule_is_said_before_it_is_enforced(app, command):
    runner = app.test_cli_runner()

    shown = runner.invoke(args=["users", command, "--help"]).output
    prompted = runner.invoke(
        args=[
            "users",
            command,
            "frank" if command == "create" else credentials.USERNAME,
        ],
        input="short\nshort\n",
    )

    assert "12 to 1024 characters" in " ".join(shown.split())
    assert "Password (12 to 1024 characters)" in prompted.output
    assert prompted.exit_code == 1


@pytest.mark.parametrize("route", [LOGIN, REFRESH])
def test_no_answer_carrying_a_token_is_stored(app, anonymous_client, route):
    if route == LOGIN:
        answer = log_in(anonymous_client)
    else:
        answer = refresh(anonymous_client, credentials.tokens_for(app)["refresh_token"])

    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Pragma"] == "no-cache"


def test_a_failed_login_is_logged_without_the_password(anonymous_client, caplog):
    log_in(anonymous_client, password="wrong but secret")

    failed = [
        r.getMessage() for r in caplog.records if "login failed" in r.getMessage()
    ]
    assert len(failed) == 1
    assert f"principal=username:{credentials.USERNAME!r}" in failed[0]
    assert "wrong but secret" not in caplog.text
