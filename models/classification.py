"""Document classification: taxonomy, predictions and the one interface every backend serves.

Backends (trained scikit-learn model, Ollama LLM, the hybrid of both) live in
`connectors/` and `tasks/`; flows depend only on the `Classifier` protocol here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class Label(BaseModel):
    """One class of the taxonomy, with the description an LLM and a clerk read."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=80)
    description: str = ""


class Taxonomy(BaseModel):
    """The labels a tenant sorts documents into."""

    model_config = ConfigDict(frozen=True)

    labels: tuple[Label, ...] = Field(min_length=2)

    @property
    def names(self) -> list[str]:
        """Label names in their configured order."""
        return [label.name for label in self.labels]

    @classmethod
    def from_names(cls, names: Sequence[str]) -> Taxonomy:
        """A taxonomy without descriptions (e.g. a trained model's labels)."""
        return cls(labels=tuple(Label(name=n) for n in names))


class Prediction(BaseModel):
    """A backend's answer for one document.

    `label` is None when the document goes to a clerk (review); `candidate` then still
    holds the backend's best guess, shown to the clerk as the suggestion. `failed` says
    the backend could not answer for this document at all (a server down mid-batch): it
    is neither labelled nor sent to a clerk, the next run asks again.
    """

    label: str | None
    candidate: str | None
    confidence: float = Field(ge=0.0, le=1.0)
    backend: str
    reasons: list[str] = Field(default_factory=list)
    failed: bool = False


class ClassificationError(RuntimeError):
    """A backend could not answer at all (server down, model missing); says what to do."""


@runtime_checkable
class Classifier(Protocol):
    """What every backend offers: many texts in, one prediction per text out."""

    name: str

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        """Classify texts; never invents labels outside the taxonomy."""
        ...


class ClassifySummary(BaseModel):
    """What one classification run did: counts only (every operator may see it)."""

    tenant: str
    backend: str = Field(description="which backend decided, in words")
    flow_run_id: str | None = None
    documents: int = 0
    auto: int = 0
    review: int = 0
    needs_ocr: int = 0
    unreadable: int = 0
    failed: int = 0
    elsewhere: int = Field(
        default=0, description="documents an overlapping run classified meanwhile (kept)"
    )
    by_label: dict[str, int] = Field(default_factory=dict)
    by_backend: dict[str, int] = Field(default_factory=dict)
    seconds: float = 0.0


class TrainSummary(BaseModel):
    """What one training run produced (no document contents)."""

    tenant: str
    model_version: str | None = None
    examples: int = 0
    from_clerks: int = 0
    from_cases: int = 0
    from_history: int = 0
    history_skipped: int = Field(
        default=0,
        description="shipped history lines left out because their label is not in the "
        "municipality's list (a renamed label, an export from another system)",
    )
    labels: dict[str, int] = Field(default_factory=dict)
    training_set_sha256: str | None = None
    metrics: dict[str, float] = Field(default_factory=dict)
    doubtful_labels: dict[str, int] = Field(
        default_factory=dict,
        description="examples per source whose label the model, not having seen them, "
        "contradicts as surely as it files without a clerk",
    )
    second_looks: int = Field(
        default=0, description="clerks' decisions sent back to the review queue for a second look"
    )
    skipped_reason: str | None = None
    seconds: float = 0.0
