"""Detection and the in-process readers, on generated documents with known content."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml import parse_xml

from connectors.documents import DocumentKind, ParsedDocument, ParseFailure, detect_kind
from connectors.documents import parse_document as parse_path
from tests.conftest_documents import MAX_BYTES, bomb_pdf, make_pdf, text_pdf

W_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'
)


Parse = Callable[..., ParsedDocument]


@pytest.fixture
def parse(tmp_path: Path) -> Parse:
    """Write bytes to a file with a misleading name and parse it in-process."""

    def run(data: bytes, max_bytes: int = MAX_BYTES) -> ParsedDocument:
        path = tmp_path / "upload.txt"  # the name must not matter
        path.write_bytes(data)
        return parse_path(path, max_bytes)

    return run


# --- detection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.7\n", DocumentKind.PDF),
        (b"\x00" * 1000 + b"%PDF-1.4", DocumentKind.PDF),  # junk before the marker
        (b"\x00" * 1100 + b"%PDF-1.4", DocumentKind.UNKNOWN),  # beyond the first KiB
        (b"PK\x03\x04rest", DocumentKind.DOCX),
        (b"{}", DocumentKind.JSON),
        (b'\xef\xbb\xbf \r\n\t{"a": 1}', DocumentKind.JSON),
        (b"[1, 2]", DocumentKind.UNKNOWN),  # submissions are objects
        (b"From: a@b.de\r\nSubject: Antrag\r\n\r\nText", DocumentKind.EML),
        (b"From sender Mon Jan 1\nFrom: a@b.de\nTo: c@d.de\n\n", DocumentKind.EML),
        (b"Received: from x\n\tby y\nX-Spam: no\n\n", DocumentKind.EML),
        (b"Subject: Antrag\n\nName: Max", DocumentKind.UNKNOWN),  # one known header only
        (b"Subject: Antrag\nStra\xc3\x9fe: Hauptstr.\nFrom: a@b.de\n", DocumentKind.UNKNOWN),
        (b"Subject: Antrag\nName: Max\nFrom: a@b.de\n", DocumentKind.EML),  # "Name:" is valid
        (b"Hallo Amt,\nFrom: a\nTo: b\n", DocumentKind.UNKNOWN),
        (b" From: a\nTo: b\n", DocumentKind.UNKNOWN),
        (b"", DocumentKind.UNKNOWN),
        (b"\x89PNG\r\n\x1a\n", DocumentKind.UNKNOWN),
    ],
)
def test_detect_kind(head: bytes, kind: DocumentKind) -> None:
    assert detect_kind(head) is kind


def test_kind_comes_from_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "antrag.json"
    path.write_bytes(text_pdf())
    assert parse_path(path, MAX_BYTES).kind is DocumentKind.PDF


# --- files that are no document ---------------------------------------------------------


def test_empty_too_large_unknown(parse: Parse) -> None:
    assert parse(b"").failure is ParseFailure.EMPTY
    too_large = parse(b"{}" + b" " * 20, max_bytes=10)
    assert (too_large.kind, too_large.failure) == (DocumentKind.UNKNOWN, ParseFailure.TOO_LARGE)
    unknown = parse(b"just some text")
    assert (unknown.kind, unknown.failure) == (DocumentKind.UNKNOWN, ParseFailure.UNSUPPORTED)


def test_missing_file_and_non_regular_file(tmp_path: Path) -> None:
    missing = parse_path(tmp_path / "gone.pdf", MAX_BYTES)
    assert (missing.failure, missing.failure_detail) == (
        ParseFailure.DAMAGED,
        "read: FileNotFoundError",
    )
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # opening it would block forever
    assert parse_path(fifo, MAX_BYTES).failure is ParseFailure.UNSUPPORTED
    assert parse_path(tmp_path, MAX_BYTES).failure is ParseFailure.UNSUPPORTED


# --- JSON ------------------------------------------------------------------------------


def test_json_flattens_nested_objects_and_lists(parse: Parse) -> None:
    form = {
        "formularTyp": "Hundesteuer-Anmeldung",
        "antragsteller": {"name": "Erika Muster", "adresse": {"plz": "12345"}},
        "hunde": [{"rasse": "Dackel"}, {"rasse": "Pudel"}],
        "zustimmung": True,
        "gefaehrlich": False,
        "anzahl": 2,
        "gewicht": 7.5,
        "bemerkung": None,
        "leer": {},
    }
    doc = parse(json.dumps(form).encode())
    assert doc.kind is DocumentKind.JSON and doc.ok
    assert doc.title == "Hundesteuer-Anmeldung"
    assert doc.fields == {
        "formularTyp": "Hundesteuer-Anmeldung",
        "antragsteller.name": "Erika Muster",
        "antragsteller.adresse.plz": "12345",
        "hunde.0.rasse": "Dackel",
        "hunde.1.rasse": "Pudel",
        "zustimmung": "ja",
        "gefaehrlich": "nein",
        "anzahl": "2",
        "gewicht": "7.5",
    }


def test_json_title_keys_in_order(parse: Parse) -> None:
    assert parse(b'{"form_type": "b", "formular": "a"}').title == "a"
    assert parse(b'{"formType": {"x": 1}, "form": ""}').title is None


@pytest.mark.parametrize(
    "data",
    [b'{"a": 1', b'{"a": "\xff"}', b"{} {}", b"{" * 100_000, b'{"a": ' + b"1" * 5000 + b"}"],
)
def test_json_that_is_not_an_object_is_damaged(parse: Parse, data: bytes) -> None:
    doc = parse(data)
    assert (doc.kind, doc.failure) == (DocumentKind.JSON, ParseFailure.DAMAGED)


def test_json_fields_are_bounded(parse: Parse) -> None:
    doc = parse(json.dumps({"a": list(range(100_000)), "b": "x" * 50_000}).encode())
    assert len(doc.fields) == 1000
    doc = parse(json.dumps({"b": "x" * 50_000}).encode())
    assert len(doc.fields["b"]) == 10_000


def test_failure_detail_quotes_no_content(parse: Parse) -> None:
    doc = parse(b'{"name": "Erika Mustermann", "iban": DE0212')
    assert doc.failure is ParseFailure.DAMAGED
    assert doc.failure_detail == "json: JSONDecodeError"


# --- DOCX ------------------------------------------------------------------------------


def _docx(build: Callable[[Any], None]) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _add_xml(document: Any, xml: str) -> None:
    body = document.element.body
    body[-1].addprevious(parse_xml(xml))  # before the section properties


def _sdt(properties: str, content: str) -> str:
    return f"<w:sdtPr>{properties}</w:sdtPr><w:sdtContent>{content}</w:sdtContent>"


def _run(text: str) -> str:
    return f"<w:r><w:t xml:space='preserve'>{text}</w:t></w:r>"


def test_docx_table_rows_become_fields(parse: Parse) -> None:
    def build(document: Any) -> None:
        document.core_properties.title = ""
        document.add_heading("Gewerbeanmeldung", level=1)
        rows = [
            ("Name:", "Erika Muster"),
            ("Straße :", "Hauptstr. 1\nHinterhaus"),
            ("", "ohne Bezeichnung"),
            ("Name", "zweiter Wert"),
            ("Leer", ""),
        ]
        table = document.add_table(rows=len(rows), cols=2)
        for row, (label, value) in zip(table.rows, rows, strict=True):
            row.cells[0].text, row.cells[1].text = label, value
        document.add_table(rows=1, cols=1).cell(0, 0).text = "single cell: ignored"
        document.add_paragraph("Bitte vollständig ausfüllen.")

    doc = parse(_docx(build))
    assert doc.kind is DocumentKind.DOCX and doc.ok
    assert doc.fields == {"Name": "Erika Muster", "Straße": "Hauptstr. 1\nHinterhaus", "Leer": ""}
    assert doc.title == "Gewerbeanmeldung"
    assert "Bitte vollständig ausfüllen." in doc.text and "Erika Muster" in doc.text


def test_docx_content_controls(parse: Parse) -> None:
    def build(document: Any) -> None:
        document.core_properties.title = "Antrag auf Sondernutzung"
        block = _sdt("<w:tag w:val='ort'/>", f"<w:p>{_run('Marktplatz')}</w:p>")
        _add_xml(document, f"<w:sdt {W_NS}>{block}</w:sdt>")
        alias = _sdt("<w:alias w:val='Zeitraum'/>", f"<w:p>{_run('Mai')}</w:p>")
        _add_xml(document, f"<w:sdt {W_NS}>{alias}</w:sdt>")
        empty = _sdt(
            "<w:tag w:val='telefon'/><w:showingPlcHdr/>",
            f"<w:p>{_run('Klicken Sie hier, um Text einzugeben.')}</w:p>",
        )
        _add_xml(document, f"<w:sdt {W_NS}>{empty}</w:sdt>")
        inline = _sdt("<w:tag w:val='name'/><w:alias w:val='Ihr Name'/>", _run("Max"))
        _add_xml(document, f"<w:p {W_NS}>{_run('Name: ')}<w:sdt>{inline}</w:sdt></w:p>")
        box = "<w14:checkbox><w14:checked w14:val='1'/></w14:checkbox>"
        ticked = _sdt(f"<w:tag w:val='zustimmung'/>{box}", _run("☒"))
        _add_xml(document, f"<w:p {W_NS}><w:sdt>{ticked}</w:sdt></w:p>")
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "Kennzeichen"
        cell = table.cell(0, 1)._tc
        cell.remove(cell[-1])  # the empty paragraph
        plate = _sdt("<w:tag w:val='kennzeichen'/>", f"<w:p>{_run('AC-X 1')}</w:p>")
        cell.append(parse_xml(f"<w:sdt {W_NS}>{plate}</w:sdt>"))

    doc = parse(_docx(build))
    assert doc.ok and doc.title == "Antrag auf Sondernutzung"
    assert doc.fields == {
        "Kennzeichen": "AC-X 1",
        "ort": "Marktplatz",
        "Zeitraum": "Mai",
        "telefon": "",
        "name": "Max",
        "zustimmung": "ja",
        "kennzeichen": "AC-X 1",
    }
    assert "Klicken Sie hier" not in doc.text  # placeholder text is no content


def test_zip_that_is_no_word_document(parse: Parse) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("content.xml", "<office/>")
    doc = parse(out.getvalue())
    assert (doc.kind, doc.failure) == (DocumentKind.UNKNOWN, ParseFailure.UNSUPPORTED)


def test_macro_enabled_word_file_is_unsupported(parse: Parse) -> None:
    source = zipfile.ZipFile(io.BytesIO(_docx(lambda document: None)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
                )
            archive.writestr(item, data)
    doc = parse(out.getvalue())
    assert (doc.kind, doc.failure) == (DocumentKind.DOCX, ParseFailure.UNSUPPORTED)


def test_damaged_docx(parse: Parse) -> None:
    assert parse(b"PK\x03\x04" + b"\x00" * 200).failure is ParseFailure.DAMAGED
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document")
    assert parse(out.getvalue()).failure is ParseFailure.DAMAGED


def test_docx_zip_bomb_is_refused_unpacked(parse: Parse) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", bytes(33 * 2**20))
    doc = parse(out.getvalue())
    assert (doc.failure, doc.failure_detail) == (ParseFailure.MEMORY, "docx: unpacks beyond limit")


# --- E-mail ----------------------------------------------------------------------------


def _mail(body: str, subject: str = "Antrag", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Bürgerin <erika@example.org>"
    message["To"] = "rathaus@example.org"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name] = value
    message.set_content(body)
    return message


def test_form_mailer_email(parse: Parse) -> None:
    body = (
        "Folgende Angaben wurden übermittelt:\n\n"
        "Name: Erika Müller\n"
        "Straße und Hausnummer:   Hauptstr. 1\n"
        "  Eingerückt: keine Angabe\n"
        "Webseite: https://example.org\n"
        "Termin um 10:30 bitte\n"
        f"{'L' * 61}: zu lang\n"
        "Name: zweiter Wert\n"
        "Bemerkung:\n"
        "Fläche in m²: 12,5\n"
    )
    doc = parse(_mail(body, subject="Mängelmeldung für Straße").as_bytes())
    assert doc.kind is DocumentKind.EML and doc.ok
    assert doc.title == "Mängelmeldung für Straße"  # sent RFC 2047 encoded
    assert doc.fields == {
        "Folgende Angaben wurden übermittelt": "",  # a heuristic: prose ending in ":"
        "Name": "Erika Müller",
        "Straße und Hausnummer": "Hauptstr. 1",
        "Webseite": "https://example.org",
        "Bemerkung": "",
        "Fläche in m²": "12,5",  # a superscript digit is no time of day
    }
    assert doc.text.startswith("Folgende Angaben")


def test_rfc2047_subject_decodes(parse: Parse) -> None:
    raw = (
        b"From: =?UTF-8?Q?J=C3=B6rg?= <j@example.org>\r\n"
        b"Subject: =?ISO-8859-1?Q?Anh=F6rung_zur_Stra=DFe?=\r\n"
        b"\r\nText\r\n"
    )
    assert parse(raw).title == "Anhörung zur Straße"


def test_html_only_email_is_stripped(parse: Parse) -> None:
    message = _mail("")
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>Name: Erika</p>"
        "<script>alert('x')</script><div>Ort: Aachen &amp; Umgebung</div></body></html>"
    )
    message.set_content(html, subtype="html")
    doc = parse(message.as_bytes())
    assert doc.fields == {"Name": "Erika", "Ort": "Aachen & Umgebung"}
    assert "alert" not in doc.text and "color" not in doc.text


def test_email_attachments(parse: Parse) -> None:
    message = _mail("Im Anhang mein Antrag.")
    message.add_alternative("<p>Im Anhang mein <img src='cid:logo'> Antrag.</p>", subtype="html")
    html_part = next(part for part in message.walk() if part.get_content_type() == "text/html")
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(b"\x89PNG", maintype="image", subtype="png", cid="<logo>")
    message.add_attachment(text_pdf(), maintype="application", subtype="pdf", filename="Antrag.pdf")
    message.add_attachment("Name: Erika", filename="notiz.txt")
    message.add_attachment(b"\x00\x01", maintype="application", subtype="octet-stream")
    message.add_attachment(_mail("Weitergeleitet", subject="Innen"))
    doc = parse(message.as_bytes())
    assert doc.ok and doc.text == "Im Anhang mein Antrag."
    found = [(a.filename, a.media_type) for a in doc.attachments]
    assert found == [
        ("Antrag.pdf", "application/pdf"),
        ("notiz.txt", "text/plain"),
        (None, "application/octet-stream"),
        (None, "message/rfc822"),
    ]
    assert doc.attachments[0].content == text_pdf()
    assert detect_kind(doc.attachments[3].content) is DocumentKind.EML


def test_email_limits(parse: Parse) -> None:
    message = _mail("\n".join(f"Feld {n}: Wert" for n in range(300)))
    for n in range(60):
        message.add_attachment(b"x", maintype="application", subtype="pdf", filename=f"{n}.pdf")
    doc = parse(message.as_bytes())
    assert len(doc.fields) == 200
    assert len(doc.attachments) == 50
    assert doc.dropped_parts == 10  # counted, so the intake can tell the clerk


def test_unknown_charset_falls_back(parse: Parse) -> None:
    raw = (
        b"From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=klingon\n\n"
        b"Ort: K\xc3\xb6ln\n"
    )
    assert parse(raw).fields == {"Ort": "Köln"}


# --- PDF -------------------------------------------------------------------------------


def test_unreadable_metadata_does_not_fail_the_pdf(parse: Parse) -> None:
    doc = parse(make_pdf(b"BT /F1 12 Tf 72 720 Td (Hallo) Tj ET", trailer=b"/Info (kaputt)"))
    assert doc.ok and doc.title is None and "Hallo" in doc.text


def test_text_outside_the_page_is_no_text_layer(parse: Parse) -> None:
    doc = parse(make_pdf(b"BT /F1 12 Tf 72 5000 Td (Etikett) Tj ET"))
    assert doc.ok and "Etikett" in doc.text and doc.has_text_layer is False
    assert parse(text_pdf()).has_text_layer is True


def test_decompression_bomb_stops_at_pypdf_limit(parse: Parse) -> None:
    doc = parse(bomb_pdf())
    assert (doc.kind, doc.failure, doc.failure_detail) == (
        DocumentKind.PDF,
        ParseFailure.MEMORY,
        "pdf: LimitReachedError",
    )


def test_truncated_pdf(parse: Parse) -> None:
    doc = parse(text_pdf()[:150])
    assert doc.kind is DocumentKind.PDF
    assert doc.ok or doc.failure is ParseFailure.DAMAGED
