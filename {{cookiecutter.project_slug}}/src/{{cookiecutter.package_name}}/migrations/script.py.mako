<%!
    import re

    def commands(rendered):
        # Without Alembic's "# ### commands auto generated ... ###" banners.
        return re.sub(r"^ *# ###.*###\n?", "", rendered or "", flags=re.M).strip()
%>"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date.date()}
"""

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${commands(upgrades) or "pass"}


def downgrade() -> None:
    ${commands(downgrades) or "pass"}
