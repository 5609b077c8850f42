"""Every real fixture document gets a defined reading (shared/fixtures/documents)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from connectors.documents import DocumentKind, ParsedDocument, ParseFailure, parse_document
from tests.conftest_documents import FIXTURES, MAX_BYTES, fixture_files

Check = Callable[[ParsedDocument], None]
PDF, DOCX, EML = DocumentKind.PDF, DocumentKind.DOCX, DocumentKind.EML


def text_layer(*words: str, pages: int = 1) -> Check:
    def check(doc: ParsedDocument) -> None:
        assert doc.has_text_layer is True
        assert doc.page_count == pages
        for word in words:
            assert word in doc.text

    return check


def form(**expected: str) -> Check:
    def check(doc: ParsedDocument) -> None:
        assert doc.fields
        for key, value in expected.items():
            assert doc.fields[key.replace("_", " ")] == value

    return check


def image_only(pages: int) -> Check:
    def check(doc: ParsedDocument) -> None:
        assert doc.has_text_layer is False
        assert doc.page_count == pages
        assert not doc.fields

    return check


def titled(title: str | None, *words: str) -> Check:
    def check(doc: ParsedDocument) -> None:
        assert doc.title == title
        for word in words:
            assert word in doc.text

    return check


def nothing(doc: ParsedDocument) -> None:
    return None


OK: dict[str, tuple[DocumentKind, Check]] = {
    "pdf/002-trivial-libre-office-writer.pdf": (PDF, text_layer("Lorem ipsum")),
    "pdf/FormTestFromOo.pdf": (PDF, form(CheckBox1="nein", Text1="", RadioGroup1="")),
    "pdf/GeoTopo-komprimiert.pdf": (PDF, text_layer("Topologie", pages=117)),
    # A page cut out of a form: no /AcroForm in the catalogue, fields found via widgets.
    "pdf/SF424_page2.pdf": (
        PDF,
        form(FederalAgencyName="U.S. Department of Interior, Fish and Wildlife Service"),
    ),
    "pdf/Seige_of_Vicksburg_Sample_OCR.pdf": (PDF, text_layer("VICKSBURG", pages=6)),
    "pdf/attachment.pdf": (PDF, text_layer("The Crazy Ones")),
    "pdf/crazyones-pdfa.pdf": (PDF, text_layer("The Crazy Ones")),
    "pdf/crazyones.pdf": (PDF, text_layer("The Crazy Ones")),
    "pdf/form.pdf": (PDF, form(foo="")),
    "pdf/form_acrobatReader.pdf": (PDF, form(foo="Bar")),
    "pdf/form_evince.pdf": (PDF, form(foo="bar")),
    "pdf/hello-world.pdf": (PDF, text_layer("Hello World")),
    # ImageMagick writes each image's label as text *outside* the page: no text layer.
    "pdf/imagemagick-images.pdf": (PDF, image_only(pages=6)),
    # Not image-only, whatever the fixture README says: it has a visible caption.
    "pdf/jpeg.pdf": (PDF, text_layer("A PDF with a JPEG image.")),
    "pdf/libreoffice-form.pdf": (PDF, form(First_Name="Alice", gdpr="nein")),
    "pdf/multilang.pdf": (PDF, text_layer("Hello World")),
    "pdf/pdflatex-4-pages.pdf": (PDF, text_layer("Hello", pages=4)),
    "pdf/pdflatex-forms.pdf": (PDF, form(Name="", Check="nein")),
    "pdf/r2-empty-password.pdf": (PDF, text_layer("pdf encryption test")),
    "docx/blk-containing-table.docx": (DOCX, titled(None)),
    "docx/blk-paras-and-tables.docx": (
        DOCX,
        titled("Lorem ipsum dolor sit amet, consectetur adipiscing elit.", "Donec semper"),
    ),
    "docx/comments-rich-para.docx": (DOCX, titled("Document text", "Other document text.")),
    "docx/doc-coreprops.docx": (DOCX, titled("Title")),
    "docx/doc-default.docx": (DOCX, titled(None)),
    "docx/hdr-header-footer.docx": (DOCX, titled("section with header")),
    "docx/num-having-numbering-part.docx": (DOCX, titled("Paragraph having List Number style.")),
    "docx/par-hyperlinks.docx": (DOCX, titled("No hyperlinks", "Three hyperlinks")),
    "docx/sty-having-no-styles-part.docx": (DOCX, nothing),
    "eml/simple_text.eml": (EML, titled("Simple Text Mail", "This is just a simple Text Mail.")),
    "eml/eml_with_umlaut.eml": (EML, titled("No Umlauts here", "But here: üöäüäö")),
}

FAILS: dict[str, tuple[ParseFailure, str]] = {
    "pdf/crazyones-encrypted-256.pdf": (ParseFailure.ENCRYPTED, "pdf: password required"),
    "pdf/encrypted-file.pdf": (ParseFailure.ENCRYPTED, "pdf: password required"),
    "pdf/libreoffice-writer-password.pdf": (ParseFailure.ENCRYPTED, "pdf: password required"),
    "pdf/r4-user-password.pdf": (ParseFailure.ENCRYPTED, "pdf: password required"),
    # The page tree, /Info and /Metadata objects (172-174) are missing from the file
    # altogether; the metadata is skipped, but without pages there is nothing to read.
    "pdf/unreadablemetadata.pdf": (ParseFailure.DAMAGED, "pdf: PdfReadError"),
}

EITHER = {"pdf/issue-297.pdf"}  # broken xref table: pypdf 7.1.1 rebuilds it and reads


def _name(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def test_every_fixture_has_an_expectation() -> None:
    names = {_name(path) for path in fixture_files()}
    assert names == set(OK) | set(FAILS) | EITHER


@pytest.mark.parametrize("name", sorted(OK))
def test_readable_fixture(name: str) -> None:
    kind, check = OK[name]
    doc = parse_document(FIXTURES / name, MAX_BYTES)
    assert (doc.kind, doc.failure, doc.failure_detail) == (kind, None, None)
    assert len(doc.text) <= 20_000
    check(doc)


@pytest.mark.parametrize("name", sorted(FAILS))
def test_unreadable_fixture(name: str) -> None:
    doc = parse_document(FIXTURES / name, MAX_BYTES)
    assert (doc.kind, doc.failure, doc.failure_detail) == (PDF, *FAILS[name])
    assert not doc.fields and not doc.text and doc.title is None


def test_broken_xref_is_read_or_damaged() -> None:
    doc = parse_document(FIXTURES / "pdf/issue-297.pdf", MAX_BYTES)
    assert doc.kind is PDF
    assert doc.ok or doc.failure is ParseFailure.DAMAGED
    if doc.ok:  # what pypdf 7.1.1 does: "incorrect startxref pointer", then recovery
        assert "test example" in doc.text


def test_umlaut_email_body_line_becomes_a_field() -> None:
    doc = parse_document(FIXTURES / "eml/eml_with_umlaut.eml", MAX_BYTES)
    assert doc.fields == {"But here": "üöäüäö"}  # a body line shaped like a form field
    assert doc.attachments == []


def test_pdf_title_comes_from_metadata() -> None:
    doc = parse_document(FIXTURES / "pdf/GeoTopo-komprimiert.pdf", MAX_BYTES)
    assert doc.title == "Geometrie und Topologie"
    doc = parse_document(FIXTURES / "pdf/imagemagick-images.pdf", MAX_BYTES)
    assert doc.title == "imagemagick-images"  # trailing NUL removed
