"""The training set of a tenant's model: its history, its cases, its clerks' decisions.

A clerk's decision outranks the label a case implies (the clerk saw the document), and
both outrank the shipped history; each document counts once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from models.db import Case, Classification, ClassificationStatus, DocumentText
from models.tenant import ClassificationConfig
from models.tenant_scope import TenantSession


@dataclass
class TrainingSet:
    """Texts with labels and where each came from."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    """The source of each example, in order ("clerks", "cases", "history")."""
    document_ids: list[int | None] = field(default_factory=list)
    """The tenant's document of each example (None for shipped history)."""
    history_skipped: int = 0
    """Shipped history lines left out because their label is not in the list."""

    def add(self, text: str, label: str, source: str, document_id: int | None = None) -> None:
        """Add one example."""
        self.texts.append(text)
        self.labels.append(label)
        self.origins.append(source)
        self.document_ids.append(document_id)

    @property
    def sources(self) -> Counter[str]:
        """How many examples came from each source."""
        return Counter(self.origins)


def from_database(session: TenantSession, config: ClassificationConfig) -> TrainingSet:
    """Examples from the tenant's own documents (decisions first, then cases)."""
    allowed = {label.name for label in config.labels}
    chosen: dict[int, tuple[str, str, str]] = {}
    decided = (
        select(DocumentText.document_id, DocumentText.text, Classification.label)
        .join(Classification, Classification.document_id == DocumentText.document_id)
        .where(Classification.status.in_(sorted(ClassificationStatus.DECIDED)))
    )
    for doc_id, text, label in session.execute(decided):
        if label in allowed and text:
            chosen[doc_id] = (text, label, "clerks")
    cases = select(DocumentText.document_id, DocumentText.text, Case.form_type).join(
        Case, Case.document_id == DocumentText.document_id
    )
    for doc_id, text, form_type in session.execute(cases):
        label = config.form_labels.get(form_type)
        if label in allowed and text and doc_id not in chosen:
            chosen[doc_id] = (text, label, "cases")
    result = TrainingSet()
    for doc_id, (text, label, source) in chosen.items():
        result.add(text, label, source, doc_id)
    return result
