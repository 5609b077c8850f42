"""Engines for SQLite (embedded default) and PostgreSQL (production).

Both hide statement parameters in error messages (`hide_parameters`): a failed insert
would otherwise quote its values (a citizen's file name, an OParl person's name) into
the exception text, which Prefect writes into the run's log and state message.

SQLite runs in WAL mode with a busy timeout so that a reader (the CLI listing cases)
never blocks the intake writing, and `synchronous=NORMAL`, which in WAL mode keeps
every committed transaction across a process crash (only an OS crash can lose the last).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from models.tenant_scope import TenantSession


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; the `postgresql://` scheme is mapped to the psycopg 3 driver."""
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def tenant_session(engine: Engine, tenant_id: str) -> TenantSession:
    """A session that can only see and write the given tenant's rows."""
    return TenantSession(bind=engine, tenant_id=tenant_id, expire_on_commit=False)
