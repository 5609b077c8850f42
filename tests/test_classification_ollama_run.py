"""A run with the LLM alone, against the fake Ollama server: the tenant's threshold decides
what is filed without a clerk, and a document the server failed on waits for the next run."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.documents import ParserPool
from models.db import Classification, ClassificationStatus, ReviewItem
from models.settings import Settings
from tasks.classification.run import classify_batch, pending_documents
from tasks.classification.setup import open_classify_context
from tests.conftest_ollama import fake_ollama_fixture  # noqa: F401
from tests.fake_ollama import FakeOllama, answer, error
from tests.test_classification_flow_steps import filled  # noqa: F401

pytestmark = pytest.mark.timeout(120)


def test_the_llm_alone_files_only_what_it_is_sure_of(
    filled: Path,  # noqa: F811
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    monkeypatch.setenv("AMTSFLOW_OLLAMA_MAX_RETRIES", "0")
    with ParserPool(workers=1) as pool:
        ctx, described = open_classify_context(Settings(), "musterstadt", pool, "ollama", None)
        assert described.startswith("Ollama ") and ctx.model_version is None
        pending = pending_documents(ctx, 1000)
        sure = answer("Gewerbe", label_probability=0.97)
        unsure = answer("Sonstiges", label_probability=0.12)
        fake_ollama.enqueue(sure, unsure, error(500, "boom"), *[sure] * len(pending))
        counts = classify_batch(ctx, pending)
        asked = len(fake_ollama.chats)  # the scan without a text layer is not asked
        assert counts[ClassificationStatus.NEEDS_OCR] == 1 and asked >= 4
        assert counts[ClassificationStatus.AUTO] == asked - 2
        assert counts[ClassificationStatus.REVIEW] == 1  # 0.12 < the tenant's 0.9
        assert counts[ClassificationStatus.FAILED] == 1
        with ctx.session() as session:
            failed = session.scalars(
                select(Classification).where(Classification.status == "failed")
            ).one()
            assert failed.label is None and "HTTP 500" in failed.reasons[0]
            items = session.scalars(select(ReviewItem)).all()
            assert [(i.suggestion, i.status) for i in items] == [("Sonstiges", "open")]
        again = pending_documents(ctx, 1000)  # the next run asks for the failed one only
        assert [doc_id for doc_id, _ in again] == [failed.document_id]
        fake_ollama.enqueue(sure)
        assert classify_batch(ctx, again)[ClassificationStatus.AUTO] == 1


def test_a_missing_model_is_recorded_with_what_to_do(
    filled: Path,  # noqa: F811
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The model was there when the run started (the check passed) and is gone since."""
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    with ParserPool(workers=1) as pool:
        ctx, described = open_classify_context(Settings(), "musterstadt", pool, "ollama", None)
        model = described.removeprefix("Ollama ")
        pending = pending_documents(ctx, 1000)
        fake_ollama.enqueue(*[error(404, f"model '{model}' not found")] * len(pending))
        counts = classify_batch(ctx, pending)
        unread = counts[ClassificationStatus.NEEDS_OCR] + counts[ClassificationStatus.UNREADABLE]
        assert counts[ClassificationStatus.FAILED] == len(pending) - unread > 10
        assert len(fake_ollama.chats) == 1  # a refusal: the rest is not asked
        with ctx.session() as session:
            reasons = session.scalars(
                select(Classification.reasons).where(Classification.status == "failed")
            ).all()
            assert reasons and all(f"ollama pull {model}" in r[0] for r in reasons)
            assert not session.scalars(select(ReviewItem)).all()
