"""The blank fillable form templates: PDF (AcroForm) and Word (table, content controls).

Building the PDF templates needs reportlab (a development tool, never imported by product
code); `template_bytes` reads the committed ones from `templates/forms/` instead.
"""

from __future__ import annotations

import zipfile
from functools import cache
from io import BytesIO
from typing import Any

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from models.forms import FORM_TYPES
from scripts.samples.common import DOCX_FORMS, FIXED, TEMPLATES, printed_fields


def pdf_template(form_type: str) -> bytes:
    """A blank fillable A4 form: printed labels, one AcroForm field per model field."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    form = FORM_TYPES[form_type]
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(form.title)
    pdf.setAuthor("Stadt Musterstadt")
    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawString(50, 800, form.title)
    pdf.setFont("Helvetica", 8)
    pdf.drawString(50, 786, "Stadt Musterstadt · Bitte vollständig ausfüllen und zurücksenden.")
    y = 760
    for _, label, checkbox in printed_fields(form):
        if y < 50:
            pdf.showPage()
            y = 800
        pdf.setFont("Helvetica", 9)
        pdf.drawString(50, y + 4, label)
        if checkbox:
            pdf.acroForm.checkbox(
                name=label, tooltip=label, x=250, y=y, size=13, fieldFlags="", borderWidth=1
            )
        else:
            pdf.acroForm.textfield(
                name=label, tooltip=label, x=250, y=y, width=300, height=16, fontSize=9,
                borderWidth=1, maxlen=2000, fieldFlags="",
            )  # fmt: skip
        y -= 23
    pdf.save()
    return buffer.getvalue()


def _content_control(paragraph: Any, tag: str, alias: str) -> None:
    """Append a plain-text Word content control showing its placeholder to `paragraph`."""
    sdt = OxmlElement("w:sdt")
    properties = OxmlElement("w:sdtPr")
    for name, value in (("w:alias", alias), ("w:tag", tag)):
        element = OxmlElement(name)
        element.set(qn("w:val"), value)
        properties.append(element)
    properties.append(OxmlElement("w:showingPlcHdr"))
    properties.append(OxmlElement("w:text"))
    content = OxmlElement("w:sdtContent")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "Bitte eingeben"
    run.append(text)
    content.append(run)
    sdt.extend([properties, content])
    paragraph._p.append(sdt)


def docx_template(form_type: str, controls: bool) -> bytes:
    """A blank Word form: heading, two-column label/value table; values in content controls.

    Content controls carry the German label as `w:alias` (what Word shows) and the field
    name as `w:tag` (what software reads), as a form author would set them up.
    """
    form = FORM_TYPES[form_type]
    document = docx.Document()
    properties = document.core_properties
    properties.title, properties.author = form.title, "Stadt Musterstadt"
    properties.created = properties.modified = FIXED.replace(tzinfo=None)
    properties.revision = 1
    document.add_heading(form.title, level=1)
    document.add_paragraph("Stadt Musterstadt · Bitte ausfüllen und per E-Mail zurücksenden.")
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for name, label, _ in printed_fields(form):
        cells = table.add_row().cells
        cells[0].text = label
        if controls:
            _content_control(cells[1].paragraphs[0], tag=name, alias=label)
    return stable_zip(save_docx(document))


def save_docx(document: Any) -> bytes:
    """A python-docx document as .docx bytes."""
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def stable_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps, so the same document gives the same bytes."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


@cache
def template_bytes(name: str) -> bytes:
    """A committed template from `templates/forms/`, built on the fly if it is missing."""
    path = TEMPLATES / name
    if path.is_file():
        return path.read_bytes()
    stem, suffix = name.rsplit(".", 1)
    if suffix == "pdf":
        return pdf_template(stem)
    return docx_template(stem, controls=stem == DOCX_FORMS[1])
