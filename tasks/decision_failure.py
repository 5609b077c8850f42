"""A document whose decision broke: counted, and parked in quarantine when it keeps failing.

An unforeseen error (a defect, a broken template) leaves the document `received`, so
the next run tries again: right for a passing fault. A fault that comes back every
time would fail every intake run on the same document for good, and nobody but the
operator reading logs would see the citizen's submission. So each failed run is
counted on the document; once it failed in `Settings.intake_max_attempts` runs over
at least `Settings.intake_give_up_after_h` hours (intake runs every 15 minutes: a count
alone would park a whole morning's forms after one bad release), it goes to quarantine
with the error's type, where a clerk sees it. Errors of the surroundings (the
database, the file system) are not the document's and are not counted.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import InterfaceError, OperationalError

from models.db import Document, DocumentStatus, utcnow
from tasks import audit, reasons
from tasks.decision import claim, quarantine
from tasks.intake_context import FileResult, IntakeContext, Outcome
from tasks.registration import Registered

log = logging.getLogger("amtsflow.intake")
MAX_NESTING = 5
"""Parts inside parts an e-mail can hold (forwarded mails, `MAX_FORWARD_DEPTH` 3)."""
_SURROUNDINGS = (OSError, OperationalError, InterfaceError)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def count_failure(
    ctx: IntakeContext, reg: Registered, error_type: str
) -> tuple[int, datetime] | None:
    """Add one failed run (own transaction): attempts and first failure; None if decided."""
    with ctx.session() as session:
        session.execute(
            update(Document)
            .where(Document.id == reg.document_id, Document.status == DocumentStatus.RECEIVED)
            .values(
                failed_attempts=Document.failed_attempts + 1,
                first_failed_at=func.coalesce(Document.first_failed_at, utcnow()),
            )
        )
        doc = session.get_one(Document, reg.document_id)
        if doc.status != DocumentStatus.RECEIVED or doc.first_failed_at is None:
            session.rollback()
            return None
        attempts, since = doc.failed_attempts, _aware(doc.first_failed_at)
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
    return attempts, since


def park(ctx: IntakeContext, reg: Registered, error_type: str, attempts: int) -> FileResult:
    """Quarantine the document, and whatever was registered inside it, for good."""
    with ctx.session() as session:
        if not claim(session, reg.document_id):
            session.rollback()
            return FileResult(reg.sha256, Outcome.DUPLICATE, reg.form_type)
        doc = session.get_one(Document, reg.document_id)
        reason = reasons.internal_error(error_type, attempts)
        quarantine(session, ctx, doc, reason, doc.form_type)
        parents = [doc.id]
        for _ in range(MAX_NESTING):  # an e-mail's parts, a forwarded mail's parts, ...
            parts = session.scalars(
                select(Document).where(
                    Document.parent_id.in_(parents), Document.status == DocumentStatus.RECEIVED
                )
            ).all()
            for part in parts:
                part.status, part.decided_at = DocumentStatus.ATTACHMENT, utcnow()
            parents = [part.id for part in parts]
            if not parents:
                break
        session.commit()
        return FileResult(reg.sha256, Outcome.QUARANTINED, doc.form_type, reason_code=reason.code)


def after_failure(ctx: IntakeContext, reg: Registered, error: BaseException) -> FileResult:
    """What a failed decision ends as in this run: an error to retry, or quarantine.

    Never raises: if even the counting fails (the database is gone), the document
    stays `received` uncounted and the run reports the error.
    """
    retry = FileResult(reg.sha256, Outcome.UNREADABLE, reason_code="internal_error")
    if isinstance(error, _SURROUNDINGS):
        return retry
    error_type = type(error).__name__
    try:
        counted = count_failure(ctx, reg, error_type)
        if counted is None:
            return FileResult(reg.sha256, Outcome.DUPLICATE, reg.form_type)
        attempts, since = counted
        settings = ctx.settings
        waited = utcnow() - since >= timedelta(hours=settings.intake_give_up_after_h)
        if attempts < settings.intake_max_attempts or not waited:
            return retry
        return park(ctx, reg, error_type, attempts)
    except Exception as exc:  # its text may quote field values: type only
        log.error("Fehlversuch für %s nicht vermerkt: %s", reg.sha256[:12], type(exc).__name__)
        return retry
