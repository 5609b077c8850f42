"""Training a tenant's model from labelled texts, with figures from documents it did not see.

Everything the model is judged by comes from cross-validation on the training data
itself (out-of-fold predictions of the second stage), so no labelled document is spent
on a separate validation split and the default threshold is chosen on documents the
deciding model had not seen. The first stage's vocabularies are fitted on all training
texts (a slight optimism in those figures; the held-out benchmark measures without it).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import sklearn  # type: ignore[import-untyped]
from numpy.typing import NDArray
from sklearn.model_selection import (  # type: ignore[import-untyped]
    StratifiedKFold,
    cross_val_predict,
)

from connectors.trained_model.metrics import calibration_error, choose_threshold, quality
from connectors.trained_model.model import ModelMeta, TrainedModel
from connectors.trained_model.stack import FORMAT, StackedModel, first_stage, second_stage
from connectors.trained_model.views import normalise
from models.classification import Prediction

MIN_PER_LABEL = 5
TARGET_PRECISION = 0.995
THRESHOLD_FLOOR = 0.5
META_FOLDS = 5


class TrainingError(ValueError):
    """The labelled documents cannot make a model (too few, one label only, ...)."""


def training_set_sha256(texts: Sequence[str], labels: Sequence[str]) -> str:
    """SHA-256 of the normalised (label, text) pairs, independent of their order.

    Re-exporting the same labelled documents in another order gives the same hash, so
    "trained on exactly this" can be checked later without keeping the texts.
    """
    return _digest([normalise(t) for t in texts], labels)


def _digest(normalised: Sequence[str], labels: Sequence[str]) -> str:
    lines = sorted(
        json.dumps([label, text], ensure_ascii=False)
        for text, label in zip(normalised, labels, strict=True)
    )
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def _check(texts: Sequence[str], labels: Sequence[str]) -> Counter[str]:
    if len(texts) != len(labels):
        raise TrainingError("so viele Kategorien wie Texte erwartet")
    counts = Counter(labels)
    if len(counts) < 2:
        raise TrainingError("mindestens zwei Kategorien nötig")
    rare = sorted(label for label, n in counts.items() if n < MIN_PER_LABEL)
    if rare:
        raise TrainingError(
            f"zu wenige Beispiele (mindestens {MIN_PER_LABEL} je Kategorie): {', '.join(rare)}"
        )
    if any(not label for label in counts):
        raise TrainingError("leere Kategorie")
    return counts


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    target_precision: float = TARGET_PRECISION,
) -> TrainedModel:
    """Fit a model and choose its default threshold; the result is not saved yet.

    Args:
        texts: the documents' texts (raw; normalised here).
        labels: one label per text.
        target_precision: what the auto-accepted documents should at least reach on
            the out-of-fold predictions; the default threshold is chosen for it.

    Raises:
        TrainingError: when the data cannot make a model.

    """
    return train_with_out_of_fold(texts, labels, target_precision=target_precision)[0]


def train_with_out_of_fold(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    target_precision: float = TARGET_PRECISION,
) -> tuple[TrainedModel, NDArray[np.float64]]:
    """`train`, also returning each training document's out-of-fold probabilities.

    Those come from second-stage models that did not see the document (columns in
    `TrainedModel.labels` order): what the model would have said of it unseen, which
    is what a label audit (`audit.doubtful_labels`) needs, at no extra training cost.
    """
    started = time.perf_counter()
    counts = _check(texts, labels)
    normalised = [normalise(t) for t in texts]
    y = np.asarray(labels)
    meta_features, parts = first_stage(normalised, labels)
    folds = StratifiedKFold(META_FOLDS, shuffle=True, random_state=1)
    oof = np.asarray(
        cross_val_predict(second_stage(), meta_features, y, cv=folds, method="predict_proba")
    )
    stack = StackedModel.fit(meta_features, labels, parts)
    classes = np.asarray(stack.labels)
    confidence = oof.max(axis=1)
    candidates = classes[oof.argmax(axis=1)]
    correct = candidates == y
    threshold = choose_threshold(confidence, correct, target_precision, THRESHOLD_FLOOR)
    predictions = [
        Prediction(
            label=str(c) if p >= threshold else None,
            candidate=str(c),
            confidence=float(p),
            backend="trained",
        )
        for c, p in zip(candidates, confidence, strict=True)
    ]
    metrics = quality(list(labels), predictions)
    metrics["calibration_error"] = calibration_error(confidence, correct)
    meta = ModelMeta(
        format=FORMAT,
        labels=stack.labels,
        threshold=threshold,
        target_precision=target_precision,
        training_set_sha256=_digest(normalised, labels),
        trained_at=datetime.now(UTC),
        examples=len(texts),
        examples_per_label=dict(sorted(counts.items())),
        sklearn_version=sklearn.__version__,
        train_seconds=round(time.perf_counter() - started, 3),
        validation=f"{META_FOLDS}-fold out-of-fold predictions on the training data",
        metrics=metrics,
    )
    return TrainedModel(stack=stack, meta=meta), oof.astype(np.float64)
