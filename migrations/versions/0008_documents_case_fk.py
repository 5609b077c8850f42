"""documents: the foreign key to cases, which 0001 declared but never created on PostgreSQL

0001 declared `documents.case_id -> cases.id` with `use_alter` (the two tables point at
each other); `op.create_table` leaves such a key to a later ALTER, which it never ran,
so PostgreSQL databases lack it (SQLite has it inline). Found by the schema comparison
test (tests/test_schema_migrations.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NAME = "fk_documents_case_id_cases"


def _present() -> bool:
    keys = sa.inspect(op.get_bind()).get_foreign_keys("documents")
    return any(key.get("referred_table") == "cases" for key in keys)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite" or _present():
        return
    op.create_foreign_key(NAME, "documents", "cases", ["case_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(NAME, "documents", type_="foreignkey")
