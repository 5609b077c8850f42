"""Document parsing: PDF, DOCX, e-mail and web-form JSON, read in a sandbox.

Flows and tasks depend on the `DocumentParser` protocol; `ParserPool` is the real
implementation (resource-limited worker processes), and a test may hand in a fake.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from connectors.documents.detect import detect_kind
from connectors.documents.models import Attachment, DocumentKind, ParsedDocument, ParseFailure
from connectors.documents.parse import parse_document
from connectors.documents.pool import ParserPool


class DocumentParser(Protocol):
    """Reads documents into `ParsedDocument`s; failures are results, not exceptions."""

    def parse_many(self, paths: Iterable[Path]) -> Iterator[tuple[Path, ParsedDocument]]:
        """Yield (path, result) for every path, in completion order."""
        ...

    def close(self) -> None:
        """Release the parser's processes or other resources."""
        ...


__all__ = [
    "Attachment",
    "DocumentKind",
    "DocumentParser",
    "ParseFailure",
    "ParsedDocument",
    "ParserPool",
    "detect_kind",
    "parse_document",
]
