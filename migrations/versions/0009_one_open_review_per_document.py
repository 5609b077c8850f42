"""review_items: at most one open review per subject, enforced by the database

Two classification runs of one municipality that overlapped (the nightly run's subflow
and a clerk's run from the dashboard) each opened a review for the same document, and
two clerks could then decide it twice. Runs now record under a lock; this partial
unique index is the last line of defence. Open duplicates already in a database are
closed first as `superseded` (the oldest stays open), so the index can be created.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NAME = "uq_review_open_subject"
OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.execute(
        """
        UPDATE review_items SET status = 'superseded'
        WHERE status = 'open' AND id NOT IN (
            SELECT MIN(id) FROM review_items WHERE status = 'open'
            GROUP BY tenant_id, kind, subject_id
        )
        """
    )
    op.create_index(
        NAME,
        "review_items",
        ["tenant_id", "kind", "subject_id"],
        unique=True,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="review_items")
