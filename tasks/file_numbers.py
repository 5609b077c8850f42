"""File numbers (Aktenzeichen): gap-free per department and year, safe under concurrency.

The counter row is created in its own short transaction (insert-or-ignore), then
incremented with `UPDATE ... RETURNING` inside the case's transaction: the row lock
serialises concurrent intakes on PostgreSQL, SQLite serialises writers anyway, and a
crash before commit rolls the number back, so no number is lost or given twice.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models.db import FileNumberCounter
from models.tenant import Department, Tenant


def ensure_counter(session: Session, tenant_id: str, department_code: str, year: int) -> None:
    """Create the counter row if missing (commits; call outside the case's transaction)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(FileNumberCounter)
        .values(tenant_id=tenant_id, department_code=department_code, year=year, last_seq=0)
        .on_conflict_do_nothing()
    )
    session.execute(stmt)
    session.commit()


def next_file_number(session: Session, tenant: Tenant, department: Department, year: int) -> str:
    """Take the next number; part of the caller's transaction."""
    stmt = (
        update(FileNumberCounter)
        .where(
            FileNumberCounter.department_code == department.code,
            FileNumberCounter.year == year,
        )
        .values(last_seq=FileNumberCounter.last_seq + 1)
        .returning(FileNumberCounter.last_seq)
    )
    seq = session.execute(stmt).scalar_one_or_none()
    if seq is None:
        raise LookupError("Aktenzeichen-Zähler fehlt (ensure_counter nicht aufgerufen)")
    return tenant.file_number.format(department.code, year, seq)
