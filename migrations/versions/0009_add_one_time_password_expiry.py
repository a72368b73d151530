"""Let one-time passwords expire and serve once (ASVS 6.4.1)

Accounts still waiting for their first sign-in with a one-time password handed out before this
revision get three days from the upgrade, like a new one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 00:30:00
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_expires_at", sa.DateTime(timezone=True), nullable=True))
    user_account = sa.table(
        "user_account",
        sa.column("must_change_password", sa.Boolean()),
        sa.column("password_expires_at", sa.DateTime(timezone=True)),
    )
    # A UTC value bound as a parameter: the same on SQLite (stored without offset) and PostgreSQL.
    expires = datetime.now(UTC) + timedelta(days=3)
    op.execute(
        user_account.update()
        .where(user_account.c.must_change_password.is_(True))
        .values(password_expires_at=expires.replace(tzinfo=None) if _is_sqlite() else expires)
    )


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("password_expires_at")
