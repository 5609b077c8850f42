"""The fitted model: one linear SVM per view, a gradient-boosted second stage on top.

Why two stages: a linear model adds up evidence, so a long attachment full of topic
words looks as sure as a paper whose head says "Anfrage", and labels whose meaning
changed over the years need interactions (word x year). The second stage
(`HistGradientBoostingClassifier`, trained with log-loss on out-of-fold SVM scores)
learns which view to trust when, and its probabilities are what the threshold reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
from sklearn.model_selection import (  # type: ignore[import-untyped]
    StratifiedKFold,
    cross_val_predict,
)
from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

from connectors.trained_model.views import VIEW_NAMES, VIEWS, normalise, numeric_features

FORMAT = "amtsflow-trained-classifier/1"
BASE_FOLDS = 5
SVM_C = 0.5
CHUNK = 2_000
Matrix = NDArray[np.float64]


def _svm() -> LinearSVC:
    return LinearSVC(C=SVM_C, random_state=0)


def second_stage() -> HistGradientBoostingClassifier:
    """The stacker; small trees and few rounds, because its input is only ~40 numbers."""
    return HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=150,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=0,
    )


def _scores(svm: LinearSVC, features: Any) -> Matrix:
    scores = np.asarray(svm.decision_function(features), dtype=np.float64)
    return scores.reshape(-1, 1) if scores.ndim == 1 else scores


def first_stage(texts: Sequence[str], labels: Sequence[str]) -> tuple[Matrix, dict[str, Any]]:
    """Fit every view on normalised texts; returns out-of-fold scores and the fitted parts.

    The scores the second stage trains on come from SVMs that did not see the document
    (`BASE_FOLDS`-fold, each fitted on 80 % of the data), so it learns how reliable the
    views are on unseen papers.
    """
    y = np.asarray(labels)
    folds = StratifiedKFold(BASE_FOLDS, shuffle=True, random_state=0)
    min_df = 2 if len(texts) >= 200 else 1
    columns, vectorizers, svms = [], [], []
    for view in VIEWS:
        vectorizer = view.vectorizer(min_df)
        features = vectorizer.fit_transform(view.prepare(texts))
        oof = cross_val_predict(_svm(), features, y, cv=folds, method="decision_function")
        columns.append(np.asarray(oof, dtype=np.float64).reshape(len(y), -1))
        svms.append(_svm().fit(features, y))
        vectorizer.stop_words_ = None  # only the cut-off terms; large and never used
        vectorizers.append(vectorizer)
    columns.append(np.asarray(numeric_features(texts), dtype=np.float64))
    parts = {"format": FORMAT, "views": VIEW_NAMES, "vectorizers": vectorizers, "svms": svms}
    return np.hstack(columns), parts


class StackedModel:
    """The fitted pipeline; its `state` (plain sklearn objects) is what gets pickled."""

    def __init__(self, state: dict[str, Any]) -> None:
        if state.get("format") != FORMAT or tuple(state.get("views", ())) != VIEW_NAMES:
            raise ValueError("Modell hat ein anderes Format als dieser Programmstand")
        self.state = state
        self.labels: list[str] = [str(c) for c in state["second_stage"].classes_]

    @classmethod
    def fit(
        cls, meta_features: Matrix, labels: Sequence[str], parts: dict[str, Any]
    ) -> StackedModel:
        """Fit the second stage on the first stage's out-of-fold scores."""
        stacker = second_stage().fit(meta_features, np.asarray(labels))
        return cls({**parts, "second_stage": stacker})

    def features(self, normalised: Sequence[str]) -> Matrix:
        """Second-stage input for already normalised texts."""
        columns = [
            _scores(svm, vectorizer.transform(view.prepare(normalised)))
            for view, vectorizer, svm in zip(
                VIEWS, self.state["vectorizers"], self.state["svms"], strict=True
            )
        ]
        columns.append(np.asarray(numeric_features(normalised), dtype=np.float64))
        return np.hstack(columns)

    def predict_proba(self, texts: Sequence[str]) -> Matrix:
        """Probabilities per label (columns in `labels` order), in chunks to bound memory."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        parts = []
        for start in range(0, len(texts), CHUNK):
            normalised = [normalise(t) for t in texts[start : start + CHUNK]]
            proba = self.state["second_stage"].predict_proba(self.features(normalised))
            parts.append(np.asarray(proba, dtype=np.float64))
        return np.vstack(parts)
