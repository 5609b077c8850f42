"""Classify a tenant's unclassified documents: extract, predict, record, park for review.

Predictions are written per batch in one transaction with their audit events; a
document whose backends could not answer (e.g. Ollama down) is recorded `failed` and
tried again by the next run, never guessed. So is every document of a batch that broke
on anything else (`classify_batch_guarded`), so one bad batch cannot hold up the rest.

Runs of one municipality may overlap (the nightly run's subflow is not held back by the
deployment's concurrency limit, and a clerk may start one from the dashboard). Each
batch records under the tenant's classification lock and leaves alone a document that
another run has classified since it was picked: one result, one review per document.
"""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, or_, select

from connectors.database import tenant_session
from connectors.database.locks import hold_write_lock
from connectors.database.upsert import upsert
from connectors.documents import DocumentParser
from connectors.storage import TenantStorage
from models.classification import ClassificationError, Classifier, Prediction
from models.db import (
    Classification,
    ClassificationStatus,
    Document,
    DocumentStatus,
    DocumentText,
    utcnow,
)
from models.tenant import Tenant
from models.tenant_scope import TenantSession
from tasks import audit
from tasks.classification.extract import ClassificationText, ParseLimits, classification_text
from tasks.classification.review import open_review, supersede_open_reviews

CLASSIFIABLE_KINDS = ("pdf", "docx", "eml", "json")


@dataclass
class ClassifyContext:
    """What one classification run shares."""

    tenant: Tenant
    engine: Engine
    storage: TenantStorage
    parser: DocumentParser
    classifier: Classifier
    options: list[str]
    model_version: str | None
    prompt_version: str | None
    flow_run_id: str | None = None
    actor: str = "flow:classify"
    limits: ParseLimits = field(default_factory=ParseLimits.from_settings)

    def session(self) -> TenantSession:
        """A session on this tenant's rows only."""
        return tenant_session(self.engine, self.tenant.slug)


def pending_documents(ctx: ClassifyContext, limit: int) -> list[tuple[int, str]]:
    """Decided documents without a label yet (or whose last attempt failed)."""
    with ctx.session() as session:
        stmt = (
            select(Document.id, Document.sha256)
            .outerjoin(Classification, Classification.document_id == Document.id)
            .where(
                Document.status.in_(sorted(DocumentStatus.FINAL)),
                Document.kind.in_(CLASSIFIABLE_KINDS),
                or_(
                    Classification.id.is_(None),
                    Classification.status == ClassificationStatus.FAILED,
                ),
            )
            .order_by(Document.id)
            .limit(limit)
        )
        return [(row.id, row.sha256) for row in session.execute(stmt)]


def extract(ctx: ClassifyContext, docs: Sequence[tuple[int, str]]) -> dict[int, ClassificationText]:
    """Texts for the documents: stored ones reused, the rest parsed in the limited pool.

    The text of an unreadable document is not stored: a timeout under load should not
    become that document's text for every later retraining.
    """
    ids = [doc_id for doc_id, _ in docs]
    with ctx.session() as session:
        known = {
            t.document_id: ClassificationText(t.text, t.needs_ocr)
            for t in session.scalars(select(DocumentText).where(DocumentText.document_id.in_(ids)))
        }
        paths = {ctx.storage.path_for(sha): doc_id for doc_id, sha in docs if doc_id not in known}
        rows = []
        for path, parsed in ctx.parser.parse_many(list(paths)):
            text = classification_text(parsed, ctx.limits)
            known[paths[path]] = text
            if text.unreadable is None:
                rows.append(
                    {"document_id": paths[path], "text": text.text, "needs_ocr": text.needs_ocr}
                )
        # an overlapping run may have stored the same text meanwhile: same bytes, same text
        upsert(session, DocumentText, rows, key=("tenant_id", "document_id"))
        session.commit()
    return known


def _record(
    session: TenantSession,
    ctx: ClassifyContext,
    doc_id: int,
    sha: str,
    status: str,
    prediction: Prediction | None,
    reasons: list[str],
) -> None:
    row = session.scalar(select(Classification).where(Classification.document_id == doc_id))
    if row is None:
        row = Classification(document_id=doc_id, status=status, backend="none")
        session.add(row)
    row.status = status
    row.label = prediction.label if prediction else None
    row.suggestion = prediction.candidate if prediction else None
    row.confidence = prediction.confidence if prediction else 0.0
    row.backend = prediction.backend if prediction else "none"
    row.model_version, row.prompt_version = ctx.model_version, ctx.prompt_version
    row.reasons, row.flow_run_id, row.created_at = reasons, ctx.flow_run_id, utcnow()
    audit.record(
        session,
        "classified",
        actor=ctx.actor,
        sha256=sha,
        flow_run_id=ctx.flow_run_id,
        status=status,
        label=row.label,
        suggestion=row.suggestion,
        confidence=round(row.confidence, 4),
        backend=row.backend,
        model_version=ctx.model_version,
        prompt_version=ctx.prompt_version,
    )


def lock_name(ctx: ClassifyContext) -> str:
    """The lock under which a batch of this tenant's classifications is recorded."""
    return f"amtsflow:classify:{ctx.tenant.slug}"


def _done_elsewhere(session: TenantSession, doc_ids: Sequence[int]) -> set[int]:
    """Documents of the batch another run has classified since this one picked them.

    A batch picks documents without a result or whose last attempt failed; one that has
    any other result now was recorded by an overlapping run, which keeps it.
    """
    stmt = select(Classification.document_id).where(
        Classification.document_id.in_(list(doc_ids)),
        Classification.status != ClassificationStatus.FAILED,
    )
    return set(session.scalars(stmt))


def classify_batch(ctx: ClassifyContext, docs: Sequence[tuple[int, str]]) -> Counter[str]:
    """Classify one batch; returns counts by outcome (`auto`, `review`, ...) and label."""
    texts = extract(ctx, docs)
    readable = [
        (doc_id, sha)
        for doc_id, sha in docs
        if not texts[doc_id].needs_ocr and texts[doc_id].unreadable is None
    ]
    counts: Counter[str] = Counter()
    try:
        predictions = ctx.classifier.classify([texts[d].text for d, _ in readable])
        failure = None
    except ClassificationError as exc:
        predictions, failure = [], str(exc)
    with ctx.session() as session:
        hold_write_lock(session, lock_name(ctx))
        done = _done_elsewhere(session, [doc_id for doc_id, _ in docs])
        if done:
            counts["elsewhere"] += len(done)
            docs = [(d, sha) for d, sha in docs if d not in done]
            keep = [i for i, (d, _) in enumerate(readable) if d not in done]
            readable = [readable[i] for i in keep]
            predictions = [predictions[i] for i in keep] if failure is None else []
        for doc_id, sha in docs:
            if texts[doc_id].needs_ocr:
                reason = "PDF ohne Textebene: braucht Texterkennung (OCR)"
                _record(session, ctx, doc_id, sha, ClassificationStatus.NEEDS_OCR, None, [reason])
                counts[ClassificationStatus.NEEDS_OCR] += 1
            elif (unreadable := texts[doc_id].unreadable) is not None:
                status = ClassificationStatus.UNREADABLE
                _record(session, ctx, doc_id, sha, status, None, [unreadable])
                counts[status] += 1
        if failure is not None:
            for doc_id, sha in readable:
                _record(session, ctx, doc_id, sha, ClassificationStatus.FAILED, None, [failure])
            counts[ClassificationStatus.FAILED] += len(readable)
        answered = readable if failure is None else []
        labelled: list[int] = []
        for (doc_id, sha), prediction in zip(answered, predictions, strict=True):
            if prediction.failed:  # the backend had no answer for it: asked again next run
                status = ClassificationStatus.FAILED
                _record(session, ctx, doc_id, sha, status, None, list(prediction.reasons))
                counts[status] += 1
                continue
            if prediction.label is not None:
                status = ClassificationStatus.AUTO
                counts[f"label:{prediction.label}"] += 1
                labelled.append(doc_id)
            else:
                status = ClassificationStatus.REVIEW
                open_review(session, doc_id, prediction, ctx.options, ctx.flow_run_id)
            _record(session, ctx, doc_id, sha, status, prediction, list(prediction.reasons))
            counts[status] += 1
            counts[f"backend:{prediction.backend}"] += 1
        supersede_open_reviews(session, labelled)
        session.commit()
    return counts


def classify_batch_guarded(ctx: ClassifyContext, docs: Sequence[tuple[int, str]]) -> Counter[str]:
    """`classify_batch`, but a batch that breaks on anything is parked, not lost.

    Its documents are recorded `failed` (the next run tries them again) and the counts
    carry `error:<type> at <file>:<line>`, which the flow reports and fails on after
    the other batches are done. Only the exception's type and place are kept: its
    message may quote a database row, i.e. citizens' data.
    """
    try:
        return classify_batch(ctx, docs)
    except Exception as exc:  # anything: the batch's documents must not vanish
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno}"
        reason = f"Interner Fehler ({type(exc).__name__}); der nächste Lauf versucht es erneut"
        with ctx.session() as session:
            hold_write_lock(session, lock_name(ctx))
            done = _done_elsewhere(session, [doc_id for doc_id, _ in docs])
            parked = [(doc_id, sha) for doc_id, sha in docs if doc_id not in done]
            for doc_id, sha in parked:  # never over another run's result
                _record(session, ctx, doc_id, sha, ClassificationStatus.FAILED, None, [reason])
            session.commit()
        return Counter({ClassificationStatus.FAILED: len(parked), f"error:{where}": 1})
