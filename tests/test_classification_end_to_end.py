"""Intake -> classify (hybrid with an Ollama on loopback) -> clerk decides -> retrain uses it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.database import make_engine, tenant_session
from flows.classify import classify
from flows.intake import intake
from flows.retrain import retrain
from models.db import AuditEvent, Classification, ClassificationStatus
from models.settings import Settings
from tasks.classification.review import decide, list_reviews
from tests.conftest_ollama import fake_ollama_fixture  # noqa: F401
from tests.fake_ollama import FakeOllama, answer


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_decision_feeds_the_next_training(
    prefect_api: str,
    amtsflow_env: Path,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    fake_ollama.enqueue(*[answer("Sonstiges", label_probability=0.97) for _ in range(40)])
    intake(tenant="musterstadt")
    summary = classify(tenant="musterstadt")
    assert summary.backend.startswith("hybrid") and "Ollama qwen" in summary.backend
    assert summary.documents == 15 and summary.unreadable == 2  # damaged, encrypted
    assert summary.auto + summary.review + summary.unreadable == 15
    engine = make_engine(Settings().effective_database_url)
    with tenant_session(engine, "musterstadt") as s:
        everything = s.scalars(select(Classification)).all()
        rows = [r for r in everything if r.status != ClassificationStatus.UNREADABLE]
        assert {r.backend for r in everything if r not in rows} == {"none"}
        assert {r.backend for r in rows} <= {"trained", "hybrid", "ollama"}
        assert all(r.model_version for r in rows), [(r.backend, r.model_version) for r in rows]
        reviews = list_reviews(s)
        assert len(reviews) == summary.review >= 1
        assert fake_ollama.chats  # the ones below the trained threshold were asked
        assert all(r.prompt_version for r in rows if r.backend in ("hybrid", "ollama"))
        decide(s, reviews[0]["id"], "Sonstiges", "clerk1")
    before = summary
    trained = retrain(tenant="musterstadt")
    assert trained.from_clerks == 1 and trained.model_version
    with tenant_session(engine, "musterstadt") as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "model_trained")).all()
        assert events[-1].details["from_clerks"] == 1
        trainings = len(events)
    again = retrain(tenant="musterstadt")  # nothing new: the nightly run keeps the model
    assert again.skipped_reason and "unverändert" in again.skipped_reason
    assert again.model_version == trained.model_version
    assert again.training_set_sha256 == trained.training_set_sha256
    forced = retrain(tenant="musterstadt", force=True)
    assert forced.skipped_reason is None
    assert forced.model_version and forced.model_version != trained.model_version
    with tenant_session(engine, "musterstadt") as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "model_trained")).all()
        assert len(events) == trainings + 1  # the skipped run trained nothing
    engine.dispose()
    assert before.flow_run_id


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_retraining_can_be_a_municipalitys_first_run(prefect_api: str, amtsflow_env: Path) -> None:
    """Only shipped history, no intake yet: the audit event needs the municipality's row."""
    trained = retrain(tenant="musterstadt")
    assert trained.skipped_reason is None and trained.model_version
    assert trained.from_history == trained.examples > 0 and trained.from_clerks == 0
    engine = make_engine(Settings().effective_database_url)
    with tenant_session(engine, "musterstadt") as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "model_trained")).one()
        assert event.details["model_version"] == trained.model_version
        assert event.details["doubtful_labels"] == trained.doubtful_labels
    engine.dispose()
