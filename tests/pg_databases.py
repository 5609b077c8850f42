"""Fresh PostgreSQL databases on the test server, one per use, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

PG_ADMIN = os.environ.get("AMTSFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def pg_database(prefix: str = "amtsflow_t") -> Iterator[str]:
    """Create an empty database; yield its `postgresql://` URL; drop it (with its sessions)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def asyncpg_url(url: str) -> str:
    """The same database for Prefect's server, which talks to it through asyncpg."""
    return "postgresql+asyncpg://" + url.split("://", 1)[1]
