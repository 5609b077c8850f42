"""One document in, one `ParsedDocument` out, whatever the bytes are.

This runs inside the sandboxed worker process but is a plain function, so tests and
tools can call it directly. It never raises: every failure becomes a result with a
reason, because one bad upload must not stop a batch.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

from connectors.documents.detect import HEAD_BYTES, detect_kind
from connectors.documents.failure import UnreadableError
from connectors.documents.mail import read_eml
from connectors.documents.models import DocumentKind, ParsedDocument, ParseFailure
from connectors.documents.pdf import read_pdf
from connectors.documents.webform import read_json
from connectors.documents.word import read_docx

_READERS: dict[DocumentKind, Callable[[bytes], ParsedDocument]] = {
    DocumentKind.JSON: read_json,
    DocumentKind.PDF: read_pdf,
    DocumentKind.DOCX: read_docx,
    DocumentKind.EML: read_eml,
}


def parse_document(path: Path, max_bytes: int) -> ParsedDocument:
    """Read the document at `path`, detecting its kind from the content.

    Args:
        path: A regular file (in practice: an original in the document store).
        max_bytes: Larger files are refused unread, as TOO_LARGE.

    Returns:
        The reading, or a result whose `failure` says why there is none. The
        `failure_detail` names exception classes only, never document content.

    """
    kind = DocumentKind.UNKNOWN
    try:
        data = _read(path, max_bytes)
        kind = detect_kind(data[:HEAD_BYTES])
        reader = _READERS.get(kind)
        if reader is None:
            raise UnreadableError(ParseFailure.UNSUPPORTED, "unknown content")
        return reader(data)
    except UnreadableError as error:
        return failed(error.kind or kind, error.failure, error.detail)
    except MemoryError:
        return failed(kind, ParseFailure.MEMORY, f"{kind}: MemoryError")
    except Exception as error:  # any parser bug means "cannot read this"
        return failed(kind, ParseFailure.DAMAGED, f"{kind}: {type(error).__name__}")


def failed(kind: DocumentKind, failure: ParseFailure, detail: str) -> ParsedDocument:
    """Build a result that carries only the reason why the document could not be read."""
    return ParsedDocument(kind=kind, failure=failure, failure_detail=detail)


def _read(path: Path, max_bytes: int) -> bytes:
    """Read the file, refusing empty, oversized and non-regular files before reading."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise UnreadableError(ParseFailure.UNSUPPORTED, "not a regular file")
        if info.st_size > max_bytes:
            raise UnreadableError(ParseFailure.TOO_LARGE, "file larger than limit")
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as error:
        raise UnreadableError(ParseFailure.DAMAGED, f"read: {type(error).__name__}") from None
    if len(data) > max_bytes:  # grew since stat
        raise UnreadableError(ParseFailure.TOO_LARGE, "file larger than limit")
    if not data:
        raise UnreadableError(ParseFailure.EMPTY, "empty file")
    return data
