"""Decide one parsed document: a case in the right department, or quarantine.

Each decision is one transaction: the case (with its file number and the
acknowledgement written just before commit), the document's final status and the
audit events commit together or not at all, so a crash can neither lose nor double one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.documents import ParsedDocument
from models.db import Case, Document, DocumentStatus, QuarantineEntry, utcnow
from models.forms import FORM_TYPES, MunicipalForm, detect_form_type, validate_form
from tasks import acknowledgement, audit, reasons
from tasks.file_numbers import ensure_counter, next_file_number
from tasks.intake_context import FileResult, IntakeContext, Outcome
from tasks.reasons import Reason
from tasks.registration import Registered


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A parsed document's verdict before anything is written."""

    form_type: str | None
    form: MunicipalForm | None
    reason: Reason | None


def evaluate(ctx: IntakeContext, parsed: ParsedDocument) -> Evaluation:
    """Detect and validate the form; pure apart from reading the tenant's routing."""
    if not parsed.ok:
        limits = ctx.settings
        reason = reasons.for_parse_failure(
            parsed, timeout_s=limits.parse_timeout_s, max_mb=limits.max_file_mb
        )
        return Evaluation(None, None, reason)
    form_type = detect_form_type(parsed.fields, parsed.title, parsed.text)
    if form_type is None:
        return Evaluation(None, None, reasons.unknown_form(parsed))
    title = FORM_TYPES[form_type].title
    validation = validate_form(form_type, parsed.fields)
    if validation.form is None:
        return Evaluation(form_type, None, reasons.invalid_fields(title, validation.errors))
    if ctx.tenant.department_for(form_type) is None:
        return Evaluation(form_type, None, reasons.no_department(title))
    return Evaluation(form_type, validation.form, None)


def filing_year() -> int:
    """The year in file numbers: the year of filing, in the municipality's time zone."""
    return datetime.now(acknowledgement.BERLIN).year


def prepare_counter(ctx: IntakeContext, form_type: str, year: int) -> None:
    """Make sure the file-number counter exists (own transaction, before the case's)."""
    department = ctx.tenant.department_for(form_type)
    if department is None or (department.code, year) in ctx.counters:
        return
    with ctx.session() as session:
        ensure_counter(session, ctx.tenant.slug, department.code, year)
    ctx.counters.add((department.code, year))


def accept(
    session: Session, ctx: IntakeContext, doc: Document, form_type: str, form: MunicipalForm
) -> Case:
    """Create the case, take its file number, write the acknowledgement (not committed)."""
    department = ctx.tenant.department_for(form_type)
    assert department is not None
    received = doc.received_at
    year = filing_year()
    file_number = next_file_number(session, ctx.tenant, department, year)
    case = Case(
        file_number=file_number,
        form_type=form_type,
        department_code=department.code,
        document_id=doc.id,
        data=form.model_dump(mode="json"),
        flow_run_id=ctx.flow_run_id,
    )
    session.add(case)
    session.flush()
    ack = acknowledgement.values(ctx.tenant, department, form, file_number, received)
    path = acknowledgement.output_path(ctx.storage, file_number, year)
    ctx.storage.write_atomic(path, ctx.template.render(ack))
    case.acknowledgement = str(path.relative_to(ctx.storage.root))
    doc.status, doc.form_type, doc.case_id, doc.decided_at = (
        DocumentStatus.ACCEPTED,
        form_type,
        case.id,
        utcnow(),
    )
    common: dict[str, Any] = {
        "actor": ctx.actor,
        "sha256": doc.sha256,
        "flow_run_id": ctx.flow_run_id,
    }
    audit.record(session, "validated", **common, form_type=form_type, errors=0)
    audit.record(session, "case_created", **common, case_id=case.id, file_number=file_number)
    audit.record(session, "routed", **common, case_id=case.id, department=department.code)
    audit.record(session, "acknowledged", **common, case_id=case.id, file=case.acknowledgement)
    return case


def quarantine(
    session: Session, ctx: IntakeContext, doc: Document, reason: Reason, form_type: str | None
) -> None:
    """Park a document with its reason; the original stays in the store."""
    details = [e.model_dump() for e in reason.details]
    session.add(
        QuarantineEntry(
            document_id=doc.id,
            reason_code=reason.code,
            reason=reason.text,
            details=details,
            flow_run_id=ctx.flow_run_id,
        )
    )
    doc.status, doc.form_type, doc.decided_at = DocumentStatus.QUARANTINED, form_type, utcnow()
    audit.record(
        session,
        "quarantined",
        actor=ctx.actor,
        sha256=doc.sha256,
        flow_run_id=ctx.flow_run_id,
        reason_code=reason.code,
        fields=[d["field"] for d in details],
    )
    note = {
        "sha256": doc.sha256,
        "datei": doc.source_name,
        "grund_code": reason.code,
        "grund": reason.text,
        "felder": details,
        "zeitpunkt": datetime.now().isoformat(),
    }
    ctx.storage.write_atomic(
        ctx.storage.quarantine_note(doc.sha256),
        json.dumps(note, ensure_ascii=False, indent=2).encode(),
    )


def claim(session: Session, document_id: int) -> bool:
    """Take a `received` document for this transaction's decision; False if it is decided.

    Two runs of one municipality (a clerk's CLI run beside the scheduled one) may both
    find a document waiting, and their verdicts can differ (a parse timeout under load).
    The conditional update locks the row (PostgreSQL) or waits for the writer (SQLite),
    so the second run finds it decided and reports a duplicate instead of overwriting.
    """
    taken = session.execute(
        update(Document)
        .where(Document.id == document_id, Document.status == DocumentStatus.RECEIVED)
        .values(decided_at=utcnow())
    )
    return bool(getattr(taken, "rowcount", 0) == 1)


def decide_single(ctx: IntakeContext, reg: Registered, parsed: ParsedDocument) -> FileResult:
    """Decide a document that is not an e-mail."""
    verdict = evaluate(ctx, parsed)
    if verdict.form is not None and verdict.form_type is not None:
        prepare_counter(ctx, verdict.form_type, filing_year())
    with ctx.session() as session:
        if not claim(session, reg.document_id):
            session.rollback()
            return FileResult(reg.sha256, Outcome.DUPLICATE, verdict.form_type)
        doc = session.get_one(Document, reg.document_id)
        doc.kind = parsed.kind.value
        audit.record(
            session,
            "parsed",
            actor=ctx.actor,
            sha256=doc.sha256,
            flow_run_id=ctx.flow_run_id,
            kind=parsed.kind.value,
            failure=parsed.failure,
            form_type=verdict.form_type,
        )
        if verdict.form is None or verdict.form_type is None:
            assert verdict.reason is not None
            quarantine(session, ctx, doc, verdict.reason, verdict.form_type)
            session.commit()
            return FileResult(
                doc.sha256, Outcome.QUARANTINED, verdict.form_type, reason_code=verdict.reason.code
            )
        try:
            case = accept(session, ctx, doc, verdict.form_type, verdict.form)
            session.commit()
        except IntegrityError:  # a concurrent run decided this document first
            session.rollback()
            return FileResult(reg.sha256, Outcome.DUPLICATE, verdict.form_type)
        return FileResult(doc.sha256, Outcome.ACCEPTED, verdict.form_type, (case.file_number,))
