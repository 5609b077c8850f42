"""The trained model as a `Classifier`: fast, and silent (label None) where it is unsure."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from pathlib import Path

from connectors.trained_model.model import TrainedModel
from connectors.trained_model.model_folder import load_model
from models.classification import Prediction, Taxonomy


def unsure_reason(confidence: float, threshold: float) -> str:
    """The clerk's short reason when the model is below its threshold.

    Both figures cut (not rounded) to two decimals, or as many as it takes to tell them
    apart: "0.99 < 1.00" for 0.9947 against 0.9971 would mislead.
    """
    digits = 2
    while digits < 6 and _cut(confidence, digits) >= _cut(threshold, digits):
        digits += 1
    return f"Modell unsicher ({_cut(confidence, digits)} < {_cut(threshold, digits)})"


def _cut(value: float, digits: int) -> str:
    scaled = math.floor(value * 10**digits)
    return f"{scaled / 10**digits:.{digits}f}"


class TrainedClassifier:
    """Serves `models.classification.Classifier` with a trained model.

    Only labels the model was trained on can come out; below the threshold the best
    guess stays in `candidate` and `label` is None, so the document goes to a clerk.
    """

    name = "trained"

    def __init__(self, model: TrainedModel, threshold: float | None = None) -> None:
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError("Schwelle muss zwischen 0 und 1 liegen")
        self.model = model
        self.threshold = model.threshold if threshold is None else threshold

    @property
    def taxonomy(self) -> Taxonomy:
        """The model's labels (e.g. for an LLM that should answer in the same terms)."""
        return Taxonomy.from_names(self.model.labels)

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        """One prediction per text, in order."""
        proba = self.model.predict_proba(texts)
        labels = self.model.labels
        out = []
        for row in proba:
            best = int(row.argmax())
            confidence = min(max(float(row[best]), 0.0), 1.0)
            sure = confidence >= self.threshold
            out.append(
                Prediction(
                    label=labels[best] if sure else None,
                    candidate=labels[best],
                    confidence=confidence,
                    backend=self.name,
                    reasons=[] if sure else [unsure_reason(confidence, self.threshold)],
                )
            )
        return out


def load_classifier(
    folder: Path,
    *,
    threshold: float | None = None,
    expected_labels: Sequence[str] | None = None,
    allowed_labels: Collection[str] | None = None,
) -> TrainedClassifier:
    """Load a saved model (checked, see `load_model`) as a classifier."""
    return TrainedClassifier(
        load_model(folder, expected_labels, allowed_labels=allowed_labels), threshold
    )
