"""The text a classifier reads, from what the (limited, separate) parser extracted.

Forms carry most of their meaning in field labels and values, so those are rendered as
`Label: value` lines after the title; free text follows. A PDF without a text layer and
without fields is marked "needs OCR", and a document the parser could not read
(damaged, encrypted, empty, too large, too slow) is marked unreadable with the clerk's
reason: neither is classified from nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.documents import DocumentKind, ParsedDocument
from models.settings import Settings
from tasks import reasons

MAX_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class ClassificationText:
    """Text for the classifier, or the reason there is none."""

    text: str
    needs_ocr: bool
    unreadable: str | None = None
    """Why the parser could not read it (the intake's quarantine wording), else None."""


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """The parser's limits, named in the reason when a document exceeded one."""

    timeout_s: float
    max_mb: int

    @classmethod
    def from_settings(cls) -> ParseLimits:
        """The limits the flow's parser pool runs with (the same settings)."""
        settings = Settings()
        return cls(settings.parse_timeout_s, settings.max_file_mb)


def classification_text(
    parsed: ParsedDocument, limits: ParseLimits | None = None
) -> ClassificationText:
    """Render a parsed document for classification (bounded to 20,000 characters)."""
    if not parsed.ok:
        limits = limits or ParseLimits.from_settings()
        reason = reasons.for_parse_failure(parsed, timeout_s=limits.timeout_s, max_mb=limits.max_mb)
        return ClassificationText("", needs_ocr=False, unreadable=reason.text)
    if parsed.kind is DocumentKind.PDF and not parsed.fields and parsed.has_text_layer is False:
        return ClassificationText("", needs_ocr=True)
    parts: list[str] = []
    if parsed.title:
        parts.append(parsed.title)
    parts.extend(f"{label}: {value}" for label, value in parsed.fields.items() if value)
    if parsed.text:
        parts.append(parsed.text)
    return ClassificationText("\n".join(parts)[:MAX_CHARS], needs_ocr=False)
