"""Content-addressed, per-tenant document store and output folders."""

from connectors.storage.store import (
    FileTooLargeError,
    PathEscapeError,
    StoredObject,
    TenantStorage,
)

__all__ = ["FileTooLargeError", "PathEscapeError", "StoredObject", "TenantStorage"]
