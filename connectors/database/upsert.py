"""Idempotent bulk writes of a tenant's rows: insert, or update the row with the same key.

Mirrored data (OParl) arrives again and again; `INSERT ... ON CONFLICT DO UPDATE` (SQLite and
PostgreSQL alike) makes a re-sync create no duplicates and stays correct when two runs race.
The tenant is taken from the session, never from the rows, so a row of another tenant
cannot be written: the conflict key starts with `tenant_id`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite

from models.tenant_scope import TenantScopeError, TenantSession

CHUNK = 500


def upsert(
    session: TenantSession,
    model: type[Any],
    rows: Sequence[dict[str, Any]],
    *,
    key: tuple[str, ...] = ("tenant_id", "oparl_id"),
    update: Iterable[str] | None = None,
    keep: Iterable[str] = (),
) -> None:
    """Write `rows` (all with the same columns) of the session's tenant.

    Args:
        session: the tenant's session; its tenant is set on every row.
        model: the mapped class (its table has a unique constraint on `key`).
        rows: column values; a later row with the same key wins.
        key: the conflict target.
        update: the columns an existing row takes over; default: all given but the key.
        keep: columns where None means "not known here": the stored value is kept.

    """
    tenant_id = getattr(session, "tenant_id", None)
    if not tenant_id:
        raise TenantScopeError("Schreibzugriff auf Mandantendaten ohne Gemeinde")
    unique = {tuple(row[k] for k in key[1:]): {**row, "tenant_id": tenant_id} for row in rows}
    values = list(unique.values())
    if not values:
        return
    columns = list(update) if update is not None else [c for c in values[0] if c not in key]
    kept = set(keep)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    for start in range(0, len(values), CHUNK):
        stmt = insert(model)
        set_ = {
            c: func.coalesce(stmt.excluded[c], table.c[c]) if c in kept else stmt.excluded[c]
            for c in columns
        }
        stmt = stmt.on_conflict_do_update(index_elements=list(key), set_=set_)
        session.execute(stmt, values[start : start + CHUNK])
