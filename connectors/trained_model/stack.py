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

from connectors.trained_model.parallel import (
    Shipment,
    even_slices,
    receive,
    run_all,
    ship,
    workers_for,
)
from connectors.trained_model.vectorize import tfidf_transform
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


def _fit_view(
    index: int, prepared: Sequence[str], labels: Matrix, min_df: int
) -> tuple[Matrix, Any, LinearSVC]:
    """One view: its vocabulary, its out-of-fold scores and its SVM (runs in a worker).

    Gets the view's prepared texts (a head view ships 200 characters, not 20,000).
    """
    folds = StratifiedKFold(BASE_FOLDS, shuffle=True, random_state=0)
    vectorizer = VIEWS[index].vectorizer(min_df)
    features = vectorizer.fit_transform(prepared)
    oof = cross_val_predict(_svm(), features, labels, cv=folds, method="decision_function")
    svm = _svm().fit(features, labels)
    vectorizer.stop_words_ = None  # only the cut-off terms; large and never used
    return np.asarray(oof, dtype=np.float64).reshape(len(labels), -1), vectorizer, svm


def first_stage(
    texts: Sequence[str], labels: Sequence[str], workers: int | None = None
) -> tuple[Matrix, dict[str, Any]]:
    """Fit every view on normalised texts; returns out-of-fold scores and the fitted parts.

    The scores the second stage trains on come from SVMs that did not see the document
    (`BASE_FOLDS`-fold, each fitted on 80 % of the data), so it learns how reliable the
    views are on unseen papers. The views are independent, so they are fitted side by
    side in worker processes (slowest first, so the last one to start is a short one).
    """
    y = np.asarray(labels)
    min_df = 2 if len(texts) >= 200 else 1
    jobs = workers_for(len(texts), workers)
    order = sorted(range(len(VIEWS)), key=lambda i: VIEWS[i].cost, reverse=True)
    calls = ((i, VIEWS[i].prepare(texts), y, min_df) for i in order)
    fitted = run_all(_fit_view, calls, jobs)
    by_view = dict(zip(order, fitted, strict=True))
    columns = [by_view[i][0] for i in range(len(VIEWS))]
    columns.append(np.asarray(numeric_features(texts), dtype=np.float64))
    parts = {
        "format": FORMAT,
        "views": VIEW_NAMES,
        "vectorizers": [by_view[i][1] for i in range(len(VIEWS))],
        "svms": [by_view[i][2] for i in range(len(VIEWS))],
    }
    return np.hstack(columns), parts


def _proba_in_worker(shipment: Shipment, texts: Sequence[str]) -> Matrix:
    """Probabilities for a slice, in a worker process (model loaded once per worker)."""
    return receive(shipment, StackedModel).predict_proba(texts, workers=1)


class StackedModel:
    """The fitted pipeline; its `state` (plain sklearn objects) is what gets pickled."""

    def __init__(self, state: dict[str, Any]) -> None:
        if state.get("format") != FORMAT or tuple(state.get("views", ())) != VIEW_NAMES:
            raise ValueError("Modell hat ein anderes Format als dieser Programmstand")
        self.state = state
        self._shipped: Shipment | None = None
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
            _scores(svm, tfidf_transform(vectorizer, view.prepare(normalised)))
            for view, vectorizer, svm in zip(
                VIEWS, self.state["vectorizers"], self.state["svms"], strict=True
            )
        ]
        columns.append(np.asarray(numeric_features(normalised), dtype=np.float64))
        return np.hstack(columns)

    def _shipment(self) -> Shipment:
        """The model as a file for worker processes (written on first use)."""
        if self._shipped is None:
            self._shipped = ship(self.state, owner=self)
        return self._shipped

    def predict_proba(self, texts: Sequence[str], workers: int | None = None) -> Matrix:
        """Probabilities per label (columns in `labels` order).

        Texts go in slices of at most `CHUNK` (bounded memory); a large batch is spread
        over `workers` processes (default: `parallel.workers_for`).
        """
        if not texts:
            return np.zeros((0, len(self.labels)))
        jobs = workers_for(len(texts), workers)
        if jobs > 1:
            shipment = self._shipment()
            slices = even_slices(len(texts), jobs, CHUNK)
            calls = ((shipment, list(texts[part])) for part in slices)
            return np.vstack(run_all(_proba_in_worker, calls, jobs))
        parts = []
        for part in even_slices(len(texts), 1, CHUNK):
            normalised = [normalise(t) for t in texts[part]]
            proba = self.state["second_stage"].predict_proba(self.features(normalised))
            parts.append(np.asarray(proba, dtype=np.float64))
        return np.vstack(parts)
