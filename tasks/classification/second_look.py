"""A second look at clerks' decisions the newly trained model contradicts.

A clerk's decision outranks everything in the training set, so a slip of the mouse
("Gewerbe" for a dog-tax form) is learnt and repeated. When a model that had not seen
the document is as sure of another label as it must be to file without a clerk, the
document goes back to the review queue once, with the model's suggestion and the first
decision named in the reason. Whatever the second clerk decides is final: a document
decided twice is never sent back again, so the queue cannot loop.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from connectors.trained_model import DoubtfulLabel
from models.classification import Prediction
from models.db import Document, ReviewItem
from models.tenant_scope import TenantSession
from tasks import audit
from tasks.classification.review import KIND, open_review
from tasks.classification.training_data import TrainingSet


def request_second_looks(
    session: TenantSession,
    examples: TrainingSet,
    doubts: Sequence[DoubtfulLabel],
    options: list[str],
    model_version: str,
    flow_run_id: str | None,
) -> int:
    """Open a review for each doubted clerk's decision decided only once; returns how many.

    Adds to the session's transaction (committed with the training's audit event); two
    queries however many doubts, not two per doubt.
    """
    decisions = {
        doc_id: doubt
        for doubt in doubts
        if examples.origins[doubt.index] == "clerks"
        and (doc_id := examples.document_ids[doubt.index]) is not None
    }
    if not decisions:
        return 0
    reviews: dict[int, list[str]] = {}
    for subject, status in session.execute(
        select(ReviewItem.subject_id, ReviewItem.status).where(
            ReviewItem.kind == KIND,
            ReviewItem.subject_id.in_(sorted(decisions)),
            ReviewItem.status != "superseded",  # closed unseen: no look by a clerk
        )
    ):
        reviews.setdefault(subject, []).append(status)
    hashes = dict(
        session.execute(select(Document.id, Document.sha256).where(Document.id.in_(decisions)))
        .tuples()
        .all()
    )
    opened = 0
    for doc_id, doubt in decisions.items():
        if reviews.get(doc_id) != ["decided"]:
            continue  # still open, or already looked at twice
        reason = (
            f"Zweite Prüfung: entschieden war „{doubt.label}“, das neue Modell "
            f"({model_version}) hält „{doubt.suggested}“ für sicher"
        )
        suggestion = Prediction(
            label=None,
            candidate=doubt.suggested,
            confidence=min(max(doubt.confidence, 0.0), 1.0),
            backend="trained",
            reasons=[reason],
        )
        open_review(session, doc_id, suggestion, options, flow_run_id)
        audit.record(
            session,
            "second_look_requested",
            actor="flow:retrain",
            sha256=hashes[doc_id],
            flow_run_id=flow_run_id,
            model_version=model_version,
            decision=doubt.label,
            suggestion=doubt.suggested,
            confidence=round(doubt.confidence, 4),
        )
        opened += 1
    return opened
