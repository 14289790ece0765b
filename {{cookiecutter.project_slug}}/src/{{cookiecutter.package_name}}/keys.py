"""API keys for services: made, listed and revoked with ``flask keys``.

A key is ``secrets.token_urlsafe(32)`` (32 random bytes), shown once when it is
made. Only its SHA-256 is stored: with that much randomness no slow hash is
needed, and a request's key is found by its hash through a unique index, so
the lookup takes the same time whatever the key. A key's scope is ``read``
(GET and HEAD) or ``read-write`` (every method).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import NamedTuple

import click
from flask.cli import AppGroup
from sqlalchemy import select

from .db import db
from .models import ApiKey, utc_now

READ = "read"
READ_WRITE = "read-write"
SCOPES = (READ, READ_WRITE)


class Principal(NamedTuple):
    """Who a request comes from, as the rest of the app sees it."""

    id: str
    can_write: bool


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def authenticate(key: str) -> Principal | None:
    """The key's holder, or None for an unknown or revoked key."""
    digest = hash_key(key)
    found = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if (
        found is None
        or found.revoked_at is not None
        or not hmac.compare_digest(found.key_hash, digest)
    ):
        return None
    return Principal(id=f"key:{found.id}", can_write=found.scope == READ_WRITE)


def create_key(name: str, scope: str) -> str:
    """Store a new key and return it: the only time it can be read."""
    key = secrets.token_urlsafe(32)
    db.session.add(ApiKey(name=name, scope=scope, key_hash=hash_key(key)))
    db.session.commit()
    return key


cli = AppGroup("keys", help="Create, list and revoke API keys.")


@cli.command("create")
@click.argument("name")
@click.option("--scope", type=click.Choice(SCOPES), default=READ, show_default=True)
def create_command(name: str, scope: str) -> None:
    """Create a key called NAME and print it (it is shown only this once)."""
    if db.session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
        raise click.ClickException(f"A key called {name!r} exists already.")
    key = create_key(name, scope)
    click.echo(key)
    click.echo(
        f"Key {name!r} ({scope}) created. Store it now: it cannot be shown again.",
        err=True,
    )


@cli.command("list")
def list_command() -> None:
    """List the keys (never their secret)."""
    for key in db.session.scalars(select(ApiKey).order_by(ApiKey.id)):
        revoked = f"revoked {key.revoked_at.isoformat()}" if key.revoked_at else ""
        click.echo(
            f"{key.id}\t{key.name}\t{key.scope}\t"
            f"created {key.created_at.isoformat()}\t{revoked}".rstrip()
        )


@cli.command("revoke")
@click.argument("name_or_id")
def revoke_command(name_or_id: str) -> None:
    """Revoke a key, by its name or its id: it stops working at once."""
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == name_or_id))
    if key is None and name_or_id.isdigit():
        key = db.session.get(ApiKey, int(name_or_id))
    if key is None:
        raise click.ClickException(f"There is no key {name_or_id!r}.")
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        db.session.commit()
    click.echo(f"Key {key.name!r} revoked.")
