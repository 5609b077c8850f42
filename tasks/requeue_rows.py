"""The database side of sending a parked document through intake again.

Lifting a document out of quarantine and, when its file could not be placed, putting
it back exactly as it was: each a guarded change, so that a second operator or an
intake run acting at the same moment is noticed instead of overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from models.db import Document, DocumentStatus, QuarantineEntry, utcnow
from models.tenant_scope import TenantSession
from tasks.decision_failure import MAX_NESTING


class ChangedMeanwhileError(RuntimeError):
    """The document's state changed between reading and writing it."""


@dataclass(frozen=True)
class Parked:
    """What a lifted quarantine held, to restore it if the file cannot be placed."""

    document_id: int
    form_type: str | None
    failed_attempts: int
    first_failed_at: datetime | None
    reason_code: str
    reason: str
    details: list[Any]
    flow_run_id: str | None
    created_at: datetime
    parts: list[int] = field(default_factory=list)


def _reopen_parts(session: TenantSession, document_id: int) -> list[int]:
    """Parts set aside with their parked e-mail wait again, to be decided with it."""
    reopened: list[int] = []
    parents = [document_id]
    for _ in range(MAX_NESTING):
        parts = session.scalars(
            select(Document.id).where(
                Document.parent_id.in_(parents), Document.status == DocumentStatus.ATTACHMENT
            )
        ).all()
        if not parts:
            break
        session.execute(
            update(Document)
            .where(Document.id.in_(parts), Document.status == DocumentStatus.ATTACHMENT)
            .values(status=DocumentStatus.RECEIVED, decided_at=None)
        )
        reopened += parts
        parents = list(parts)
    return reopened


def lift(session: TenantSession, doc: Document, entry: QuarantineEntry) -> Parked:
    """Mark a quarantined document `received` again (in the session's transaction).

    Raises:
        ChangedMeanwhileError: it is not quarantined any more (another operator).

    """
    parked = Parked(
        doc.id,
        doc.form_type,
        doc.failed_attempts,
        doc.first_failed_at,
        entry.reason_code,
        entry.reason,
        list(entry.details),
        entry.flow_run_id,
        entry.created_at,
    )
    done = session.execute(
        update(Document)
        .where(Document.id == doc.id, Document.status == DocumentStatus.QUARANTINED)
        .values(
            status=DocumentStatus.RECEIVED,
            decided_at=None,
            form_type=None,
            failed_attempts=0,
            first_failed_at=None,
        )
    )
    if getattr(done, "rowcount", 0) != 1:
        raise ChangedMeanwhileError(doc.sha256)
    lifted = session.execute(delete(QuarantineEntry).where(QuarantineEntry.document_id == doc.id))
    if getattr(lifted, "rowcount", 0) != 1:  # put back by another retry meanwhile
        raise ChangedMeanwhileError(doc.sha256)
    parked.parts.extend(_reopen_parts(session, doc.id))
    return parked


def restore(session: TenantSession, parked: Parked) -> bool:
    """Put a lifted document back into quarantine as it was; False if intake took it."""
    done = session.execute(
        update(Document)
        .where(Document.id == parked.document_id, Document.status == DocumentStatus.RECEIVED)
        .values(
            status=DocumentStatus.QUARANTINED,
            decided_at=utcnow(),
            form_type=parked.form_type,
            failed_attempts=parked.failed_attempts,
            first_failed_at=parked.first_failed_at,
        )
    )
    if getattr(done, "rowcount", 0) != 1:
        return False
    session.add(
        QuarantineEntry(
            document_id=parked.document_id,
            reason_code=parked.reason_code,
            reason=parked.reason,
            details=parked.details,
            flow_run_id=parked.flow_run_id,
            created_at=parked.created_at,
        )
    )
    if parked.parts:
        session.execute(
            update(Document)
            .where(Document.id.in_(parked.parts), Document.status == DocumentStatus.RECEIVED)
            .values(status=DocumentStatus.ATTACHMENT, decided_at=utcnow())
        )
    return True
