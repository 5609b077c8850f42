"""Audit events: one row per step, with hash, flow run and codes, never personal data."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from models.db import AuditEvent


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    sha256: str | None = None,
    case_id: int | None = None,
    flow_run_id: str | None = None,
    **details: Any,
) -> None:
    """Add an audit event to the session's transaction (committed with the step it records).

    Args:
        session: A tenant session; the event takes its tenant.
        action: What happened (`stored`, `parsed`, `case_created`, ...).
        actor: Who did it (`flow:intake`, `user:<login>`).
        sha256: The input the step worked on.
        case_id: The case concerned, if any.
        flow_run_id: The Prefect flow run, if the step ran in one.
        **details: Codes, counts, hashes, file numbers. No names, addresses or field values.

    """
    session.add(
        AuditEvent(
            action=action,
            actor=actor,
            document_sha256=sha256,
            case_id=case_id,
            flow_run_id=flow_run_id,
            details=details,
        )
    )
