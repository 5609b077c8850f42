"""PDF: AcroForm fields, the first pages' text, and whether there is text at all.

pypdf is pure Python and guards its decoders with its own limits (stream sizes,
decompression output, page-tree depth); those limits are kept and external helper
programs are switched off, since this code reads documents from strangers.
"""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any

from pypdf import PageObject, PasswordType, PdfReader, apply_configuration
from pypdf.errors import DependencyError, LimitReachedError, PdfReadError

from connectors.documents.bounds import MAX_PDF_TEXT_PAGES, MAX_TEXT_CHARS, FieldSink, clip
from connectors.documents.failure import Unreadable
from connectors.documents.models import DocumentKind, ParsedDocument, ParseFailure

_RADIO = 1 << 15  # /Ff bit 16
_PUSHBUTTON = 1 << 16  # /Ff bit 17
_WIDGET_PAGES = 50  # pages searched for orphaned widgets
_WIDGET_ANNOTS = 2_000  # annotations looked at per page
_PARENT_DEPTH = 20  # pypdf itself stops form-field trees at 100
_BOX_SLACK = 2.0  # points: glyphs sit a little below the baseline


def read_pdf(data: bytes) -> ParsedDocument:
    """Read a PDF.

    Args:
        data: The file's bytes.

    Returns:
        Fields, title, text of the first pages, page count and text-layer flag.

    Raises:
        Unreadable: Encrypted with a real password, or beyond pypdf's size limits.
        Exception: Any pypdf error for a damaged file; the caller maps it to DAMAGED.
    """
    with apply_configuration(jbig2dec_binary=None):
        try:
            reader = PdfReader(BytesIO(data), strict=False)
            if reader.is_encrypted:
                _decrypt(reader)
            page_count = len(reader.pages)
            fields = _form_fields(reader)
            text, has_text_layer = _text(reader)
        except LimitReachedError:
            raise Unreadable(ParseFailure.TOO_LARGE, "pdf: LimitReachedError") from None
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
        raise Unreadable(ParseFailure.ENCRYPTED, f"pdf: {type(error).__name__}") from None
    if result == PasswordType.NOT_DECRYPTED:
        raise Unreadable(ParseFailure.ENCRYPTED, "pdf: password required")


def _form_fields(reader: PdfReader) -> dict[str, str]:
    """AcroForm fields by fully qualified name; widgets if the catalogue lost its form."""
    sink = FieldSink()
    fields = reader.get_fields() or {}
    for name, field in fields.items():
        if sink.full:
            break
        value = _field_value(field)
        if value is not None:
            sink.add(str(name), value)
    if not fields:
        _widget_fields(reader, sink)
    return sink.fields


def _widget_fields(reader: PdfReader, sink: FieldSink) -> None:
    """Fields from page widgets: pages cut out of a form keep widgets but no /AcroForm."""
    for page in reader.pages[:_WIDGET_PAGES]:
        annots = page.get("/Annots")
        annots = annots.get_object() if annots is not None else None
        if not isinstance(annots, list):
            continue
        for ref in annots[:_WIDGET_ANNOTS]:
            annot = ref.get_object()
            if not isinstance(annot, Mapping) or annot.get("/Subtype") != "/Widget":
                continue
            name, field = _qualified(annot)
            value = _field_value(field)
            if name and value is not None:
                sink.add(name, value)
            if sink.full:
                return


def _qualified(widget: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The dotted name of a widget's field and its inheritable /FT, /V, /Ff entries."""
    names: list[str] = []
    field: dict[str, Any] = {}
    node: Any = widget
    for _ in range(_PARENT_DEPTH):
        if not isinstance(node, Mapping):
            break
        if "/T" in node:
            names.append(str(node["/T"]))
        for key in ("/FT", "/V", "/Ff"):
            if key in node and key not in field:
                field[key] = node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(names)), field


def _field_value(field: Mapping[str, Any]) -> str | None:
    """A field's value as text: checkboxes ja/nein, radio groups the chosen option.

    Push buttons carry no value and are left out (None).
    """
    kind = field.get("/FT")
    value = field.get("/V")
    value = value.get_object() if hasattr(value, "get_object") else value
    if kind == "/Btn":
        flags = _int(field.get("/Ff"))
        if flags & _PUSHBUTTON:
            return None
        chosen = value is not None and str(value) != "/Off"
        if flags & _RADIO:
            return str(value).lstrip("/") if chosen else ""
        return "ja" if chosen else "nein"
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _int(value: object) -> int:
    """An integer PDF entry, 0 when missing or malformed."""
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


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
        """pypdf's `visitor_text` callback."""
        if not self.found and text.strip() and _inside(self.box, cm, tm):
            self.found = True


def _visible_box(page: PageObject) -> tuple[float, float, float, float] | None:
    """The page's crop box as (left, bottom, right, top), None if unreadable."""
    try:
        box = page.cropbox
        return (float(box.left), float(box.bottom), float(box.right), float(box.top))
    except Exception:  # noqa: BLE001 - a bad box only weakens the text-layer check
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
    return (
        min(left, right) - _BOX_SLACK <= x <= max(left, right) + _BOX_SLACK
        and min(bottom, top) - _BOX_SLACK <= y <= max(bottom, top) + _BOX_SLACK
    )


def _title(reader: PdfReader) -> str | None:
    """The document information /Title; unreadable metadata is no reason to fail."""
    try:
        metadata = reader.metadata
        title = metadata.title if metadata is not None else None
    except Exception:  # noqa: BLE001 - metadata is optional, the document still counts
        return None
    if not isinstance(title, str):
        return None
    title = title.replace("\x00", "").strip()
    return clip(title, 500) or None
