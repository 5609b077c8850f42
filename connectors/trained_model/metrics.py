"""Quality figures of any backend's predictions, and the choice of a confidence threshold.

The same definitions serve the training report (meta.json), `classify evaluate` and the
benchmark, so a figure means the same wherever it is printed:

- `accuracy`, `macro_f1`, `per_label` judge each document's best guess (`candidate`),
  whether or not it would have been accepted;
- `auto_accepted_share` / `auto_accepted_accuracy` judge what would be filed without a
  clerk (`label` not None).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import precision_recall_fscore_support  # type: ignore[import-untyped]

from models.classification import Prediction

NO_LABEL = "<keine>"


def quality(truth: Sequence[str], predictions: Sequence[Prediction]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-label figures and the auto-accepted share and accuracy."""
    if len(truth) != len(predictions):
        raise ValueError("so viele Vorhersagen wie Dokumente erwartet")
    guesses = [p.candidate if p.candidate is not None else NO_LABEL for p in predictions]
    labels = sorted(set(truth) | (set(guesses) - {NO_LABEL}))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, guesses, labels=labels, zero_division=0
    )
    accepted = [(t, p.label) for t, p in zip(truth, predictions, strict=True) if p.label]
    n = len(truth)
    return {
        "documents": n,
        "accuracy": _share(sum(t == g for t, g in zip(truth, guesses, strict=True)), n),
        "macro_f1": round(float(np.mean(f1)), 4) if labels else None,
        "per_label": {
            label: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "auto_accepted_share": _share(len(accepted), n),
        "auto_accepted_accuracy": _share(sum(t == lab for t, lab in accepted), len(accepted)),
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def choose_threshold(
    confidence: NDArray[np.float64], correct: NDArray[np.bool_], target: float, floor: float
) -> float:
    """The lowest threshold whose accepted documents are at least `target` correct.

    Walks the documents from the surest down and keeps the widest acceptance whose
    precision still meets the target (ties at a confidence are taken together). Never
    below `floor`; 1.0 (nearly everything to a clerk) when even the surest miss it.
    """
    order = np.argsort(-confidence, kind="stable")
    conf, ok = confidence[order], correct[order].astype(np.float64)
    precision = np.cumsum(ok) / np.arange(1, len(ok) + 1)
    last_of_tie = np.append(conf[1:] < conf[:-1], True)
    meets = np.flatnonzero(last_of_tie & (precision >= target))
    if meets.size == 0:
        return 1.0
    return float(max(conf[meets[-1]], floor))


def calibration_error(
    confidence: NDArray[np.float64], correct: NDArray[np.bool_], bins: int = 10
) -> float:
    """Expected calibration error: how far stated confidence is from observed accuracy."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return round(float(total), 4)
