"""DOCX: field tables, content controls, title and body text of a Word document.

Municipal Word forms come in two shapes: a two-column table (label | value) or content
controls (`w:sdt`) that the form's author tagged. Both are read from the XML directly,
because python-docx's object model hides content controls and placeholder state.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import docx
from docx.oxml.ns import qn

from connectors.documents.bounds import MAX_TEXT_CHARS, FieldSink, clip
from connectors.documents.failure import UnreadableError
from connectors.documents.models import DocumentKind, ParsedDocument, ParseFailure

_MAX_UNPACKED = 256 * 2**20  # all parts together, as declared in the zip directory
_MAX_XML_PART = 32 * 2**20  # one XML part; lxml needs several times this in memory
_T, _TAB, _BR, _CR, _P = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:p")
_SDT, _SDT_PR, _SDT_CONTENT = qn("w:sdt"), qn("w:sdtPr"), qn("w:sdtContent")
_PLACEHOLDER, _TAG, _ALIAS, _VAL = qn("w:showingPlcHdr"), qn("w:tag"), qn("w:alias"), qn("w:val")
_TR, _P_PR, _P_STYLE = qn("w:tr"), qn("w:pPr"), qn("w:pStyle")
_W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
_CHECKBOX, _CHECKED, _W14_VAL = f"{{{_W14}}}checkbox", f"{{{_W14}}}checked", f"{{{_W14}}}val"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_HEADING_WORDS = ("heading", "title", "überschrift", "berschrift", "titel")


def read_docx(data: bytes) -> ParsedDocument:
    """Read a Word document.

    Args:
        data: The file's bytes (a zip archive).

    Returns:
        Fields from label/value table rows and content controls, title and text.

    Raises:
        UnreadableError: A zip that is no Word document (UNSUPPORTED), or one that
            unpacks beyond the limits (MEMORY: a zip bomb).
        Exception: zip and XML errors of a damaged file; the caller maps them to DAMAGED.

    """
    _check_archive(data)
    try:
        document = docx.Document(BytesIO(data))
    except ValueError as error:
        if "not a Word file" in str(error):  # e.g. macro-enabled .docm, templates
            raise UnreadableError(ParseFailure.UNSUPPORTED, "docx: not a Word document") from None
        raise
    body = document.element.body
    sink = FieldSink()
    _table_fields(body, sink)
    _control_fields(body, sink)
    paragraphs = _paragraphs(body)
    return ParsedDocument(
        kind=DocumentKind.DOCX,
        fields=sink.fields,
        title=_core_title(document) or _heading(document, body) or _first(paragraphs),
        text=clip("\n".join(paragraphs)),
    )


def _check_archive(data: bytes) -> None:
    """Refuse zips without a Word body, and zips that would unpack beyond the limits."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        members = archive.infolist()
    if not any(member.filename == "word/document.xml" for member in members):
        raise UnreadableError(
            ParseFailure.UNSUPPORTED, "zip without word/document.xml", DocumentKind.UNKNOWN
        )
    too_big_xml = any(
        member.file_size > _MAX_XML_PART and member.filename.endswith((".xml", ".rels"))
        for member in members
    )
    if too_big_xml or sum(member.file_size for member in members) > _MAX_UNPACKED:
        raise UnreadableError(ParseFailure.MEMORY, "docx: unpacks beyond limit")


def _table_fields(body: Any, sink: FieldSink) -> None:
    """Rows of two or more cells: first cell is the label, second the value."""
    for row in body.iter(_TR):
        cells = row.xpath("./w:tc | ./w:sdt/w:sdtContent/w:tc")
        if len(cells) >= 2:
            label = _text(cells[0]).strip().rstrip(":").strip()
            sink.add(label, _text(cells[1]).strip())
        if sink.full:
            return


def _control_fields(body: Any, sink: FieldSink) -> None:
    """Content controls, keyed by their tag (else their title); placeholders are empty."""
    for sdt in body.iter(_SDT):
        properties = sdt.find(_SDT_PR)
        if properties is None:
            continue
        key = _val(properties.find(_TAG)) or _val(properties.find(_ALIAS))
        if not key:
            continue
        checkbox = properties.find(_CHECKBOX)
        if checkbox is not None:
            checked = checkbox.find(_CHECKED)
            on = checked is not None and checked.get(_W14_VAL) in ("1", "true")
            sink.add(key, "ja" if on else "nein")
        elif _placeholder(sdt):
            sink.add(key, "")
        else:
            content = sdt.find(_SDT_CONTENT)
            sink.add(key, _text(content).strip() if content is not None else "")
        if sink.full:
            return


def _val(element: Any) -> str:
    """Return the `w:val` attribute of an element, "" when absent."""
    return str(element.get(_VAL) or "") if element is not None else ""


def _text(element: Any) -> str:
    """Visible text under `element`: placeholders and compatibility fallbacks skipped."""
    out: list[str] = []
    _collect(element, out)
    return "".join(out)


def _collect(element: Any, out: list[str]) -> None:
    """Append the text of `element`'s children to `out` (XML depth is bounded by lxml)."""
    for child in element.iterchildren():
        tag = child.tag
        if tag == _T:
            out.append(child.text or "")
        elif tag == _TAB:
            out.append("\t")
        elif tag in (_BR, _CR):
            out.append("\n")
        elif tag == _FALLBACK:
            continue
        elif tag == _SDT:
            if not _placeholder(child):
                _collect(child, out)
        else:
            _collect(child, out)
            if tag == _P:
                out.append("\n")


def _placeholder(sdt: Any) -> bool:
    """Tell whether a content control shows its placeholder (that is: it is empty)."""
    properties = sdt.find(_SDT_PR)
    return properties is not None and properties.find(_PLACEHOLDER) is not None


def _visible_paragraphs(element: Any) -> Iterator[Any]:
    """Yield the outermost paragraphs in document order, skipping placeholders.

    Paragraphs nested in a paragraph (text boxes) are part of its text already.
    """
    for child in element.iterchildren():
        if child.tag == _P:
            yield child
        elif child.tag == _FALLBACK or (child.tag == _SDT and _placeholder(child)):
            continue
        else:
            yield from _visible_paragraphs(child)


def _paragraphs(body: Any) -> list[str]:
    """Non-empty paragraph texts in document order, up to the text limit."""
    paragraphs: list[str] = []
    total = 0
    for paragraph in _visible_paragraphs(body):
        text = _text(paragraph).strip()
        if text:
            paragraphs.append(text)
            total += len(text) + 1
            if total > MAX_TEXT_CHARS:
                break
    return paragraphs


def _core_title(document: Any) -> str | None:
    """Return the title in the document properties, if set and readable."""
    try:
        title = document.core_properties.title
    except Exception:  # broken properties do not spoil the body
        return None
    if not isinstance(title, str):
        return None
    return clip(title.strip(), 500) or None


def _heading(document: Any, body: Any) -> str | None:
    """Return the first non-empty paragraph styled as a heading or title."""
    names = {
        style.get(qn("w:styleId")): _val(style.find(qn("w:name"))).lower()
        for style in document.styles.element.iter(qn("w:style"))
    }
    for paragraph in _visible_paragraphs(body):
        style_id = _val(paragraph.find(f"{_P_PR}/{_P_STYLE}"))
        style = f"{style_id.lower()} {names.get(style_id, '')}"
        if style_id and any(word in style for word in _HEADING_WORDS):
            text = _text(paragraph).strip()
            if text:
                return clip(text, 500)
    return None


def _first(paragraphs: list[str]) -> str | None:
    """Return the first non-empty paragraph, cut to a title's length."""
    return clip(paragraphs[0], 500) if paragraphs else None
