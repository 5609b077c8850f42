"""Paged reads for the pages; always through the tenant's session (no tenant, no rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from models.db import AuditEvent, Case, Document, QuarantineEntry, ReviewItem
from models.tenant_scope import TenantSession
from tasks.decision_failure import MAX_NESTING
from tasks.reasons import STOPPED_CODES

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class CaseFilter:
    """The Vorgänge search (all parts optional)."""

    file_number: str = ""
    form_type: str = ""
    department: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BERLIN).astimezone(UTC)


def cases_page(
    session: TenantSession, flt: CaseFilter, *, offset: int, limit: int
) -> tuple[list[Case], int]:
    """One page of cases (newest first) and the number of all that match."""
    stmt = select(Case)
    if flt.file_number:
        stmt = stmt.where(Case.file_number.contains(flt.file_number, autoescape=True))
    if flt.form_type:
        stmt = stmt.where(Case.form_type == flt.form_type)
    if flt.department:
        stmt = stmt.where(Case.department_code == flt.department)
    if flt.date_from:
        stmt = stmt.where(Case.created_at >= _day_start(flt.date_from))
    if flt.date_to:
        stmt = stmt.where(Case.created_at < _day_start(flt.date_to + timedelta(days=1)))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(
        stmt.order_by(Case.created_at.desc(), Case.id.desc()).offset(offset).limit(limit)
    )
    return list(rows), total


def case_choices(session: TenantSession) -> tuple[list[str], list[str]]:
    """Form types and departments that occur in the tenant's cases (for the filters)."""
    forms = session.scalars(select(Case.form_type).distinct().order_by(Case.form_type))
    departments = session.scalars(
        select(Case.department_code).distinct().order_by(Case.department_code)
    )
    return list(forms), list(departments)


def cases_of_run(session: TenantSession, flow_run_id: str, limit: int = 200) -> list[Case]:
    """Cases a run created (their acknowledgements are the run's documents)."""
    stmt = (
        select(Case).where(Case.flow_run_id == flow_run_id).order_by(Case.file_number).limit(limit)
    )
    return list(session.scalars(stmt))


def count_cases_of_run(session: TenantSession, flow_run_id: str) -> int:
    """How many cases a run created."""
    stmt = select(func.count(Case.id)).where(Case.flow_run_id == flow_run_id)
    return int(session.scalar(stmt) or 0)


def open_reviews(
    session: TenantSession, *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of open classification review items with their document's hash and name."""
    base = select(ReviewItem).where(
        ReviewItem.kind == "classification", ReviewItem.status == "open"
    )
    total = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    stmt = (
        select(ReviewItem, Document.sha256, Document.source_name, Document.kind)
        .join(Document, Document.id == ReviewItem.subject_id)
        .where(ReviewItem.kind == "classification", ReviewItem.status == "open")
        .order_by(ReviewItem.id)
        .offset(offset)
        .limit(limit)
    )
    items = [
        {
            "id": item.id,
            "document_id": item.subject_id,
            "sha256": sha,
            "source_name": name,
            "document_kind": kind,
            "suggestion": item.suggestion,
            "confidence": item.confidence,
            "reasons": [str(r) for r in item.reasons],
            "options": [str(o) for o in item.options],
            "flow_run_id": item.flow_run_id,
        }
        for item, sha, name, kind in session.execute(stmt)
    ]
    return items, total


def reviewed_document(session: TenantSession, review_id: int) -> Document | None:
    """The document of a classification review item of this tenant (open or decided)."""
    item = session.get(ReviewItem, review_id)
    if item is None or item.kind != "classification":
        return None
    return session.get(Document, item.subject_id)


def open_review_options(session: TenantSession, review_id: int) -> list[str] | None:
    """The options of an open review item of this tenant; None when there is none."""
    item = session.get(ReviewItem, review_id)
    if item is None or item.kind != "classification" or item.status != "open":
        return None
    return [str(o) for o in item.options]


#: Reasons whose original a clerk must not open at the workplace: the reader was stopped
#: at its limits, a mark of files built to hang or exhaust a program (the reason says so).
WITHHELD = STOPPED_CODES


def withheld(session: TenantSession, document_id: int) -> bool:
    """Whether the document, or a part inside it (an e-mail's), was stopped at the limits.

    An e-mail's own reason names its first fault only, and an unreadable attachment gets
    no entry of its own: intake records `read_stopped` on a stopped part and on every
    mail holding it (`tasks.stopped_parts`), else the `.eml` would carry it along.
    """
    ids, level = [document_id], [document_id]
    for _ in range(MAX_NESTING):
        level = list(session.scalars(select(Document.id).where(Document.parent_id.in_(level))))
        if not level:
            break
        ids += level
    shas = select(Document.sha256).where(Document.id.in_(ids))
    stopped = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "read_stopped", AuditEvent.document_sha256.in_(shas)
    )
    parked = select(func.count(QuarantineEntry.id)).where(
        QuarantineEntry.document_id.in_(ids), QuarantineEntry.reason_code.in_(WITHHELD)
    )
    return bool(session.scalar(stopped)) or bool(session.scalar(parked))


def quarantine_page(
    session: TenantSession, *, offset: int, limit: int
) -> tuple[list[tuple[QuarantineEntry, Document]], int]:
    """A page of quarantined documents, newest first, and how many there are."""
    total = int(session.scalar(select(func.count(QuarantineEntry.id))) or 0)
    stmt = (
        select(QuarantineEntry, Document)
        .join(Document, Document.id == QuarantineEntry.document_id)
        .order_by(QuarantineEntry.created_at.desc(), QuarantineEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [(entry, doc) for entry, doc in session.execute(stmt)], total


def quarantined(session: TenantSession, entry_id: int) -> tuple[QuarantineEntry, Document] | None:
    """A quarantine entry of this tenant with its document (another tenant's: None)."""
    entry = session.get(QuarantineEntry, entry_id)
    if entry is None:
        return None
    return entry, session.get_one(Document, entry.document_id)


def get_case(session: TenantSession, case_id: int) -> Case | None:
    """A case of this tenant (another tenant's id is not found)."""
    return session.get(Case, case_id)
