"""The hybrid policy with a fake LLM: agree, disagree, unsure, failing, absent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from connectors.trained_model import TrainedClassifier
from models.classification import ClassificationError, Classifier, Prediction
from tasks.classification.hybrid import HybridClassifier
from tests.conftest_classification import (  # noqa: F401  (the fixtures register by import)
    Saved,
    Subset,
    karlsruhe_fixture,
    saved_model_fixture,
)

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
