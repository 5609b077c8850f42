"""PDF: AcroForm fields, the first pages' text, and whether there is text at all.

pypdf is pure Python and guards its decoders with its own limits (stream sizes,
decompression output, page-tree depth); those limits are kept and external helper
programs are switched off, since this code reads documents from strangers.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from pypdf import PageObject, PasswordType, PdfReader, apply_configuration
from pypdf.errors import DependencyError, LimitReachedError, PdfReadError

from connectors.documents.acroform import form_fields
from connectors.documents.bounds import MAX_PDF_TEXT_PAGES, MAX_TEXT_CHARS, clip
from connectors.documents.failure import UnreadableError
from connectors.documents.models import DocumentKind, ParsedDocument, ParseFailure

_BOX_SLACK = 2.0  # points: glyphs sit a little below the baseline


def read_pdf(data: bytes) -> ParsedDocument:
    """Read a PDF.

    Args:
        data: The file's bytes.

    Returns:
        Fields, title, text of the first pages, page count and text-layer flag.

    Raises:
        UnreadableError: Encrypted with a real password (ENCRYPTED), or needs more
            memory than pypdf's decoding limits allow (MEMORY: a decompression bomb).
        Exception: Any pypdf error for a damaged file; the caller maps it to DAMAGED.

    """
    with apply_configuration(jbig2dec_binary=None):
        try:
            reader = PdfReader(BytesIO(data), strict=False)
            if reader.is_encrypted:
                _decrypt(reader)
            page_count = len(reader.pages)
            fields = form_fields(reader)
            text, has_text_layer = _text(reader)
        except LimitReachedError:
            raise UnreadableError(ParseFailure.MEMORY, "pdf: LimitReachedError") from None
        return ParsedDocument(
            kind=DocumentKind.PDF,
            fields=fields,
            title=_title(reader),
            text=text,
            page_count=page_count,
            has_text_layer=has_text_layer,
        )


def _decrypt(reader: PdfReader) -> None:
    """Open a PDF that is encrypted with the empty user password (permissions only)."""
    try:
        result = reader.decrypt("")
    except (NotImplementedError, DependencyError, PdfReadError) as error:
        raise UnreadableError(ParseFailure.ENCRYPTED, f"pdf: {type(error).__name__}") from None
    if result == PasswordType.NOT_DECRYPTED:
        raise UnreadableError(ParseFailure.ENCRYPTED, "pdf: password required")


def _text(reader: PdfReader) -> tuple[str, bool]:
    """Text of the first pages, and whether any non-blank text is drawn on a page.

    Text placed outside the visible page (ImageMagick writes image labels there) is
    kept in the text but does not count as a text layer: such a page still needs OCR.
    """
    parts: list[str] = []
    total = 0
    layer = _TextLayer()
    for page in reader.pages[:MAX_PDF_TEXT_PAGES]:
        layer.box = _visible_box(page)
        part = page.extract_text(visitor_text=layer.visit)
        parts.append(part)
        total += len(part)
        if total >= MAX_TEXT_CHARS:
            break
    return clip("\n".join(parts)), layer.found


class _TextLayer:
    """Watches text drawing operations for non-blank text inside the current page."""

    def __init__(self) -> None:
        """Nothing found yet; `box` is set per page."""
        self.found = False
        self.box: tuple[float, float, float, float] | None = None

    def visit(self, text: str, cm: Any, tm: Any, _font: Any, _size: Any) -> None:
        """Note non-blank text inside the page (the `visitor_text` callback of pypdf)."""
        if not self.found and text.strip() and _inside(self.box, cm, tm):
            self.found = True


def _visible_box(page: PageObject) -> tuple[float, float, float, float] | None:
    """Return the crop box as (left, bottom, right, top), None if unreadable."""
    try:
        box = page.cropbox
        return (float(box.left), float(box.bottom), float(box.right), float(box.top))
    except Exception:  # a bad box only weakens the text-layer check
        return None


def _inside(box: tuple[float, float, float, float] | None, cm: Any, tm: Any) -> bool:
    """Whether text drawn with matrices `cm` and `tm` starts inside `box`."""
    if box is None:
        return True
    try:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
    except (TypeError, IndexError):
        return True
    left, bottom, right, top = box
    return bool(
        min(left, right) - _BOX_SLACK <= x <= max(left, right) + _BOX_SLACK
        and min(bottom, top) - _BOX_SLACK <= y <= max(bottom, top) + _BOX_SLACK
    )


def _title(reader: PdfReader) -> str | None:
    """Return the document information /Title; unreadable metadata fails nothing."""
    try:
        metadata = reader.metadata
        title = metadata.title if metadata is not None else None
    except Exception:  # metadata is optional, the document still counts
        return None
    if not isinstance(title, str):
        return None
    title = title.replace("\x00", "").strip()
    return clip(title, 500) or None
