"""A document whose decision broke: counted, and parked in quarantine at the limit.

An unforeseen error (a defect, a broken template, a full disk) leaves the document
`received`, so the next run tries again: right for a passing fault. A fault that comes
back every time would fail every night's run on the same document, and nobody but the
operator reading logs would see the citizen's submission. So each failed run is
counted on the document, and after `Settings.intake_max_attempts` runs it goes to
quarantine with the error's type, where a clerk sees it and the nights stay green.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from models.db import Document, DocumentStatus, utcnow
from tasks import audit, reasons
from tasks.decision import claim, quarantine
from tasks.intake_context import FileResult, IntakeContext, Outcome
from tasks.registration import Registered

log = logging.getLogger("amtsflow.intake")


def count_failure(ctx: IntakeContext, reg: Registered, error_type: str) -> int | None:
    """Add one failed run to the document (own transaction); None if it was decided."""
    with ctx.session() as session:
        session.execute(
            update(Document)
            .where(Document.id == reg.document_id, Document.status == DocumentStatus.RECEIVED)
            .values(failed_attempts=Document.failed_attempts + 1)
        )
        doc = session.get_one(Document, reg.document_id)
        if doc.status != DocumentStatus.RECEIVED:
            session.rollback()
            return None
        attempts = doc.failed_attempts
        audit.record(
            session,
            "decision_failed",
            actor=ctx.actor,
            sha256=reg.sha256,
            flow_run_id=ctx.flow_run_id,
            error=error_type,
            attempt=attempts,
        )
        session.commit()
    return attempts


def park(ctx: IntakeContext, reg: Registered, error_type: str, attempts: int) -> FileResult:
    """Quarantine the document, and any attachment registered under it, for good."""
    with ctx.session() as session:
        if not claim(session, reg.document_id):
            session.rollback()
            return FileResult(reg.sha256, Outcome.DUPLICATE, reg.form_type)
        doc = session.get_one(Document, reg.document_id)
        reason = reasons.internal_error(error_type, attempts)
        quarantine(session, ctx, doc, reason, doc.form_type)
        children = select(Document).where(
            Document.parent_id == doc.id, Document.status == DocumentStatus.RECEIVED
        )
        for child in session.scalars(children):  # an e-mail's parts: kept beside it
            child.status, child.decided_at = DocumentStatus.ATTACHMENT, utcnow()
        session.commit()
        return FileResult(reg.sha256, Outcome.QUARANTINED, doc.form_type, reason_code=reason.code)


def after_failure(ctx: IntakeContext, reg: Registered, error_type: str) -> FileResult:
    """What a failed decision ends as in this run: an error to retry, or quarantine.

    Never raises: if even the counting fails (the database is gone), the document
    stays `received` uncounted and the run reports the error.
    """
    retry = FileResult(reg.sha256, Outcome.UNREADABLE, reason_code="internal_error")
    try:
        attempts = count_failure(ctx, reg, error_type)
        if attempts is None:
            return FileResult(reg.sha256, Outcome.DUPLICATE, reg.form_type)
        if attempts < ctx.settings.intake_max_attempts:
            return retry
        return park(ctx, reg, error_type, attempts)
    except Exception as exc:  # its text may quote field values: type only
        log.error("Fehlversuch für %s nicht vermerkt: %s", reg.sha256[:12], type(exc).__name__)
        return retry
