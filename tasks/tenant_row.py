"""The `tenants` table mirrors the tenant files; every flow that writes rows needs its row."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from models.db import Tenant as TenantRow
from models.tenant import Tenant


def mirror_tenant(engine: Engine, tenant: Tenant) -> None:
    """Insert the municipality's row, or update its name and AGS from the tenant file.

    Tenant-scoped rows (cases, audit events, ...) reference it, so a flow that may be a
    municipality's first (intake, OParl sync, retraining from shipped history, agenda
    preparation) calls this before writing anything.
    """
    with Session(engine) as session, session.begin():
        row = session.get(TenantRow, tenant.slug)
        if row is None:
            session.add(TenantRow(slug=tenant.slug, name=tenant.name, ags=tenant.ags))
        else:
            row.name, row.ags = tenant.name, tenant.ags
