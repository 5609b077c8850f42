"""The hybrid policy with a fake LLM: agree, disagree, unsure, failing, absent.

And which trained model a municipality's run gets: none that it must not use.
"""

from __future__ import annotations

import atexit
import functools
import logging
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine

from connectors.catalogue import load_tenant
from connectors.database import tenant_session
from connectors.documents import ParserPool
from connectors.storage import PathEscapeError, TenantStorage
from connectors.trained_model import TrainedClassifier, load_documents, save_model, train
from flows.classify import classify
from flows.retrain import retrain
from models.classification import ClassificationError, Classifier, Prediction
from models.settings import Settings
from tasks.classification.hybrid import HybridClassifier
from tasks.classification.model_store import activate, current_model_dir, models_root
from tasks.classification.run import ClassifyContext
from tasks.classification.setup import open_classify_context
from tasks.classification.training import train_tenant_model
from tasks.tenant_row import mirror_tenant
from tests.conftest import ROOT
from tests.conftest_classification import (  # noqa: F401  (the fixtures register by import)
    Saved,
    Subset,
    karlsruhe_fixture,
    saved_model_fixture,
)
from tests.conftest_ollama import fake_ollama_fixture  # noqa: F401
from tests.fake_ollama import FakeOllama

LABELS = ["Anfrage", "Antrag", "Beschlussvorlage"]


class Scripted:
    """A backend that answers from a script: text -> (label, candidate, confidence)."""

    def __init__(
        self, name: str, script: Mapping[str, tuple[str | None, str | None, float]]
    ) -> None:
        self.name = name
        self.script = script
        self.asked: list[list[str]] = []

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        self.asked.append(list(texts))
        return [
            Prediction(label=lab, candidate=cand, confidence=conf, backend=self.name)
            for lab, cand, conf in (self.script[t] for t in texts)
        ]


class Failing:
    """An LLM that cannot answer at all."""

    name = "ollama"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        raise self.error


TRAINED = Scripted(
    "trained",
    {
        "sicher": ("Anfrage", "Anfrage", 0.999),
        "zustimmung": (None, "Antrag", 0.62),
        "widerspruch": (None, "Antrag", 0.70),
        "unsicher": (None, "Antrag", 0.55),
        "fremd": (None, "Antrag", 0.40),
    },
)
LLM = {
    "zustimmung": ("Antrag", "Antrag", 0.95),
    "widerspruch": ("Beschlussvorlage", "Beschlussvorlage", 0.97),
    "unsicher": ("Antrag", "Antrag", 0.70),
    "fremd": ("Katze", "Katze", 0.99),
}
TEXTS = ["sicher", "zustimmung", "widerspruch", "unsicher", "fremd"]


def _hybrid(
    llm: Classifier | None, *, trained_threshold: float | None = None, llm_threshold: float = 0.9
) -> HybridClassifier:
    return HybridClassifier(
        Scripted("trained", TRAINED.script),
        llm,
        labels=LABELS,
        trained_threshold=trained_threshold,
        llm_threshold=llm_threshold,
    )


def test_rules_with_a_working_llm() -> None:
    llm = Scripted("ollama", LLM)
    hybrid = _hybrid(llm)
    assert isinstance(hybrid, Classifier)
    sure, agree, disagree, unsure, foreign = hybrid.classify(TEXTS)
    assert llm.asked == [TEXTS[1:]]  # only the documents the model was unsure of
    assert (sure.label, sure.backend) == ("Anfrage", "trained")
    assert (agree.label, agree.backend, agree.confidence) == ("Antrag", "ollama", 0.95)
    assert agree.reasons == ["Modell unsicher (0.62)", "LLM bestätigt Modell"]
    assert (disagree.label, disagree.candidate, disagree.backend) == (None, "Antrag", "hybrid")
    assert "LLM widerspricht Modell" in disagree.reasons
    assert unsure.label is None and "LLM unsicher (0.70)" in unsure.reasons
    assert foreign.label is None and foreign.candidate == "Antrag"
    assert "LLM ohne gültige Kategorie" in foreign.reasons


def test_llm_threshold_is_per_tenant() -> None:
    lenient = _hybrid(Scripted("ollama", LLM), llm_threshold=0.6)
    assert lenient.classify(["unsicher"])[0].label == "Antrag"
    strict = _hybrid(Scripted("ollama", LLM), llm_threshold=0.99)
    assert strict.classify(["zustimmung"])[0].label is None


def test_trained_threshold_is_per_tenant() -> None:
    llm = Scripted("ollama", LLM)
    hybrid = _hybrid(llm, trained_threshold=0.6)
    first, second = hybrid.classify(["zustimmung", "unsicher"])
    assert (first.label, first.backend) == ("Antrag", "trained")
    assert second.label is None and llm.asked == [["unsicher"]]
    with pytest.raises(ValueError, match="Schwellen"):
        _hybrid(llm, llm_threshold=1.2)


@pytest.mark.parametrize(
    "error", [ClassificationError("Ollama antwortet nicht"), RuntimeError("kaputt")]
)
def test_failing_llm_sends_to_review_without_crashing(error: Exception) -> None:
    results = _hybrid(Failing(error)).classify(TEXTS)
    assert results[0].label == "Anfrage"
    for result in results[1:]:
        assert result.label is None and result.backend == "hybrid"
        assert result.candidate == "Antrag"
        assert any(r.startswith("LLM nicht verfügbar") for r in result.reasons)


def test_an_llm_failing_on_one_document_costs_only_that_document() -> None:
    """The LLM's answers for the rest are used; without any guess it waits, no clerk."""

    class OneFails(Scripted):
        def classify(self, texts: Sequence[str]) -> list[Prediction]:
            answers = super().classify(texts)
            gone = Prediction(
                label=None, candidate=None, confidence=0.0, backend="ollama",
                reasons=["Ollama antwortet nicht (3 Versuche)"], failed=True,
            )  # fmt: skip
            return [gone if t == "widerspruch" else a for t, a in zip(texts, answers, strict=True)]

    agree, disagree, unsure = _hybrid(OneFails("ollama", LLM)).classify(
        ["zustimmung", "widerspruch", "unsicher"]
    )
    assert (agree.label, agree.backend) == ("Antrag", "ollama")
    assert disagree.label is None and not disagree.failed and disagree.candidate == "Antrag"
    assert "Ollama antwortet nicht (3 Versuche)" in disagree.reasons
    assert unsure.label is None and "LLM unsicher (0.70)" in unsure.reasons
    llm_only = HybridClassifier(None, OneFails("ollama", LLM), labels=LABELS)
    agree, waits, unsure = llm_only.classify(["zustimmung", "widerspruch", "unsicher"])
    assert agree.label == "Antrag" and unsure.label is None and not unsure.failed
    assert waits.failed and waits.label is None and waits.candidate is None
    assert waits.reasons == ["Ollama antwortet nicht (3 Versuche)"]
    down = HybridClassifier(None, Failing(ClassificationError("`ollama pull x`")), labels=LABELS)
    with pytest.raises(ClassificationError, match="ollama pull x"):  # said, not swallowed
        down.classify(["a", "b"])
    broken = HybridClassifier(None, Failing(RuntimeError("intern")), labels=LABELS)
    with pytest.raises(ClassificationError, match=r"LLM nicht verfügbar \(RuntimeError\)"):
        broken.classify(["a", "b"])


def test_incomplete_llm_answer_goes_to_review() -> None:
    class Short(Scripted):
        def classify(self, texts: Sequence[str]) -> list[Prediction]:
            return super().classify(texts)[:1]

    results = _hybrid(Short("ollama", LLM)).classify(TEXTS)
    assert [r.label for r in results] == ["Anfrage", None, None, None, None]
    assert "LLM-Antwort unvollständig" in results[1].reasons


def test_without_trained_model_or_without_llm() -> None:
    llm_only = HybridClassifier(None, Scripted("ollama", LLM), labels=LABELS)
    agree, disagree, unsure = llm_only.classify(["zustimmung", "widerspruch", "unsicher"])
    assert (agree.label, disagree.label) == ("Antrag", "Beschlussvorlage")
    assert unsure.label is None and unsure.candidate == "Antrag"
    model_only = _hybrid(None)
    sure, unsure = model_only.classify(["sicher", "unsicher"])
    assert sure.label == "Anfrage"
    assert unsure.label is None and "kein LLM eingerichtet" in unsure.reasons
    with pytest.raises(ValueError, match="mindestens ein Verfahren"):
        HybridClassifier(None, None)


def test_with_the_real_model_only_unsure_papers_reach_the_llm(
    saved_model: Saved, karlsruhe: Subset
) -> None:
    trained = TrainedClassifier(saved_model.model)
    texts = [d.classification_text() for d in karlsruhe.unseen]
    own = trained.classify(texts)

    class Echo(Scripted):
        def classify(self, texts: Sequence[str]) -> list[Prediction]:
            self.asked.append(list(texts))
            return [
                Prediction(label="Antrag", candidate="Antrag", confidence=0.99, backend="ollama")
                for _ in texts
            ]

    llm = Echo("ollama", {})
    results = HybridClassifier(trained, llm, labels=saved_model.model.labels).classify(texts)
    assert len(llm.asked) == 1 and len(llm.asked[0]) == sum(p.label is None for p in own)
    for mine, result in zip(own, results, strict=True):
        if mine.label is not None:
            assert result == mine
        elif mine.candidate == "Antrag":
            assert (result.label, result.backend) == ("Antrag", "ollama")
        else:
            assert result.label is None and "LLM widerspricht Modell" in result.reasons


# Which trained model a municipality's run gets (tasks/classification/setup.py and
# model_store.py): on real model folders, a real database and a fake Ollama on loopback.

V1, V2, V3 = "20260101T000000Z", "20260102T000000Z", "20260103T000000Z"


@functools.cache
def _musterstadt_model() -> Path:
    """A model of Musterstadt's own labels (its shipped history), saved once (~2 s)."""
    docs = load_documents(ROOT / "samples" / "musterstadt" / "history.jsonl.gz")
    model = train([d.classification_text() for d in docs], [str(d.label) for d in docs])
    root = Path(tempfile.mkdtemp(prefix="amtsflow-musterstadt-model-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    save_model(model, root / "model")
    return root / "model"


def _install(storage: TenantStorage, source: Path, version: str) -> Path:
    folder = Path(shutil.copytree(source, models_root(storage) / version))
    activate(storage, version)
    return folder


def _open(backend: str) -> tuple[ClassifyContext, str]:
    with ParserPool(workers=1) as pool:
        ctx, described = open_classify_context(Settings(), "musterstadt", pool, backend, None)
    ctx.engine.dispose()
    return ctx, described


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "tasks.classification.setup" and r.levelno == logging.WARNING
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unusable_model_is_left_out_and_the_run_says_why(
    amtsflow_env: Path,
    tenants_dir: Path,
    fake_ollama: FakeOllama,
    saved_model: Saved,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    caplog.set_level(logging.WARNING, logger="tasks.classification.setup")
    storage = TenantStorage(Settings().home, "musterstadt")

    # Karlsruhe's paper types are none of Musterstadt's labels: it would file under them
    _install(storage, saved_model.folder, V1)
    ctx, described = _open("hybrid")
    assert described.startswith("hybrid: trainiertes Modell nicht nutzbar: ")
    assert "Beschlussvorlage" in described and described.endswith("+ Ollama qwen2.5:3b-instruct")
    assert isinstance(ctx.classifier, HybridClassifier) and ctx.classifier.trained is None
    assert ctx.model_version is None  # no label is recorded as this model's
    [warning] = _warnings(caplog)
    assert f"trainiertes Modell {V1} nicht nutzbar" in warning and "Kategorien" in warning

    # Musterstadt's own model whose file no longer matches its checksum
    caplog.clear()
    model_file = _install(storage, _musterstadt_model(), V2) / "model.joblib"
    model_file.write_bytes(model_file.read_bytes()[:-1] + b"\x00")
    with pytest.raises(ClassificationError, match=r"nicht nutzbar: .*Prüfsumme"):
        _open("trained")
    [warning] = _warnings(caplog)
    assert f"Modell {V2} nicht nutzbar" in warning and "Prüfsumme" in warning
    history = load_documents(ROOT / "samples" / "musterstadt" / "history.jsonl.gz")
    assert not any(d.text[:40] in warning for d in history)  # the reason, no document

    # a model that lacks a label added since (no examples yet) is used all the same
    caplog.clear()
    yaml = tenants_dir / "musterstadt.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8") + "    - name: Neu\n      description: neue Kategorie\n",
        encoding="utf-8",
    )
    _install(storage, _musterstadt_model(), V3)
    ctx, described = _open("hybrid")
    assert described == "hybrid: trainiertes Modell + Ollama qwen2.5:3b-instruct"
    assert ctx.model_version == V3 and _warnings(caplog) == []
    assert isinstance(ctx.classifier, HybridClassifier)
    assert isinstance(ctx.classifier.trained, TrainedClassifier)

    # the LLM alone: the model is not loaded, so neither warned about nor named
    caplog.clear()
    _install(storage, saved_model.folder, "20260104T000000Z")  # foreign labels again
    ctx, described = _open("ollama")
    assert described == "Ollama qwen2.5:3b-instruct" and ctx.model_version is None
    assert _warnings(caplog) == []
    assert isinstance(ctx.classifier, HybridClassifier)  # for the tenant's llm_threshold
    assert ctx.classifier.trained is None and ctx.classifier.llm is not None
    assert ctx.classifier.llm_threshold == 0.9


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_first_run_without_its_history_file_says_so(
    amtsflow_env: Path,
    tenants_dir: Path,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    caplog.set_level(logging.WARNING, logger="tasks.classification.setup")
    yaml, gone = tenants_dir / "musterstadt.yaml", tenants_dir / "verschoben.jsonl.gz"
    shipped = str(ROOT / "samples" / "musterstadt" / "history.jsonl.gz")
    yaml.write_text(yaml.read_text(encoding="utf-8").replace(shipped, str(gone)), encoding="utf-8")
    ctx, described = _open("hybrid")  # the LLM goes on; no model from half the examples
    reason = f"Gemeinde musterstadt: die eingetragene Bestandsdatei (seed_data) {gone} fehlt"
    assert described == f"hybrid: kein trainiertes Modell: {reason} + Ollama qwen2.5:3b-instruct"
    assert ctx.model_version is None and _warnings(caplog) == [
        f"Gemeinde musterstadt: kein trainiertes Modell: {reason}"
    ]
    assert current_model_dir(TenantStorage(Settings().home, "musterstadt")) is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_model_pointer_leading_out_of_the_municipality_loads_nothing(
    amtsflow_env: Path,
    engine: Engine,
    tenants_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="tasks.classification.setup")
    home = Settings().home
    own, other = TenantStorage(home, "musterstadt"), TenantStorage(home, "nebenan")
    theirs = _install(other, _musterstadt_model(), V1)  # one Musterstadt could load
    pointer = models_root(own) / "current"

    # a version folder that is a symlink into the other municipality's folder
    (models_root(own) / V1).symlink_to(theirs, target_is_directory=True)
    own.write_atomic(pointer, V1.encode())
    with pytest.raises(PathEscapeError, match=f"Ordner des Modells {V1} führt aus dem Ordner"):
        current_model_dir(own)
    with pytest.raises(PathEscapeError):
        activate(own, V1)
    with pytest.raises(ClassificationError, match=r"nicht nutzbar: .*führt aus dem Ordner"):
        _open("trained")  # with Ollama, a hybrid run would go on without the model
    [warning] = _warnings(caplog)
    assert "führt aus dem Ordner der Gemeinde hinaus" in warning and "nebenan" not in warning
    tenant = load_tenant("musterstadt", tenants_dir)
    mirror_tenant(engine, tenant)
    with (
        tenant_session(engine, "musterstadt") as session,
        pytest.raises(PathEscapeError),
    ):
        train_tenant_model(session, own, tenant, None)  # nor retrains over it, hiding it

    # a pointer that names a path, and a pointer that is itself a symlink out
    (models_root(own) / V1).unlink()
    own.write_atomic(pointer, f"../../nebenan/models/{V1}".encode())
    with pytest.raises(PathEscapeError, match="Modellzeiger „current“"):
        current_model_dir(own)
    pointer.unlink()
    pointer.symlink_to(models_root(other) / "current")
    with pytest.raises(PathEscapeError, match="Modellzeiger „current“"):
        current_model_dir(own)

    # inside its own folder a pointer still works, a symlinked version included
    pointer.unlink()
    mine = _install(own, _musterstadt_model(), V2)
    (models_root(own) / V3).symlink_to(mine, target_is_directory=True)
    activate(own, V3)
    assert current_model_dir(own) == mine


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_run_with_an_unusable_model_says_why_in_its_log_and_summary(
    prefect_api: str,
    amtsflow_env: Path,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    version = retrain(tenant="musterstadt").model_version
    assert version
    model_file = amtsflow_env / "tenants" / "musterstadt" / "models" / version / "model.joblib"
    model_file.write_bytes(model_file.read_bytes()[:-1] + b"\x00")  # e.g. a botched copy
    caplog.set_level(logging.WARNING)
    summary = classify(tenant="musterstadt")
    assert summary.backend.startswith("hybrid: trainiertes Modell nicht nutzbar: ")
    assert "Prüfsumme" in summary.backend and "+ Ollama qwen" in summary.backend
    [warning] = [
        r.getMessage()
        for r in caplog.records
        if r.name == "prefect.flow_runs" and r.levelno == logging.WARNING
    ]  # the run's own log, which the operator reads in the Prefect UI
    assert f"trainiertes Modell {version} nicht nutzbar" in warning and "Prüfsumme" in warning
