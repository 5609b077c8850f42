"""Read-side queries for the command line and the pages; always through a tenant session."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from models.db import Case, Document, QuarantineEntry
from models.tenant_scope import TenantSession


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite returns what was stored in UTC without its zone
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def list_cases(
    session: TenantSession,
    *,
    form_type: str | None = None,
    department: str | None = None,
    file_number: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Cases, newest first; no form contents (they hold personal data)."""
    stmt = (
        select(Case, Document.sha256)
        .join(Document, Document.id == Case.document_id)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
    )
    if form_type:
        stmt = stmt.where(Case.form_type == form_type)
    if department:
        stmt = stmt.where(Case.department_code == department)
    if file_number:
        stmt = stmt.where(Case.file_number.contains(file_number, autoescape=True))
    return [
        {
            "file_number": case.file_number,
            "form_type": case.form_type,
            "department": case.department_code,
            "status": case.status,
            "created_at": _iso(case.created_at),
            "document_sha256": sha,
            "acknowledgement": case.acknowledgement,
            "flow_run_id": case.flow_run_id,
        }
        for case, sha in session.execute(stmt)
    ]


def list_quarantine(session: TenantSession, *, limit: int = 1000) -> list[dict[str, Any]]:
    """Quarantined documents with the clerk's reason and the failed fields."""
    stmt = (
        select(QuarantineEntry, Document)
        .join(Document, Document.id == QuarantineEntry.document_id)
        .order_by(QuarantineEntry.created_at.desc(), QuarantineEntry.id.desc())
        .limit(limit)
    )
    return [
        {
            "sha256": doc.sha256,
            "source_name": doc.source_name,
            "kind": doc.kind,
            "form_type": doc.form_type,
            "reason_code": entry.reason_code,
            "reason": entry.reason,
            "fields": entry.details,
            "created_at": _iso(entry.created_at),
            "flow_run_id": entry.flow_run_id,
        }
        for entry, doc in session.execute(stmt)
    ]
