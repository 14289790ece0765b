"""Sessions that end: an epoch per user, and refresh tokens in families.

Each token carries its user's epoch; a new random epoch ends every session
of the user. A refresh family is one login's chain of refresh tokens: a used
token sent again ends its family. They replace the list of revoked tokens.
{%- if cookiecutter.database == "sqlite" %}

The users table also becomes AUTOINCREMENT: SQLite otherwise gives the
highest id again after a delete, and a deleted user's tokens name that id.
{%- endif %}

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("users", sa.Column("session_epoch", sa.BigInteger(), nullable=True))
    users = sa.table("users", sa.column("id", Id), sa.column("session_epoch"))
    bind = op.get_bind()
    # Random per user, as the app makes them: see models.new_session_epoch.
    for (user_id,) in bind.execute(sa.select(users.c.id)):
        bind.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(session_epoch=secrets.randbits(62))
        )
{%- if cookiecutter.database == "sqlite" %}
    with op.batch_alter_table(
        "users", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.alter_column("session_epoch", nullable=False)
{%- else %}
    op.alter_column("users", "session_epoch", nullable=False)
{%- endif %}
    op.drop_index("ix_revoked_tokens_expires_at", table_name="revoked_tokens")
    op.drop_table("revoked_tokens")
    op.create_table(
        "refresh_families",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("current_jti", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_refresh_families_user_id", "refresh_families", ["user_id"], unique=False
    )
    op.create_index(
        "ix_refresh_families_expires_at",
        "refresh_families",
        ["expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_refresh_families_expires_at", table_name="refresh_families")
    op.drop_index("ix_refresh_families_user_id", table_name="refresh_families")
    op.drop_table("refresh_families")
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti"),
    )
    op.create_index(
        "ix_revoked_tokens_expires_at", "revoked_tokens", ["expires_at"], unique=False
    )
{%- if cookiecutter.database == "sqlite" %}
    with op.batch_alter_table(
        "users", recreate="always", table_kwargs={"sqlite_autoincrement": False}
    ) as batch:
        batch.drop_column("session_epoch")
{%- else %}
    op.drop_column("users", "session_epoch")
{%- endif %}
