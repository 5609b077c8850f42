"""Classification steps and the review queue, with a fake backend on real databases."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.flow_runs import resume_flow_run
from sqlalchemy import select

from connectors.catalogue import load_tenant
from connectors.database import make_engine, tenant_session
from connectors.documents import ParserPool
from connectors.storage import TenantStorage
from flows.intake import intake
from models.classification import ClassificationError, Prediction
from models.db import (
    AuditEvent,
    Classification,
    ClassificationStatus,
    Document,
    DocumentText,
    QuarantineEntry,
    ReviewItem,
)
from models.settings import Settings
from tasks.classification.review import ReviewError, decide, list_reviews
from tasks.classification.run import (
    ClassifyContext,
    classify_batch,
    classify_batch_guarded,
    pending_documents,
)
from tests.conftest import DOCUMENTS, SAMPLE_INBOX

OPTIONS = ["Gewerbe", "Steuern und Abgaben", "Straßen und Verkehrsflächen", "Sonstiges"]


class FakeClassifier:
    """Sure about texts that name a Gewerbe, unsure about the rest; can be made to fail."""

    name = "fake"

    def __init__(self) -> None:
        self.fail = False
        self.broken: Exception | None = None
        self.seen: list[str] = []

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        if self.fail:
            raise ClassificationError("Ollama antwortet nicht")
        if self.broken is not None:
            raise self.broken
        self.seen += texts
        return [
            Prediction(label="Gewerbe", candidate="Gewerbe", confidence=0.99, backend="fake")
            if "Gewerbe" in text
            else Prediction(
                label=None,
                candidate="Sonstiges",
                confidence=0.4,
                backend="fake",
                reasons=["Modell unsicher (0.40)"],
            )
            for text in texts
        ]


@pytest.fixture
def filled(prefect_api: str, amtsflow_env: Path, tmp_path: Path) -> Path:
    inbox = amtsflow_env / "tenants" / "musterstadt" / "eingang"  # a path of its own tenant
    shutil.copytree(SAMPLE_INBOX, inbox)
    shutil.copy(DOCUMENTS / "pdf" / "imagemagick-images.pdf", inbox / "scan.pdf")
    intake(tenant="musterstadt", source=str(inbox))
    return amtsflow_env


def _ctx(classifier: FakeClassifier, pool: ParserPool) -> ClassifyContext:
    settings = Settings()
    tenant = load_tenant("musterstadt", settings.tenants)
    return ClassifyContext(
        tenant=tenant,
        engine=make_engine(settings.effective_database_url),
        storage=TenantStorage(settings.home, "musterstadt"),
        parser=pool,
        classifier=classifier,
        options=OPTIONS,
        model_version="test-1",
        prompt_version=None,
    )


def test_classify_records_labels_reviews_and_ocr(filled: Path) -> None:
    fake = FakeClassifier()
    with ParserPool(workers=1) as pool:
        ctx = _ctx(fake, pool)
        docs = pending_documents(ctx, 1000)
        assert len(docs) >= 15
        fake.fail = True
        failed = classify_batch(ctx, docs)
        assert failed[ClassificationStatus.FAILED] > 0  # nothing guessed when the backend is down
        not_classifiable = failed["needs_ocr"] + failed["unreadable"]
        assert len(pending_documents(ctx, 1000)) == len(docs) - not_classifiable
        fake.fail = False
        counts = classify_batch(ctx, pending_documents(ctx, 1000))
        assert counts[ClassificationStatus.AUTO] >= 2 and counts[ClassificationStatus.REVIEW] >= 5
        assert pending_documents(ctx, 1000) == []  # a second run has nothing left to do
        with ctx.session() as s:
            ocr = s.scalars(
                select(Classification).where(
                    Classification.status == ClassificationStatus.NEEDS_OCR
                )
            ).all()
            assert len(ocr) == 1 and "OCR" in ocr[0].reasons[0]
            reviews = list_reviews(s)
            assert len(reviews) == counts[ClassificationStatus.REVIEW]
            assert reviews[0]["suggestion"] == "Sonstiges" and reviews[0]["options"] == OPTIONS
            first, second = reviews[0]["id"], reviews[1]["id"]
            assert decide(s, first, "Sonstiges", "ab")["status"] == "confirmed"
            assert decide(s, second, "Gewerbe", "cd")["status"] == "corrected"
            with pytest.raises(ReviewError, match="bereits"):
                decide(s, first, "Gewerbe", "ab")
            with pytest.raises(ReviewError, match="nicht erlaubt"):
                decide(s, reviews[2]["id"], "Erfunden", "ab")
            labels = {c.document_id: (c.status, c.label) for c in s.scalars(select(Classification))}
            assert ("corrected", "Gewerbe") in labels.values()
            audits = s.scalars(select(AuditEvent).where(AuditEvent.action == "label_decided")).all()
            assert {a.actor for a in audits} == {"user:ab", "user:cd"}
            assert audits[0].details["model_version"] == "test-1"
        # another municipality cannot decide Musterstadt's items, whatever id it types
        with (
            tenant_session(ctx.engine, "nebenan") as other,
            pytest.raises(ReviewError, match="gibt es nicht"),
        ):
            decide(other, reviews[3]["id"], "Gewerbe", "xy")
        ctx.engine.dispose()


def test_unreadable_documents_are_not_classified_from_nothing(filled: Path) -> None:
    """The sample inbox's damaged and encrypted PDFs: the intake's reason, no label.

    (Its empty file has no kind, so it is not among the documents to classify at all.)
    """
    fake = FakeClassifier()
    with ParserPool(workers=1) as pool:
        ctx = _ctx(fake, pool)
        counts = classify_batch(ctx, pending_documents(ctx, 1000))
        assert counts[ClassificationStatus.UNREADABLE] == 2
        assert "" not in fake.seen  # the classifier never got an empty text
        with ctx.session() as s:
            rows = s.execute(
                select(Classification, QuarantineEntry)
                .join(QuarantineEntry, QuarantineEntry.document_id == Classification.document_id)
                .where(Classification.status == ClassificationStatus.UNREADABLE)
            ).all()
            assert {q.reason_code for _, q in rows} == {"parse_damaged", "parse_encrypted"}
            for row, quarantined in rows:
                assert row.label is None and row.suggestion is None and row.backend == "none"
                assert row.reasons == [quarantined.reason]
            unreadable = [row.document_id for row, _ in rows]
            cached = select(DocumentText).where(DocumentText.document_id.in_(unreadable))
            assert s.scalars(cached).all() == []  # a passing failure is not their text
        assert pending_documents(ctx, 1000) == []  # recorded, not tried every night
        ctx.engine.dispose()


def test_a_batch_that_breaks_parks_its_documents_for_the_next_run(filled: Path) -> None:
    fake = FakeClassifier()
    fake.broken = KeyError("Sachbearbeiterin Erika Mustermann")  # a message with personal data
    with ParserPool(workers=1) as pool:
        ctx = _ctx(fake, pool)
        docs = pending_documents(ctx, 1000)
        counts = classify_batch_guarded(ctx, docs)
        [(key, batches)] = [(k, v) for k, v in counts.items() if k.startswith("error:")]
        assert batches == 1 and key.startswith("error:KeyError at test_classification_flow")
        assert "Mustermann" not in key
        with ctx.session() as s:
            failed = s.scalars(
                select(Classification).where(Classification.status == ClassificationStatus.FAILED)
            ).all()
            assert len(failed) == counts[ClassificationStatus.FAILED] == len(docs)
            assert all(r.reasons == [failed[0].reasons[0]] for r in failed)
            assert "KeyError" in failed[0].reasons[0] and "Mustermann" not in failed[0].reasons[0]
            assert s.scalar(select(Document.id).where(Document.id == docs[0][0])) is not None
        assert pending_documents(ctx, 1000) == docs  # the next run tries every one again
        fake.broken = None
        counts = classify_batch_guarded(ctx, docs)
        assert not [k for k in counts if k.startswith("error:")]
        assert counts[ClassificationStatus.AUTO] + counts[ClassificationStatus.REVIEW] >= 11
        ctx.engine.dispose()


def test_review_flow_pauses_with_a_german_form_and_records_the_decision(filled: Path) -> None:
    from flows.review import review_label

    with ParserPool(workers=1) as pool:
        ctx = _ctx(FakeClassifier(), pool)
        classify_batch(ctx, pending_documents(ctx, 1000))
        with ctx.session() as s:
            item = list_reviews(s)[0]
    result: dict[str, object] = {}
    thread = threading.Thread(
        target=lambda: result.update(
            review_label(tenant="musterstadt", review_id=item["id"], timeout_s=120)
        )
    )
    thread.start()

    import asyncio

    async def paused_run() -> object:
        async with get_client() as client:
            for _ in range(300):
                runs = await client.read_flow_runs()
                for run in runs:
                    if run.name == f"pruefung-musterstadt-{item['id']}" and run.state.is_paused():
                        return run
                await asyncio.sleep(0.2)
        raise AssertionError("no paused run")

    run = asyncio.run(paused_run())
    schema = run.state.state_details.run_input_keyset  # type: ignore[attr-defined]
    assert schema  # the run waits for typed input
    for unusable in (" mk", "mk ", "m\tk", "m\x00k", "m"):  # `decide` would refuse them
        with pytest.raises(RuntimeError, match="Cannot resume"):
            resume_flow_run(
                run.id,
                run_input={"kategorie": "Sonstiges", "bearbeitet_von": unusable},  # type: ignore[attr-defined]
            )
    resume_flow_run(
        run.id,
        run_input={
            "kategorie": "Steuern und Abgaben",  # type: ignore[attr-defined]
            "bearbeitet_von": "mk",
        },
    )
    thread.join(60)
    assert result == {"id": item["id"], "status": "corrected"}
    with ctx.session() as s:
        review = s.get_one(ReviewItem, item["id"])
        assert (review.decision, review.decided_by) == ("Steuern und Abgaben", "mk")
    ctx.engine.dispose()
    time.sleep(0)


def test_the_decision_form_takes_only_names_decide_takes() -> None:
    from pydantic import ValidationError

    from flows.review import decision_form

    form = decision_form(["Gewerbe", "Sonstiges"], "Gewerbe")
    assert form.model_validate({"bearbeitet_von": "Anna Müller"}).kategorie == "Gewerbe"  # type: ignore[attr-defined]
    for unusable in (" mk", "mk\n", "m\u200bk", "m\u2028k", "x" * 81, "m"):
        with pytest.raises(ValidationError, match="bearbeitet_von"):
            form.model_validate({"kategorie": "Sonstiges", "bearbeitet_von": unusable})
