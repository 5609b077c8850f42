"""The clerk's review queue for document labels: open, list, decide.

Every path to a decision (command line, clerks' pages, a paused Prefect run's form) ends
in `decide`, so each is audited the same way and feeds the next training run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update

from models.classification import Prediction
from models.db import Classification, ClassificationStatus, Document, ReviewItem, utcnow
from models.tenant_scope import TenantSession
from tasks import audit

KIND = "classification"
STATUSES = ("open", "decided")
MIN_USER, MAX_USER = 2, 80
"""Who decided is part of the audit: not empty, and within its column."""


class ReviewError(LookupError):
    """A decision that cannot be taken (unknown id, already decided, label not allowed)."""


def open_review(
    session: TenantSession,
    document_id: int,
    prediction: Prediction,
    options: list[str],
    flow_run_id: str | None,
) -> ReviewItem:
    """Park a document for a clerk, with the machine's suggestion and its reasons.

    A document has at most one open item (a partial unique index says so). One still
    open from an earlier attempt, e.g. left by an overlapping run before the document's
    result was recorded failed, is brought up to date instead of a second one failing
    the whole batch on that index every night.
    """
    item = session.scalar(
        select(ReviewItem).where(
            ReviewItem.kind == KIND,
            ReviewItem.subject_id == document_id,
            ReviewItem.status == "open",
        )
    )
    if item is None:
        item = ReviewItem(kind=KIND, subject_id=document_id)
        session.add(item)
    item.suggestion = prediction.candidate
    item.confidence = prediction.confidence
    item.reasons = list(prediction.reasons)
    item.options = options
    item.flow_run_id = flow_run_id
    return item


def supersede_open_reviews(session: TenantSession, document_ids: Sequence[int]) -> int:
    """Close the documents' open items once a run has labelled them without a clerk.

    Such an item is left from an earlier attempt; a clerk deciding it now would overrule
    a newer result they never saw. One statement per batch; returns how many closed.
    """
    if not document_ids:
        return 0
    result = session.execute(
        update(ReviewItem)
        .where(
            ReviewItem.kind == KIND,
            ReviewItem.subject_id.in_(list(document_ids)),
            ReviewItem.status == "open",
        )
        .values(status="superseded")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def list_reviews(session: TenantSession, *, status: str = "open") -> list[dict[str, Any]]:
    """Review items with the document's hash (no content: the clerk opens the original)."""
    stmt = (
        select(ReviewItem, Document.sha256, Document.source_name)
        .join(Document, Document.id == ReviewItem.subject_id)
        .where(ReviewItem.kind == KIND, ReviewItem.status == status)
        .order_by(ReviewItem.id)
    )
    return [
        {
            "id": item.id,
            "document_sha256": sha,
            "source_name": name,
            "suggestion": item.suggestion,
            "confidence": round(item.confidence, 4),
            "reasons": item.reasons,
            "options": item.options,
            "status": item.status,
            "decision": item.decision,
            "decided_by": item.decided_by,
        }
        for item, sha, name in session.execute(stmt)
    ]


def decide(session: TenantSession, review_id: int, label: str, user: str) -> dict[str, Any]:
    """Confirm or correct a label; commits, audits, and returns what was decided."""
    who = user.strip()
    if not MIN_USER <= len(who) <= MAX_USER or not who.isprintable():
        raise ReviewError(
            f"Wer entscheidet? Ein Kürzel von {MIN_USER} bis {MAX_USER} Zeichen angeben "
            "(es steht im Protokoll)"
        )
    user = who
    item = session.get(ReviewItem, review_id)  # another tenant's id is simply not found
    if item is None or item.kind != KIND:
        raise ReviewError(f"Prüfauftrag {review_id} gibt es nicht")
    if item.status != "open":
        raise ReviewError(f"Prüfauftrag {review_id} ist bereits entschieden")
    if label not in item.options:
        raise ReviewError(f"Kategorie {label!r} ist nicht erlaubt: {', '.join(item.options)}")
    now = utcnow()
    claimed = session.execute(  # atomic: of two clerks deciding at once, one gets it
        update(ReviewItem)
        .where(ReviewItem.id == item.id, ReviewItem.status == "open")
        .values(status="decided", decision=label, decided_by=user, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise ReviewError(f"Prüfauftrag {review_id} ist bereits entschieden")
    session.refresh(item)
    result = session.scalar(
        select(Classification).where(Classification.document_id == item.subject_id)
    )
    doc = session.get_one(Document, item.subject_id)
    status = (
        ClassificationStatus.CONFIRMED
        if label == item.suggestion
        else ClassificationStatus.CORRECTED
    )
    if result is not None:
        result.status, result.label, result.decided_by, result.decided_at = (
            status,
            label,
            user,
            now,
        )
    audit.record(
        session,
        "label_decided",
        actor=f"user:{user}",
        sha256=doc.sha256,
        review_id=item.id,
        suggestion=item.suggestion,
        decision=label,
        outcome=status,
        model_version=result.model_version if result else None,
        prompt_version=result.prompt_version if result else None,
    )
    session.commit()
    return {
        "id": item.id,
        "document_sha256": doc.sha256,
        "decision": label,
        "status": status,
        "decided_by": user,
    }
