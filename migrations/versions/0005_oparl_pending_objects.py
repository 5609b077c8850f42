"""oparl: objects a sync could not read, asked for again by URL on the next run

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 17:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oparl_sync_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oparl_sync_states", schema=None) as batch_op:
        batch_op.drop_column("pending")
