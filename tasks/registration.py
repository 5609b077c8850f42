"""Register stored originals; decides early what is a duplicate.

An original is stored before anything reads it, then registered with status
`received` in its own short transaction: if the process dies later, the next run finds
it `received` and processes it again; once decided, it is a duplicate for every run.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from connectors.storage import StoredObject
from models.db import Document, DocumentStatus
from tasks import audit
from tasks.intake_context import IntakeContext


@dataclass(frozen=True, slots=True)
class Registered:
    """A registered original and whether it still needs a decision."""

    document_id: int
    sha256: str
    status: str
    parent_id: int | None
    form_type: str | None
    duplicate: bool


def register(
    ctx: IntakeContext,
    stored: StoredObject,
    source_name: str | None,
    parent_id: int | None = None,
) -> Registered:
    """Record an original (idempotent by tenant and hash)."""
    sha = stored.sha256
    with ctx.session() as session:
        doc = session.scalar(select(Document).where(Document.sha256 == sha))
        if doc is None:
            doc = Document(
                sha256=sha,
                size=stored.size,
                source_name=(source_name or "")[:255] or None,
                parent_id=parent_id,
                status=DocumentStatus.RECEIVED,
            )
            session.add(doc)
            audit.record(
                session,
                "stored",
                actor=ctx.actor,
                sha256=sha,
                flow_run_id=ctx.flow_run_id,
                size=stored.size,
                attachment=parent_id is not None,
            )
            try:
                session.commit()
            except IntegrityError:  # a concurrent run registered it a moment ago
                session.rollback()
                ctx.seen.add(sha)
                return Registered(0, sha, DocumentStatus.RECEIVED, parent_id, None, True)
            ctx.seen.add(sha)
            return Registered(doc.id, sha, doc.status, parent_id, None, False)
        duplicate = doc.status in DocumentStatus.FINAL or sha in ctx.seen
        ctx.seen.add(sha)
        if duplicate:
            audit.record(
                session,
                "duplicate",
                actor=ctx.actor,
                sha256=sha,
                flow_run_id=ctx.flow_run_id,
                status=doc.status,
            )
            session.commit()
        return Registered(doc.id, sha, doc.status, doc.parent_id, doc.form_type, duplicate)
