"""The one exception readers raise for a document they can name a reason for."""

from __future__ import annotations

from connectors.documents.models import DocumentKind, ParseFailure


class UnreadableError(Exception):
    """A document that cannot be read, for a reason a clerk can be told.

    `detail` is technical and must never quote the document: it ends up in logs
    and in the quarantine record, where personal data has no place.
    """

    def __init__(
        self, failure: ParseFailure, detail: str, kind: DocumentKind | None = None
    ) -> None:
        """Record the failure, a content-free detail and optionally a corrected kind."""
        super().__init__(detail)
        self.failure = failure
        self.detail = detail
        self.kind = kind
