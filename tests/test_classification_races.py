"""Two runs or two clerks at once: one result, one review, one decision per document."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from connectors.database import make_engine, tenant_session, upgrade
from connectors.documents import ParserPool
from models.classification import Prediction
from models.db import AuditEvent, Classification, ReviewItem, Tenant
from tasks.classification import review as review_module
from tasks.classification.review import ReviewError, decide, list_reviews
from tasks.classification.run import classify_batch, classify_batch_guarded, pending_documents
from tests.test_classification_flow_steps import FakeClassifier, _ctx, filled  # noqa: F401

pytestmark = pytest.mark.timeout(180)


def test_overlapping_runs_leave_one_result_and_one_review_per_document(
    filled: Path,  # noqa: F811
) -> None:
    with ParserPool(workers=1) as pool:
        first, second = _ctx(FakeClassifier(), pool), _ctx(FakeClassifier(), pool)
        picked_by_first = pending_documents(first, 1000)
        picked_by_second = pending_documents(second, 1000)  # before the first records
        assert picked_by_first == picked_by_second
        done = classify_batch(first, picked_by_first)
        late = classify_batch(second, picked_by_second)
        assert late["elsewhere"] == len(picked_by_second)
        assert late["review"] == late["auto"] == 0
        broken = _ctx(FakeClassifier(), pool)
        broken.classifier.broken = RuntimeError("kaputt")  # type: ignore[attr-defined]
        parked = classify_batch_guarded(broken, picked_by_second)
        assert parked["failed"] == 0  # never written over another run's results
    with first.session() as session:
        per_document = Counter(
            session.scalars(select(ReviewItem.subject_id).where(ReviewItem.status == "open"))
        )
        assert sum(per_document.values()) == done["review"] > 0
        assert set(per_document.values()) == {1}
        classified = Counter(
            session.scalars(
                select(AuditEvent.document_sha256).where(AuditEvent.action == "classified")
            )
        )
        assert set(classified.values()) == {1}
        assert "failed" not in set(session.scalars(select(Classification.status)))


def _tenants(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(Tenant.__table__),
            [
                {"slug": "musterstadt", "name": "Musterstadt", "ags": "09999001"},
                {"slug": "nebenan", "name": "Nebenan", "ags": "09999002"},
            ],
        )


def test_the_database_refuses_a_second_open_review_of_a_document(engine: Engine) -> None:
    _tenants(engine)
    with tenant_session(engine, "musterstadt") as session:
        row = {"kind": "classification", "subject_id": 7, "options": [], "reasons": []}
        session.add_all([ReviewItem(**row, status="decided"), ReviewItem(**row)])
        session.commit()  # a decided one and an open one side by side are fine
        session.add(ReviewItem(**row))
        with pytest.raises(IntegrityError):
            session.commit()
    with tenant_session(engine, "nebenan") as session:  # another municipality's subject 7
        session.add(ReviewItem(**row))
        session.commit()


def test_of_two_clerks_deciding_at_once_one_gets_it(
    filled: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with ParserPool(workers=1) as pool:
        ctx = _ctx(FakeClassifier(), pool)
        classify_batch(ctx, pending_documents(ctx, 1000))
    with ctx.session() as session:
        item_id = list_reviews(session)[0]["id"]
    both_checked = threading.Barrier(2, timeout=20)
    real_now = review_module.utcnow

    def after_both_checked() -> object:  # both have seen the item open
        both_checked.wait()
        return real_now()

    monkeypatch.setattr(review_module, "utcnow", after_both_checked)
    decided: list[dict[str, object]] = []
    refused: list[str] = []

    def clerk(label: str, user: str) -> None:
        with tenant_session(ctx.engine, "musterstadt") as session:
            try:
                decided.append(decide(session, item_id, label, user))
            except ReviewError as error:
                refused.append(str(error))

    clerks = [
        threading.Thread(target=clerk, args=("Sonstiges", "web:anna")),
        threading.Thread(target=clerk, args=("Gewerbe", "cli:bernd")),
    ]
    for thread in clerks:
        thread.start()
    for thread in clerks:
        thread.join(60)
    assert len(decided) == 1 and refused == [f"Prüfauftrag {item_id} ist bereits entschieden"]
    with ctx.session() as session:
        item = session.get_one(ReviewItem, item_id)
        assert (item.decision, item.decided_by) == (
            decided[0]["decision"],
            decided[0]["decided_by"],
        )
        result = session.scalars(
            select(Classification).where(Classification.document_id == item.subject_id)
        ).one()
        assert (result.label, result.decided_by) == (item.decision, item.decided_by)
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "label_decided")
        ).all()
        assert [e.actor for e in events] == [f"user:{item.decided_by}"]


def test_upgrading_closes_open_duplicates_from_before(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0008")
        _tenants(engine)
        with engine.begin() as connection:
            rows = [
                {"tenant_id": "musterstadt", "kind": "classification", "subject_id": subject,
                 "status": "open", "options": [], "reasons": [], "confidence": 0.5}
                for subject in (1, 1, 2)
            ]  # fmt: skip
            connection.execute(insert(ReviewItem.__table__), rows)
        upgrade(engine)
        with tenant_session(engine, "musterstadt") as session:
            statuses = [
                (item.subject_id, item.status)
                for item in session.scalars(select(ReviewItem).order_by(ReviewItem.id))
            ]
        assert statuses == [(1, "open"), (1, "superseded"), (2, "open")]
    finally:
        engine.dispose()


def test_two_runs_recording_at_the_same_moment_take_turns(filled: Path) -> None:  # noqa: F811
    """Both have their answers and write at once: the lock makes the second see the first."""
    both_answered = threading.Barrier(2, timeout=30)

    class Together(FakeClassifier):
        def classify(self, texts: Sequence[str]) -> list[Prediction]:
            answers = super().classify(texts)
            both_answered.wait()
            return answers

    outcomes: list[Counter[str]] = []
    with ParserPool(workers=1) as pool:
        runs = [_ctx(Together(), pool), _ctx(Together(), pool)]
        picked = pending_documents(runs[0], 1000)
        threads = [
            threading.Thread(target=lambda c=c: outcomes.append(classify_batch_guarded(c, picked)))
            for c in runs
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert len(outcomes) == 2 and not any(k.startswith("error:") for o in outcomes for k in o)
    assert sorted(o["elsewhere"] for o in outcomes) == [0, len(picked)]
    with runs[0].session() as session:
        per_document = Counter(
            session.scalars(select(ReviewItem.subject_id).where(ReviewItem.status == "open"))
        )
        assert per_document and set(per_document.values()) == {1}


def test_a_review_left_open_from_an_earlier_attempt_is_reused_or_closed(
    filled: Path,  # noqa: F811
) -> None:
    with ParserPool(workers=1) as pool:
        ctx = _ctx(FakeClassifier(), pool)
        docs = pending_documents(ctx, 1000)
        first = classify_batch(ctx, docs)
        assert first["review"] > 0 and first["auto"] > 0
        with ctx.session() as session:  # as an overlap before migration 0009 could leave it
            for row in session.scalars(select(Classification)):
                row.status = "failed"
            session.commit()
            left_open = dict(
                session.execute(
                    select(ReviewItem.subject_id, ReviewItem.id).where(ReviewItem.status == "open")
                )
                .tuples()
                .all()
            )
        unsure = _ctx(FakeClassifier(), pool)
        again = classify_batch(unsure, pending_documents(unsure, 1000))
        assert again["review"] == first["review"]  # no IntegrityError, no second item
        with ctx.session() as session:
            still_open = dict(
                session.execute(
                    select(ReviewItem.subject_id, ReviewItem.id).where(ReviewItem.status == "open")
                )
                .tuples()
                .all()
            )
            assert still_open == left_open  # the same items, brought up to date
            for row in session.scalars(select(Classification)):
                row.status = "failed"
            session.commit()
        sure = _ctx(FakeClassifier(), pool)
        sure.classifier.classify = lambda texts: [  # type: ignore[method-assign]
            Prediction(label="Gewerbe", candidate="Gewerbe", confidence=0.99, backend="fake")
            for _ in texts
        ]
        labelled = classify_batch(sure, pending_documents(sure, 1000))
        assert labelled["review"] == 0 and labelled["auto"] > 0
    with ctx.session() as session:
        statuses = dict(
            session.execute(
                select(ReviewItem.id, ReviewItem.status).where(
                    ReviewItem.id.in_(list(left_open.values()))
                )
            )
            .tuples()
            .all()
        )
        assert set(statuses.values()) == {"superseded"}  # a clerk cannot overrule the label
