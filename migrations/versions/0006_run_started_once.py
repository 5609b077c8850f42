"""audit: a run's start is recorded once (two presses racing in the web app)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHERE = sa.text("action = 'run_started'")


def upgrade() -> None:
    # before 0006 every press of "Lauf starten" made a new run: no start is recorded twice
    op.create_index(
        "uq_audit_run_started",
        "audit_events",
        ["tenant_id", "flow_run_id"],
        unique=True,
        sqlite_where=WHERE,
        postgresql_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("uq_audit_run_started", table_name="audit_events")
