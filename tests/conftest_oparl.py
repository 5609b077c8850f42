"""Shared material for the OParl tests: fast settings, servers, tenants, a sync helper.

Not a pytest conftest (the lead owns tests/conftest.py); the test modules import it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from connectors.database import tenant_session
from connectors.oparl import OParlSettings
from connectors.oparl.client import OParlClient
from models.db import Tenant
from models.oparl import OPARL_TABLES
from models.oparl_sync import OParlSyncSummary
from tasks.oparl_sync import sync_oparl
from tests.oparl_server import OParlTestServer
from tests.oparl_worlds import load_spec

TENANTS = ("a-stadt", "b-dorf")


def fast_settings(**overrides: Any) -> OParlSettings:
    """Short timeouts and millisecond backoff; nothing from the environment."""
    values: dict[str, Any] = {
        "timeout_s": 2.0,
        "connect_timeout_s": 1.0,
        "max_retries": 3,
        "backoff_s": 0.001,
        "backoff_max_s": 0.01,
        "concurrency": 4,
    }
    return OParlSettings(**(values | overrides))


def add_tenants(engine: Engine) -> None:
    """The two municipalities the isolation tests write to."""
    with Session(engine) as session:
        for n, slug in enumerate(TENANTS, start=1):
            session.add(Tenant(slug=slug, name=slug, ags=f"0999900{n}"))
        session.commit()


def run_sync(
    engine: Engine, url: str, tenant: str = "a-stadt", *, full: bool = False, **settings: Any
) -> OParlSyncSummary:
    """One sync through a fresh client, as the task does it."""
    with OParlClient(fast_settings(**settings)) as client:
        return sync_oparl(engine, tenant, client, url, full=full)


def count(engine: Engine, tenant: str, kind: str, *, deleted: bool | None = None) -> int:
    """Rows of one kind a tenant holds (all, or only deleted / not deleted ones)."""
    model = OPARL_TABLES[kind]
    stmt = select(func.count()).select_from(model)
    if deleted is not None:
        stmt = stmt.where(model.deleted.is_(deleted))
    with tenant_session(engine, tenant) as session:
        return session.scalar(stmt) or 0


@pytest.fixture(name="spec_server")
def spec_server_fixture() -> Iterator[OParlTestServer]:
    """A fresh server with the spec examples as a 1.1 world (System at `server.system_url`)."""
    server = OParlTestServer()
    load_spec(server)
    with server.running():
        yield server


@pytest.fixture(name="oparl_engine")
def oparl_engine_fixture(engine: Engine) -> Engine:
    """A migrated database of each kind with the two test municipalities."""
    add_tenants(engine)
    return engine
