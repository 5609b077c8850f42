"""Pages the merge writes itself: cover, divider and placeholder pages, with pypdf alone.

Helvetica in WinAnsi encoding covers German text (ä, ö, ü, ß, €, „“); anything else is
replaced by '?'. No font file and no second PDF library is needed.
"""

from __future__ import annotations

import textwrap

from pypdf import PageObject, PdfWriter
from pypdf.generic import ContentStream, DictionaryObject, NameObject

from connectors.pdf_merge.plan import Line

A4 = (595.28, 841.89)
_MARGIN = 56.0
_TOP = A4[1] - 72.0
_BOTTOM = 56.0


def _font(base: str) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject(base),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )


def _literal(text: str) -> bytes:
    """A PDF literal string in WinAnsi, with the characters PDF reserves escaped."""
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    raw = clean.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _wrapped(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    for line in lines:
        width = max(20, int((A4[0] - 2 * _MARGIN) / (line.size * 0.52)))
        parts = textwrap.wrap(line.text, width) or [""]
        out += [Line(text=part, size=line.size, bold=line.bold) for part in parts]
    return out


def content(lines: list[Line]) -> bytes:
    """The content stream drawing the lines top-down; what does not fit is cut."""
    ops = [b"BT"]
    y = _TOP
    for line in _wrapped(lines):
        if y < _BOTTOM:
            break
        font = b"/F2" if line.bold else b"/F1"
        ops.append(
            b"%s %.1f Tf 1 0 0 1 %.1f %.1f Tm %s Tj"
            % (font, line.size, _MARGIN, y, _literal(line.text))
        )
        y -= line.size * 1.45
    ops.append(b"ET")
    return b"\n".join(ops)


def add_text_page(writer: PdfWriter, lines: list[Line]) -> PageObject:
    """Append an A4 page with the given lines to the writer and return it."""
    page = writer.add_blank_page(*A4)
    page[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/Font"): DictionaryObject(
                {
                    NameObject("/F1"): _font("/Helvetica"),
                    NameObject("/F2"): _font("/Helvetica-Bold"),
                }
            )
        }
    )
    stream = ContentStream(None, writer)
    stream.set_data(content(lines))
    page.replace_contents(stream)
    return page
