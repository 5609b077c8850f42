"""The demo inbox, the blank templates and the benchmark generator, read like intake reads them."""

from __future__ import annotations

import hashlib
from collections import Counter
from io import BytesIO
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader

from connectors.documents import ParsedDocument, ParseFailure, parse_document
from models.forms import FORM_TYPES, detect_form_type, validate_form
from scripts.make_samples import (
    DOCX_FORMS,
    INBOX,
    TEMPLATES,
    generate_submissions,
    generate_submissions_with_expectations,
    inbox_files,
    printed_fields,
)

MAX_BYTES = 20 * 2**20
FORMS = {
    "eingang-0001.pdf": ("gewerbeanmeldung", {}),
    "eingang-0002.json": ("maengelmeldung", {}),
    "eingang-0003.json": ("hundesteuer_anmeldung",
                          {"IBAN": "IBAN ist ungültig (Prüfziffer falsch)"}),
    "eingang-0004.docx": ("gewerbeanmeldung", {}),
    "eingang-0005.eml": ("sondernutzung", {}),
    "eingang-0007.pdf": ("hundesteuer_anmeldung", {}),
    "eingang-0008.txt": ("sondernutzung", {}),
    "eingang-0009.pdf": ("gewerbeanmeldung", {
        "Postleitzahl (Betriebsstätte)": "Postleitzahl muss aus genau 5 Ziffern bestehen",
        "Beginn der Tätigkeit": "Datum ungültig: diesen Tag gibt es im Kalender nicht"}),
    "eingang-0010.docx": ("maengelmeldung", {}),
    "eingang-0012.dat": ("maengelmeldung", {}),
    "eingang-0013.json": (None, {}),
    "eingang-0014.eml": ("hundesteuer_anmeldung", {}),  # the attachment
}  # fmt: skip
UNREADABLE = {
    "eingang-0006.pdf": ParseFailure.EMPTY,
    "eingang-0011.pdf": ParseFailure.ENCRYPTED,
    "eingang-0015.pdf": ParseFailure.DAMAGED,
}


def read(path: Path, tmp_path: Path) -> ParsedDocument:
    """The document, or for an e-mail without form lines its first attachment."""
    parsed = parse_document(path, MAX_BYTES)
    if parsed.attachments and not parsed.fields:
        inner = tmp_path / "attachment"
        inner.write_bytes(parsed.attachments[0].content)
        return parse_document(inner, MAX_BYTES)
    return parsed


def test_inbox_lists_every_file() -> None:
    names = {p.name for p in INBOX.iterdir()}
    assert names == set(FORMS) | set(UNREADABLE)
    readme = (INBOX.parent / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in names)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_inbox_form(name: str, tmp_path: Path) -> None:
    expected_type, expected_errors = FORMS[name]
    parsed = read(INBOX / name, tmp_path)
    assert parsed.ok
    form_type = detect_form_type(parsed.fields, parsed.title, parsed.text)
    assert form_type == expected_type
    if form_type is not None:
        result = validate_form(form_type, parsed.fields)
        assert {e.field: e.message for e in result.errors} == expected_errors
        assert (result.form is not None) == (not expected_errors)


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_inbox_unreadable(name: str, tmp_path: Path) -> None:
    assert read(INBOX / name, tmp_path).failure is UNREADABLE[name]


def test_inbox_matches_its_generator() -> None:
    for name, data, _ in inbox_files():
        assert (INBOX / name).read_bytes() == data, name


# --- templates ---------------------------------------------------------------------------


@pytest.mark.parametrize("form_type", sorted(FORM_TYPES))
def test_pdf_template(form_type: str) -> None:
    reader = PdfReader(TEMPLATES / f"{form_type}.pdf")
    form = FORM_TYPES[form_type]
    assert reader.metadata is not None and reader.metadata.title == form.title
    fields = reader.get_fields() or {}
    assert list(fields) == [label for _, label, _ in printed_fields(form)]
    kinds = Counter(str(field.get("/FT")) for field in fields.values())
    assert kinds["/Btn"] >= 1 and kinds["/Tx"] >= 5
    assert form.title in reader.pages[0].extract_text()


@pytest.mark.parametrize("form_type", DOCX_FORMS)
def test_docx_template(form_type: str) -> None:
    document = docx.Document(str(TEMPLATES / f"{form_type}.docx"))
    form = FORM_TYPES[form_type]
    assert document.paragraphs[0].text == form.title
    assert document.core_properties.title == form.title
    labels = [row.cells[0].text for row in document.tables[0].rows]
    assert labels == [label for _, label, _ in printed_fields(form)]
    controls = document.element.body.findall(".//" + qn("w:sdt"))
    if form_type == "maengelmeldung":
        tags = [c.find(qn("w:sdtPr")).find(qn("w:tag")).get(qn("w:val")) for c in controls]
        assert tags == list(form.model_fields)
    else:
        assert controls == []


def test_blank_templates_are_no_valid_forms(tmp_path: Path) -> None:
    for path in TEMPLATES.iterdir():
        parsed = parse_document(path, MAX_BYTES)
        form_type = detect_form_type(parsed.fields, parsed.title, parsed.text)
        assert form_type == path.stem
        assert validate_form(form_type, parsed.fields).form is None


def test_templates_match_their_generator() -> None:
    pytest.importorskip("reportlab")
    from scripts.make_samples import docx_template, pdf_template

    for form_type in FORM_TYPES:
        assert (TEMPLATES / f"{form_type}.pdf").read_bytes() == pdf_template(form_type)
    for form_type in DOCX_FORMS:
        data = docx_template(form_type, controls=form_type == "maengelmeldung")
        assert (TEMPLATES / f"{form_type}.docx").read_bytes() == data
        docx.Document(BytesIO(data))


# --- benchmark submissions ---------------------------------------------------------------


def test_generate_submissions(tmp_path: Path) -> None:
    subs = generate_submissions_with_expectations(tmp_path / "a", 120, seed=3)
    assert len(subs) == 120
    digests = {hashlib.sha256(s.path.read_bytes()).hexdigest() for s in subs}
    assert len(digests) == 120
    kinds = Counter(s.path.suffix for s in subs)
    assert set(kinds) == {".json", ".pdf", ".docx", ".eml"} and kinds[".json"] > kinds[".eml"]
    assert 1 <= sum(not s.valid for s in subs) <= 20
    assert {s.form_type for s in subs} == set(FORM_TYPES)
    for sub in subs:
        parsed = read(sub.path, tmp_path)
        form_type = detect_form_type(parsed.fields, parsed.title, parsed.text)
        assert form_type == sub.form_type, sub.path.name
        assert validate_form(form_type, parsed.fields).ok == sub.valid, sub.path.name
    again = generate_submissions(tmp_path / "b", 120, seed=3)
    assert [p.read_bytes() for p in again] == [s.path.read_bytes() for s in subs]
