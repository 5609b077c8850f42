"""Content-addressed, per-tenant document store and output folders."""

from connectors.storage.store import PathEscapeError, StoredObject, TenantStorage

__all__ = ["PathEscapeError", "StoredObject", "TenantStorage"]
