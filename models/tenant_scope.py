"""Make a forgotten tenant filter impossible rather than merely wrong.

A `TenantSession` carries its tenant; every ORM query it runs is rewritten to see only
that tenant's rows (`with_loader_criteria`), and a flush refuses rows of another tenant.
A session without a tenant cannot query tenant-scoped tables at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from models.db import Tenant, TenantScoped


class TenantScopeError(RuntimeError):
    """A query or write that would cross or ignore the tenant boundary."""


class TenantSession(Session):
    """A session bound to one tenant (slug)."""

    def __init__(self, *args: Any, tenant_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not tenant_id:
            raise TenantScopeError("TenantSession braucht eine Gemeinde")
        self.tenant_id = tenant_id


def _scoped_entities(state: ORMExecuteState) -> bool:
    statement: Any = state.statement
    for desc in statement.column_descriptions if state.is_select else []:
        entity = desc.get("entity")
        if isinstance(entity, type) and issubclass(entity, TenantScoped):
            return True
    if state.is_select:
        return False
    mapper = state.bind_mapper
    return mapper is not None and issubclass(mapper.class_, TenantScoped)


@event.listens_for(Session, "do_orm_execute")
def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load or state.is_insert:
        return  # loads: filtered with the parent row; inserts: checked on flush or by value
    tenant_id = getattr(state.session, "tenant_id", None)
    if tenant_id is None:
        if _scoped_entities(state):
            raise TenantScopeError("Abfrage auf Mandantendaten ohne Gemeinde")
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
        )
    )


@event.listens_for(Session, "before_flush")
def _check_tenant_on_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    tenant_id = getattr(session, "tenant_id", None)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Tenant):
            if tenant_id is not None and obj.slug != tenant_id:
                raise TenantScopeError("Schreibzugriff auf eine andere Gemeinde")
            continue
        if not isinstance(obj, TenantScoped):
            continue
        if tenant_id is None:
            raise TenantScopeError("Schreibzugriff auf Mandantendaten ohne Gemeinde")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise TenantScopeError("Schreibzugriff auf eine andere Gemeinde")
