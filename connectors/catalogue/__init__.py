"""The tenant catalogue: one YAML file per municipality, validated on load."""

from connectors.catalogue.loader import (
    TenantConfigError,
    TenantNotFoundError,
    list_tenant_files,
    load_all,
    load_tenant,
)

__all__ = [
    "TenantConfigError",
    "TenantNotFoundError",
    "list_tenant_files",
    "load_all",
    "load_tenant",
]
