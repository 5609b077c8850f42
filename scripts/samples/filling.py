"""Filled-in submissions: filled PDF and Word forms, e-mails, web-form JSON.

Needs only pypdf and python-docx; the output is deterministic (fixed PDF file identifier,
zip timestamps, mail date, message id and boundary).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime
from io import BytesIO
from typing import Any

import docx
from docx.oxml.ns import qn
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject

from models.forms import FORM_TYPES
from scripts.samples.common import FIXED, printed_fields
from scripts.samples.templates import save_docx, stable_zip, template_bytes


class _StableWriter(PdfWriter):
    """A PdfWriter whose file identifier (and thus RC4 key) is fixed: same input, same bytes."""

    def generate_file_identifiers(self) -> None:
        self._ID = ArrayObject([ByteStringObject(b"amtsflow-sample!")] * 2)


def fill_pdf(form_type: str, values: Mapping[str, str], password: str | None = None) -> bytes:
    """Fill the PDF template; `values` by field name, checkboxes "ja"/"nein"."""
    form = FORM_TYPES[form_type]
    writer = _StableWriter(clone_from=PdfReader(BytesIO(template_bytes(f"{form_type}.pdf"))))
    checkboxes = {name for name, _, box in printed_fields(form) if box}
    filled = {
        label: ("/Yes" if value == "ja" else "/Off") if name in checkboxes else value
        for name, label, value in (
            (name, label, values[name]) for name, label, _ in printed_fields(form) if name in values
        )
    }
    for page in writer.pages:
        writer.update_page_form_field_values(page, filled, auto_regenerate=False)
    writer.set_need_appearances_writer(True)  # after: auto_regenerate=False clears the flag
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def fill_docx(form_type: str, values: Mapping[str, str]) -> bytes:
    """Fill the Word template: table value cells, or the content controls if it has them."""
    document = docx.Document(BytesIO(template_bytes(f"{form_type}.docx")))
    labels = {label: name for name, label, _ in printed_fields(FORM_TYPES[form_type])}
    for row in document.tables[0].rows:
        value = values.get(labels.get(row.cells[0].text, ""), "")
        sdt = row.cells[1]._tc.find(".//" + qn("w:sdt"))
        if sdt is None:
            row.cells[1].text = value
        elif value:
            placeholder = sdt.find(qn("w:sdtPr")).find(qn("w:showingPlcHdr"))
            sdt.find(qn("w:sdtPr")).remove(placeholder)
            sdt.find(".//" + qn("w:t")).text = value
    return stable_zip(save_docx(document))


def mail(
    subject: str, body: str, sender: str, number: int, attachment: tuple[str, bytes] | None = None
) -> bytes:
    """An e-mail to the municipality's inbox, optionally with one attached file."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "posteingang@musterstadt.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(FIXED)
    message["Message-ID"] = f"<sample-{number:06d}@musterstadt.example>"
    message.set_content(body)
    if attachment is not None:
        name, data = attachment
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
        message.set_boundary(f"==amtsflow-sample-{number:06d}==")
    return bytes(message)


def to_json(data: Mapping[str, Any]) -> bytes:
    """A web-form submission as its portal would send it."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
