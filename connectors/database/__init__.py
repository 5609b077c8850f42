"""The relational database: engine, tenant-scoped sessions, migrations, queries."""

from connectors.database.engine import make_engine, tenant_session
from connectors.database.migrate import ensure_schema, upgrade

__all__ = ["ensure_schema", "make_engine", "tenant_session", "upgrade"]
