"""Users who log in with a password: made and managed with ``flask users``.

Passwords are hashed with Argon2id (argon2-cffi, its RFC 9106 defaults). A
disabled or deleted user's tokens stop working at their next request: every
request looks the user up (see ``tokens.py``).
"""

from __future__ import annotations

import functools
import secrets
import sys

import click
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask.cli import AppGroup
from sqlalchemy import select

from .db import db
from .models import User

MIN_PASSWORD_LENGTH = 12
# Argon2 hashes whatever it is given; a bound keeps one request cheap to refuse.
MAX_PASSWORD_LENGTH = 1024
hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def check_password(username: str, password: str) -> User | None:
    """The active user with this name and password, or None.

    An unknown name costs the same Argon2 verification as a wrong password,
    so the answer's timing does not tell whether the user exists.
    """
    # No stored name holds NUL, which some databases refuse in a query.
    user = None
    if "\x00" not in username:
        user = db.session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None else _dummy_hash()
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


cli = AppGroup("users", help="Create, list, disable and delete users.")


@cli.command("create")
@click.argument("username")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (for scripts).",
)
def create_command(username: str, password_stdin: bool) -> None:
    """Create a user; the password is asked for twice, never echoed."""
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"A user called {username!r} exists already.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            "Password", hide_input=True, confirmation_prompt=True, err=True
        )
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise click.ClickException(
            f"The password must have {MIN_PASSWORD_LENGTH} to "
            f"{MAX_PASSWORD_LENGTH} characters."
        )
    create_user(username, password)
    click.echo(f"User {username!r} created.")


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
    """Enable a disabled user again."""
    set_active(username, active=True)


def set_active(username: str, *, active: bool) -> None:
    find_user(username).active = active
    db.session.commit()
    click.echo(f"User {username!r} {'enabled' if active else 'disabled'}.")


@cli.command("delete")
@click.argument("username")
def delete_command(username: str) -> None:
    """Delete a user: their tokens stop working at once."""
    db.session.delete(find_user(username))
    db.session.commit()
    click.echo(f"User {username!r} deleted.")
