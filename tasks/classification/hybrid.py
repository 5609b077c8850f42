"""The hybrid policy: trained model first, the LLM where it is unsure, else a clerk.

The rule, per document (thresholds per tenant):

1. The trained model answers with confidence >= `trained_threshold` (None: the model's
   own default, i.e. the trained classifier gave a `label`): accepted, backend "trained".
2. Otherwise (or without a trained model) the LLM is asked, once for all such documents
   of the batch. Its answer is accepted, with the LLM's backend name, only if all hold:
   a. it gives a label (not None) that belongs to the taxonomy (when one is known);
   b. its confidence is >= `llm_threshold`;
   c. the trained model has no candidate (e.g. no model yet), or its candidate is that
      same label (an unsure model that points elsewhere is a disagreement, not a
      tie-break: the LLM alone is not trusted against the tenant's own history).
3. Everything else goes to a clerk: `label` None, backend "hybrid", `candidate` the
   trained model's guess (calibrated on the tenant's own documents), else the LLM's;
   `reasons` say in short German why. An LLM that fails (for the batch, or `failed`
   for one document) sends a document with the trained model's guess to review; one
   without any guess (no trained model, or the LLM alone) comes back `failed`, and the
   next run asks again, rather than handing a clerk a document with no suggestion. The
   batch never stops, and the answers the LLM did give are used.

With no trained model passed in, this is the LLM-only backend: the same `llm_threshold`
decides what is filed without a clerk, and an LLM that gives no answer at all (missing
model, server down) raises its `ClassificationError`, whose message says what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from models.classification import ClassificationError, Classifier, Prediction

log = logging.getLogger(__name__)

BACKEND = "hybrid"
DEFAULT_LLM_THRESHOLD = 0.9
_REASON_CHARS = 200


def _fmt(value: float) -> str:
    return f"{value:.2f}"


class HybridClassifier:
    """Serves `models.classification.Classifier` by combining two backends (see module)."""

    name = BACKEND

    def __init__(
        self,
        trained: Classifier | None,
        llm: Classifier | None,
        *,
        trained_threshold: float | None = None,
        llm_threshold: float = DEFAULT_LLM_THRESHOLD,
        labels: Sequence[str] | None = None,
    ) -> None:
        if trained is None and llm is None:
            raise ValueError("mindestens ein Verfahren (Modell oder LLM) nötig")
        for value in (trained_threshold, llm_threshold):
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError("Schwellen müssen zwischen 0 und 1 liegen")
        self.trained, self.llm = trained, llm
        self.trained_threshold, self.llm_threshold = trained_threshold, llm_threshold
        self.labels = frozenset(labels) if labels is not None else None

    def _trained_sure(self, p: Prediction) -> bool:
        if self.trained_threshold is None:
            return p.label is not None
        return p.candidate is not None and p.confidence >= self.trained_threshold

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        """One prediction per text; below both thresholds `label` is None (review)."""
        first: list[Prediction | None] = [None] * len(texts)
        if self.trained is not None:
            first = list(self.trained.classify(texts))
            if len(first) != len(texts):
                raise ClassificationError("Modell lieferte nicht für jedes Dokument eine Antwort")
        results: list[Prediction | None] = [
            p.model_copy(update={"label": p.candidate, "reasons": []})
            if p is not None and self._trained_sure(p)
            else None
            for p in first
        ]
        unsure = [i for i, r in enumerate(results) if r is None]
        second, failure = self._ask_llm([texts[i] for i in unsure])
        for k, i in enumerate(unsure):
            llm = second[k] if second is not None else None
            results[i] = self._decide(first[i], llm, failure)
        return [r for r in results if r is not None]  # every slot is filled by now

    def _ask_llm(self, texts: list[str]) -> tuple[list[Prediction] | None, str | None]:
        if not texts:
            return [], None
        if self.llm is None:
            return None, "kein LLM eingerichtet"
        try:
            answers = list(self.llm.classify(texts))
        except ClassificationError as exc:  # our own message, no document text in it
            if self.trained is None:  # the LLM alone: its clear message (`ollama pull`) is
                raise  # the outcome, for the command line and for the run's records
            log.warning("LLM-Klassifikation fehlgeschlagen: %s", exc)
            return None, f"LLM nicht verfügbar: {exc}"[:_REASON_CHARS]
        except Exception as exc:  # the backend's failure parks documents, never the batch
            log.warning("LLM-Klassifikation fehlgeschlagen: %s", type(exc).__name__)
            if self.trained is None:
                raise ClassificationError(f"LLM nicht verfügbar ({type(exc).__name__})") from exc
            return None, f"LLM nicht verfügbar ({type(exc).__name__})"
        if len(answers) != len(texts):
            return None, "LLM-Antwort unvollständig"
        return answers, None

    def _decide(
        self, trained: Prediction | None, llm: Prediction | None, failure: str | None
    ) -> Prediction:
        reasons: list[str] = []
        if trained is not None:
            reasons += trained.reasons or [f"Modell unsicher ({_fmt(trained.confidence)})"]
        if llm is None or llm.failed:
            reasons += (llm.reasons[:1] if llm is not None else []) or [
                failure or "LLM ohne Antwort"
            ]
            if trained is None or trained.candidate is None:
                return Prediction(
                    label=None,
                    candidate=None,
                    confidence=0.0,
                    backend=BACKEND,
                    reasons=[r[:_REASON_CHARS] for r in reasons],
                    failed=True,
                )
            return self._review(trained, None, reasons)
        if llm.label is None or (self.labels is not None and llm.label not in self.labels):
            reasons.append("LLM ohne gültige Kategorie")
        elif llm.confidence < self.llm_threshold:
            reasons.append(f"LLM unsicher ({_fmt(llm.confidence)})")
        elif trained is not None and trained.candidate not in (None, llm.label):
            reasons.append("LLM widerspricht Modell")
        else:
            if trained is not None:
                reasons.append("LLM bestätigt Modell")
            return llm.model_copy(update={"candidate": llm.label, "reasons": reasons})
        reasons += [r[:_REASON_CHARS] for r in llm.reasons]
        return self._review(trained, llm, reasons)

    @staticmethod
    def _review(
        trained: Prediction | None, llm: Prediction | None, reasons: list[str]
    ) -> Prediction:
        guess = trained if trained is not None and trained.candidate is not None else llm
        return Prediction(
            label=None,
            candidate=guess.candidate if guess is not None else None,
            confidence=guess.confidence if guess is not None else 0.0,
            backend=BACKEND,
            reasons=reasons,
        )
