"""What the document parser hands back: plain data, safe to send between processes.

The parser runs in a separate, resource-limited process (hostile PDFs exist), so
everything it returns must be picklable and bounded in size.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class DocumentKind(StrEnum):
    """Content type, detected from the bytes, never from the file name."""

    JSON = "json"
    PDF = "pdf"
    DOCX = "docx"
    EML = "eml"
    UNKNOWN = "unknown"


class ParseFailure(StrEnum):
    """Why a document could not be read; each maps to a reason a clerk understands."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNSUPPORTED = "unsupported"
    ENCRYPTED = "encrypted"
    DAMAGED = "damaged"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    CRASHED = "crashed"


class Attachment(BaseModel):
    """A file carried inside an e-mail; it is stored and processed as its own document."""

    filename: str | None = None
    media_type: str = "application/octet-stream"
    content: bytes


class ParsedDocument(BaseModel):
    """The parser's reading of one document.

    `fields` holds form fields as label -> value exactly as the sender typed them
    (AcroForm fields, DOCX field/value table rows and content controls, JSON
    keys, `Label: value` lines of a form-mailer e-mail). Mapping labels to a form
    model is not the parser's job. `dropped_parts` counts an e-mail's attached parts
    that were left out (over the attachment limit, nested too deep, undecodable), so
    the intake can record that the clerk does not see everything that was sent.
    """

    kind: DocumentKind
    fields: dict[str, str] = Field(default_factory=dict)
    title: str | None = None
    text: str = ""
    page_count: int | None = None
    has_text_layer: bool | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    dropped_parts: int = 0
    failure: ParseFailure | None = None
    failure_detail: str | None = None

    @property
    def ok(self) -> bool:
        """True when the document was read; its content may still be no known form."""
        return self.failure is None
