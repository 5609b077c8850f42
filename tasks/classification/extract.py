"""The text a classifier reads, from what the (limited, separate) parser extracted.

Forms carry most of their meaning in field labels and values, so those are rendered as
`Label: value` lines after the title; free text follows. A PDF without a text layer and
without fields is marked "needs OCR" instead of being classified from nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.documents import DocumentKind, ParsedDocument

MAX_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class ClassificationText:
    """Text for the classifier, or the reason there is none."""

    text: str
    needs_ocr: bool


def classification_text(parsed: ParsedDocument) -> ClassificationText:
    """Render a parsed document for classification (bounded to 20,000 characters)."""
    if parsed.kind is DocumentKind.PDF and not parsed.fields and parsed.has_text_layer is False:
        return ClassificationText("", needs_ocr=True)
    parts: list[str] = []
    if parsed.title:
        parts.append(parsed.title)
    parts.extend(f"{label}: {value}" for label, value in parsed.fields.items() if value)
    if parsed.text:
        parts.append(parsed.text)
    return ClassificationText("\n".join(parts)[:MAX_CHARS], needs_ocr=False)
