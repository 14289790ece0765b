"""Never give a deleted user's id to a new user.

SQLite reuses the highest rowid after a delete unless the table is declared
AUTOINCREMENT; a deleted user's tokens name that id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def rebuild_users(*, autoincrement: bool) -> None:
    with op.batch_alter_table(
        "users",
        recreate="always",
        table_kwargs={"sqlite_autoincrement": autoincrement},
    ):
        pass


def upgrade() -> None:
    rebuild_users(autoincrement=True)


def downgrade() -> None:
    rebuild_users(autoincrement=False)
