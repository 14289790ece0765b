"""Users who log in with a password: made and managed with ``flask users``.

Passwords are hashed with Argon2id (argon2-cffi, its RFC 9106 defaults).
Disabling, enabling, deleting a user, changing their password and ``flask
users logout-all`` end all their sessions at once (``tokens.end_sessions``):
every token issued before stops working at its next request.
"""

from __future__ import annotations

import logging
import secrets
import sys

import click
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask.cli import AppGroup
from sqlalchemy import select

from .db import db
from .models import User
from .tokens import end_sessions

MIN_PASSWORD_LENGTH = 12
# Argon2 hashes whatever it is given; a bound keeps one request cheap to refuse.
MAX_PASSWORD_LENGTH = 1024
PASSWORD_RULE = f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
hasher = PasswordHasher()
# Verified in place of an unknown user's hash. Made at import, so that no
# login (the first on each worker included) pays for making it.
DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))
log = logging.getLogger(__name__)


def check_password(username: str, password: str) -> User | None:
    """The active user with this name and password, or None.

    An unknown name costs the same Argon2 verification as a wrong password,
    so the answer's timing does not tell whether the user exists.
    """
    # No stored name holds NUL, which some databases refuse in a query.
    user = None
    if "\x00" not in username:
        user = db.session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None else DUMMY_HASH
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        db.session.commit()
    return user


def create_user(username: str, password: str) -> User:
    user = User(username=username, password_hash=hasher.hash(password))
    db.session.add(user)
    db.session.commit()
    return user


def find_user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"There is no user {username!r}.")
    return user


def ended_by_operator(user: User, action: str) -> None:
    """End the user's sessions, commit, and log who lost them and why."""
    end_sessions(user)
    db.session.commit()
    log.warning(
        "auth: sessions ended by an operator (%s) principal=user:%s", action, user.id
    )


def read_password(from_stdin: bool) -> str:
    """A new password, asked for twice and never echoed, or read from stdin."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            f"Password ({PASSWORD_RULE})",
            hide_input=True,
            confirmation_prompt=True,
            err=True,
        )
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise click.ClickException(f"The password must have {PASSWORD_RULE}.")
    return password


cli = AppGroup(
    "users",
    help="Create, list, disable, enable and delete users; end their sessions.",
)
password_stdin = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (for scripts).",
)


@cli.command("create", help=f"Create a user; the password has {PASSWORD_RULE}.")
@click.argument("username")
@password_stdin
def create_command(username: str, password_stdin: bool) -> None:
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"A user called {username!r} exists already.")
    create_user(username, read_password(password_stdin))
    click.echo(f"User {username!r} created.")


@cli.command(
    "set-password",
    help=f"Give a user a new password ({PASSWORD_RULE}); their sessions end.",
)
@click.argument("username")
@password_stdin
def set_password_command(username: str, password_stdin: bool) -> None:
    user = find_user(username)
    user.password_hash = hasher.hash(read_password(password_stdin))
    ended_by_operator(user, "set-password")
    click.echo(f"Password of {username!r} changed; their sessions ended.")


@cli.command("logout-all")
@click.argument("username")
def logout_all_command(username: str) -> None:
    """End every session of a user: all their tokens stop working at once."""
    ended_by_operator(find_user(username), "logout-all")
    click.echo(f"Every session of {username!r} ended.")


@cli.command("list")
def list_command() -> None:
    """List the users (never their password hash)."""
    for user in db.session.scalars(select(User).order_by(User.id)):
        state = "active" if user.active else "disabled"
        click.echo(f"{user.id}\t{user.username}\t{state}")


@cli.command("disable")
@click.argument("username")
def disable_command(username: str) -> None:
    """Disable a user: their tokens stop working at once."""
    set_active(username, active=False)


@cli.command("enable")
@click.argument("username")
def enable_command(username: str) -> None:
    """Enable a disabled user again: they log in anew (no old token works)."""
    set_active(username, active=True)


def set_active(username: str, *, active: bool) -> None:
    user = find_user(username)
    user.active = active
    ended_by_operator(user, "enable" if active else "disable")
    click.echo(f"User {username!r} {'enabled' if active else 'disabled'}.")


@cli.command("delete")
@click.argument("username")
def delete_command(username: str) -> None:
    """Delete a user: their tokens stop working at once."""
    user = find_user(username)
    ended_by_operator(user, "delete")
    db.session.delete(user)
    db.session.commit()
    click.echo(f"User {username!r} deleted.")
