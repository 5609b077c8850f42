"""Labels of the training data that the model, not having seen the document, contradicts.

A municipality's filing history has mistakes: a paper headed "Anfrage" filed as
"Antrag", an "Informationsvorlage" filed as "Beschlussvorlage". They teach the model the
wrong thing and make it look worse than it is. The out-of-fold probabilities of a
training run say, for every training document, what a model that had not seen it
thought; where that model was as sure as it must be to file a document without a clerk,
and still disagreed, the label deserves a clerk's second look. In the Karlsruhe papers
most such documents are misfiled (their own heading names the suggested type).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class DoubtfulLabel:
    """One training document whose label the model doubts."""

    index: int
    """Position among the documents given to training (0-based)."""
    label: str
    suggested: str
    confidence: float


def doubtful_labels(
    labels: Sequence[str],
    out_of_fold: NDArray[np.float64],
    classes: Sequence[str],
    min_confidence: float,
) -> list[DoubtfulLabel]:
    """Documents whose out-of-fold best guess differs from their label, surest first.

    Args:
        labels: the training labels, in training order.
        out_of_fold: probabilities per document (rows) and class (columns).
        classes: the column names of `out_of_fold`.
        min_confidence: how sure the unseen model must have been (usually the model's
            auto-accept threshold: as sure as for filing without a clerk).

    Raises:
        ValueError: when the shapes do not fit together.

    """
    if out_of_fold.shape != (len(labels), len(classes)):
        raise ValueError("so viele Zeilen wie Dokumente und Spalten wie Kategorien erwartet")
    if not len(labels):
        return []
    best = out_of_fold.argmax(axis=1)
    confidence = out_of_fold[np.arange(len(labels)), best]
    found = [
        DoubtfulLabel(i, labels[i], classes[int(best[i])], float(confidence[i]))
        for i in range(len(labels))
        if classes[int(best[i])] != labels[i] and confidence[i] >= min_confidence
    ]
    return sorted(found, key=lambda d: (-d.confidence, d.index))
