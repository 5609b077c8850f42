"""Open what an OParl sync needs: the tenant, its system URL, the schema, the tenant row."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.catalogue import load_tenant
from connectors.database import ensure_schema, make_engine
from models.settings import Settings
from tasks.tenant_row import mirror_tenant


class OParlNotConfiguredError(ValueError):
    """Neither the call nor the tenant file names an OParl system."""


@dataclass(frozen=True)
class SyncTarget:
    """Which system (and body) a tenant's sync reads."""

    tenant: str
    system_url: str
    body_id: str | None


def prepare_sync(settings: Settings, tenant_slug: str, url: str | None) -> SyncTarget:
    """Validate the tenant, bring the schema up to date and mirror the tenant row.

    Raises:
        TenantNotFoundError, TenantConfigError: the tenant file is missing or invalid.
        OParlNotConfiguredError: no URL given and none in the tenant file.

    """
    tenant = load_tenant(tenant_slug, settings.tenants)
    config = tenant.oparl
    system_url = url or (config.system_url if config else None)
    if not system_url:
        raise OParlNotConfiguredError(
            f"Gemeinde {tenant.slug}: kein OParl-System angegeben (--url oder oparl.system_url)"
        )
    same_system = config is not None and config.system_url == system_url
    engine = make_engine(settings.effective_database_url)
    try:
        ensure_schema(engine)
        mirror_tenant(engine, tenant)
    finally:
        engine.dispose()
    return SyncTarget(tenant.slug, system_url, config.body if same_system and config else None)
