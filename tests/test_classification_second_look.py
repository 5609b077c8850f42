"""Clerks' decisions the new model contradicts go back to the review queue, once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from connectors.database import tenant_session
from connectors.storage import TenantStorage
from connectors.trained_model import LabelledDocument
from models.db import (
    AuditEvent,
    Classification,
    ClassificationStatus,
    Document,
    DocumentText,
    ReviewItem,
)
from tasks.classification import training as training_module
from tasks.classification.model_store import current_model_dir
from tasks.classification.review import KIND, decide, list_reviews
from tasks.classification.training import train_tenant_model
from tasks.tenant_row import mirror_tenant
from tests.conftest_classification import (  # noqa: F401  (the fixtures register by import)
    Saved,
    Subset,
    karlsruhe_fixture,
    karlsruhe_tenant,
    saved_model_fixture,
)


def _decided(engine: Engine, paper: LabelledDocument, label: str, sha: str) -> int:
    """A document a clerk labelled through the review queue (as `decide` leaves it)."""
    with tenant_session(engine, "musterstadt") as s:
        doc = Document(sha256=sha, size=1, source_name="post.pdf", kind="pdf")
        s.add(doc)
        s.flush()
        s.add(DocumentText(document_id=doc.id, text=paper.classification_text()))
        status = (
            ClassificationStatus.CONFIRMED
            if label == paper.label
            else ClassificationStatus.CORRECTED
        )
        s.add(
            Classification(
                document_id=doc.id,
                status=status,
                label=label,
                suggestion=paper.label,
                backend="trained",
                decided_by="clerk1",
            )
        )
        s.add(
            ReviewItem(
                kind=KIND,
                subject_id=doc.id,
                suggestion=paper.label,
                status="decided",
                decision=label,
                decided_by="clerk1",
                options=[label, str(paper.label)],
            )
        )
        s.commit()
        return doc.id


def _surest_inquiries(karlsruhe: Subset, saved_model: Saved) -> list[LabelledDocument]:
    """Unseen inquiries, the ones the session's model is surest of first.

    A slip of the mouse on such a paper is what the second look is for; on a paper even
    a model trained on all 1,200 papers hesitates over, the 400-paper model would not
    be sure enough to object (its out-of-fold confidence for the surest is ~0.74).
    """
    inquiries = [d for d in karlsruhe.unseen if d.label == "Anfrage"]
    proba = saved_model.model.predict_proba([d.classification_text() for d in inquiries])
    column = saved_model.model.labels.index("Anfrage")
    order = sorted(range(len(inquiries)), key=lambda i: -proba[i, column])
    return [inquiries[i] for i in order]


def test_a_contradicted_decision_gets_one_second_look(
    karlsruhe: Subset, saved_model: Saved, tmp_path: Path, tenants_dir: Path, engine: Engine
) -> None:
    tenant = karlsruhe_tenant(karlsruhe, tmp_path, tenants_dir, threshold=0.6)
    mirror_tenant(engine, tenant)
    inquiries = _surest_inquiries(karlsruhe, saved_model)
    slip = _decided(engine, inquiries[0], "Haushalt", "a" * 64)  # a slip of the mouse
    right = _decided(engine, inquiries[1], "Anfrage", "b" * 64)
    storage = TenantStorage(tmp_path / "home", "musterstadt")

    with tenant_session(engine, "musterstadt") as s:
        first = train_tenant_model(s, storage, tenant, "run-1")
        assert first.from_clerks == 2 and first.second_looks == 1
        assert first.doubtful_labels.get("clerks") == 1
        [item] = list_reviews(s)
        assert item["document_sha256"] == "a" * 64 and item["suggestion"] == "Anfrage"
        assert "„Haushalt“" in item["reasons"][0] and first.model_version in item["reasons"][0]
        assert set(item["options"]) == set(karlsruhe.labels)
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "second_look_requested")
        ).one()
        assert event.document_sha256 == "a" * 64 and event.details["decision"] == "Haushalt"
        kept = select(Classification.label).where(Classification.document_id == right)
        assert s.scalar(kept) == "Anfrage"  # the clerk's agreed decision stands

        again = train_tenant_model(s, storage, tenant, "run-2", force=True)
        assert again.second_looks == 0  # the first one is still open
        assert len(list_reviews(s)) == 1

        decide(s, item["id"], "Anfrage", "clerk2")
        third = train_tenant_model(s, storage, tenant, "run-3", force=True)
        assert third.second_looks == 0 and not list_reviews(s)
        assert third.doubtful_labels.get("clerks") is None  # corrected: nothing to doubt
        label = s.scalar(select(Classification.label).where(Classification.document_id == slip))
        assert label == "Anfrage"


def test_a_confirmed_second_decision_is_final(
    karlsruhe: Subset, saved_model: Saved, tmp_path: Path, tenants_dir: Path, engine: Engine
) -> None:
    tenant = karlsruhe_tenant(karlsruhe, tmp_path, tenants_dir, threshold=0.6)
    mirror_tenant(engine, tenant)
    paper = _surest_inquiries(karlsruhe, saved_model)[0]
    _decided(engine, paper, "Haushalt", "c" * 64)
    storage = TenantStorage(tmp_path / "home", "musterstadt")
    with tenant_session(engine, "musterstadt") as s:
        s.add(
            ReviewItem(
                kind=KIND,
                subject_id=s.scalars(select(Document.id)).one(),
                suggestion="Anfrage",
                status="decided",
                decision="Haushalt",
                decided_by="clerk2",
                options=["Anfrage", "Haushalt"],
            )
        )  # looked at twice already
        s.commit()
        summary = train_tenant_model(s, storage, tenant, None)
        assert summary.doubtful_labels.get("clerks") == 1  # doubted all the same
        assert summary.second_looks == 0 and not list_reviews(s)


def test_an_item_closed_unseen_does_not_count_as_a_look(
    karlsruhe: Subset, saved_model: Saved, tmp_path: Path, tenants_dir: Path, engine: Engine
) -> None:
    tenant = karlsruhe_tenant(karlsruhe, tmp_path, tenants_dir, threshold=0.6)
    mirror_tenant(engine, tenant)
    paper = _surest_inquiries(karlsruhe, saved_model)[0]
    doc_id = _decided(engine, paper, "Haushalt", "d" * 64)
    storage = TenantStorage(tmp_path / "home", "musterstadt")
    with tenant_session(engine, "musterstadt") as s:
        s.add(  # a duplicate an overlapping run opened, closed by migration 0009
            ReviewItem(
                kind=KIND,
                subject_id=doc_id,
                suggestion="Anfrage",
                status="superseded",
                options=["Anfrage", "Haushalt"],
            )
        )
        s.commit()
        summary = train_tenant_model(s, storage, tenant, None)
        assert summary.second_looks == 1
        [item] = list_reviews(s)
        assert item["document_sha256"] == "d" * 64


def test_a_crash_before_the_commit_leaves_the_old_model_and_retrains_next_time(
    karlsruhe: Subset,
    saved_model: Saved,
    tmp_path: Path,
    tenants_dir: Path,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = karlsruhe_tenant(karlsruhe, tmp_path, tenants_dir, threshold=0.6)
    mirror_tenant(engine, tenant)
    inquiries = _surest_inquiries(karlsruhe, saved_model)
    _decided(engine, inquiries[0], "Haushalt", "a" * 64)  # a slip of the mouse
    _decided(engine, inquiries[1], "Anfrage", "b" * 64)
    storage = TenantStorage(tmp_path / "home", "musterstadt")
    real = training_module.request_second_looks

    def connection_lost(*args: object, **kwargs: object) -> int:
        raise ConnectionError("server closed the connection unexpectedly")

    monkeypatch.setattr(training_module, "request_second_looks", connection_lost)
    with tenant_session(engine, "musterstadt") as s, pytest.raises(ConnectionError):
        train_tenant_model(s, storage, tenant, "run-1")
    assert current_model_dir(storage) is None  # nothing switched on without its records
    monkeypatch.setattr(training_module, "request_second_looks", real)
    with tenant_session(engine, "musterstadt") as s:
        again = train_tenant_model(s, storage, tenant, "run-2")  # the next night, no --force
        assert again.skipped_reason is None and again.second_looks == 1
        assert [i["document_sha256"] for i in list_reviews(s)] == ["a" * 64]
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "model_trained")).all()
        assert [e.details["model_version"] for e in events] == [again.model_version]
    active = current_model_dir(storage)
    assert active is not None and active.name == again.model_version
