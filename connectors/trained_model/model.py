"""A trained model together with the description that travels with it (meta.json)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

from connectors.trained_model.stack import FORMAT, StackedModel

MODEL_FILE = "model.joblib"
META_FILE = "meta.json"


class ModelMeta(BaseModel):
    """What a saved model is, how it was made and how good it was on unseen documents."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str = Field(pattern=f"^{FORMAT}$")
    labels: list[str] = Field(min_length=2)
    threshold: float = Field(ge=0, le=1, description="default confidence for auto-accepting")
    target_precision: float = Field(ge=0, le=1)
    training_set_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    trained_at: datetime
    examples: int = Field(ge=1)
    examples_per_label: dict[str, int]
    sklearn_version: str
    model_file: str = MODEL_FILE
    model_sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$", description="set when saved"
    )
    train_seconds: float = Field(ge=0)
    validation: str
    metrics: dict[str, Any]

    @model_validator(mode="after")
    def _labels_unique(self) -> ModelMeta:
        if len(set(self.labels)) != len(self.labels) or not all(self.labels):
            raise ValueError("Kategorien leer oder doppelt")
        if self.model_file != MODEL_FILE:
            raise ValueError(f"Modelldatei muss {MODEL_FILE} heißen")
        return self


@dataclass(frozen=True)
class TrainedModel:
    """The fitted stack and its meta; loads from a folder without the training data."""

    stack: StackedModel
    meta: ModelMeta

    @property
    def labels(self) -> list[str]:
        """Labels in the column order of `predict_proba`."""
        return list(self.stack.labels)

    @property
    def threshold(self) -> float:
        """The default confidence threshold chosen at training time."""
        return self.meta.threshold

    def predict_proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Probabilities per label for raw texts (normalised inside)."""
        return self.stack.predict_proba(texts)
