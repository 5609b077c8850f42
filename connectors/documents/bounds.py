"""Upper bounds on what a parser hands back, and a field collector that keeps to them.

A hostile document can hold millions of fields or a gigabyte of text; the result
crosses a pipe and lands in the database, so every reader cuts at the same limits.
"""

from __future__ import annotations

MAX_TEXT_CHARS = 20_000
"""Characters of body text kept per document (enough for classification)."""

MAX_PDF_TEXT_PAGES = 5
"""Pages whose text is extracted; forms and letters say what they are up front."""

MAX_FIELDS = 1_000
"""Form fields kept per document; real municipal forms have a few hundred at most."""

MAX_LABEL_CHARS = 200
"""Characters of a field label kept; longer labels are cut."""

MAX_VALUE_CHARS = 10_000
"""Characters of a field value kept; longer values are cut."""


def clip(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Cut `text` to at most `limit` characters."""
    return text if len(text) <= limit else text[:limit]


class FieldSink:
    """Collects label -> value pairs, keeping the first occurrence and at most `limit`.

    Readers stop early once `full` is true, so a document with a million fields costs
    no more than one with `limit`.
    """

    def __init__(self, limit: int = MAX_FIELDS) -> None:
        """Start empty; `limit` is the number of distinct labels kept."""
        self.fields: dict[str, str] = {}
        self._limit = limit

    @property
    def full(self) -> bool:
        """True once no further label will be accepted."""
        return len(self.fields) >= self._limit

    def add(self, label: str, value: str) -> None:
        """Keep `value` under `label` unless the label is empty, known already, or full."""
        label = clip(label.strip(), MAX_LABEL_CHARS)
        if not label or label in self.fields or self.full:
            return
        self.fields[label] = clip(value, MAX_VALUE_CHARS)
