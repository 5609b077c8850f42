"""A run's start is recorded once per municipality, whatever races in the web app."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.web.process_pages import _audit_start
from connectors.database import tenant_session
from models.db import AuditEvent, Tenant
from tasks import audit

RUN = "6b393418-60fe-47e3-8d27-6f34f2953288"


def _tenants(engine: Engine) -> None:
    with Session(engine) as session:
        session.add_all(
            [
                Tenant(slug="musterstadt", name="Stadt Musterstadt", ags="09999001"),
                Tenant(slug="nebenan", name="Gemeinde Nebenan", ags="09999002"),
            ]
        )
        session.commit()


def test_the_database_refuses_a_second_start_of_one_run(engine: Engine) -> None:
    _tenants(engine)
    with tenant_session(engine, "musterstadt") as session:
        audit.record(session, "run_started", actor="user:anna", flow_run_id=RUN)
        audit.record(session, "run_finished", actor="flow", flow_run_id=RUN)  # other actions
        session.commit()
        audit.record(session, "run_started", actor="user:carl", flow_run_id=RUN)
        with pytest.raises(IntegrityError):
            session.commit()
    with tenant_session(engine, "nebenan") as session:  # the same id elsewhere is no clash
        audit.record(session, "run_started", actor="user:bernd", flow_run_id=RUN)
        session.commit()


def test_recording_a_start_twice_keeps_one_event(engine: Engine) -> None:
    _tenants(engine)
    for actor in ("user:anna", "user:anna"):
        _audit_start(engine, "musterstadt", actor, RUN, "intake")
    with tenant_session(engine, "musterstadt") as session:
        started = select(func.count()).where(AuditEvent.action == "run_started")
        assert session.scalar(started) == 1
