"""The limited merge process: real fixture PDFs, and a document that stalls the process."""

from __future__ import annotations

import os
from pathlib import Path

from pypdf import PdfReader

from connectors.pdf_merge import Document, FolderPlan, Line, MergeLimits, Section, merge_folder
from connectors.pdf_merge.runner import KILLED_REASON
from tests.agenda_drafts import PDF


def _plan(*documents: Document) -> FolderPlan:
    return FolderPlan(
        title="Test",
        cover=[Line(text="Sitzungsmappe", size=20, bold=True)],
        sections=[Section(key="1", bookmark="TOP 1: Prüfung", documents=list(documents))],
    )


def test_every_fixture_pdf_is_copied_or_a_placeholder_with_reason(tmp_path: Path) -> None:
    fixtures = sorted(PDF.glob("*.pdf"))
    plan = _plan(*(Document(label=p.name, path=str(p)) for p in fixtures))
    result = merge_folder(plan, tmp_path / "out.pdf")
    reasons = {fixtures[d].name: r for _, d, r in result.placeholders}
    assert set(reasons) == {
        "crazyones-encrypted-256.pdf",
        "encrypted-file.pdf",
        "libreoffice-writer-password.pdf",
        "r4-user-password.pdf",
        "unreadablemetadata.pdf",
    }
    assert "verschlüsselt" in reasons["encrypted-file.pdf"]
    assert "beschädigt" in reasons["unreadablemetadata.pdf"]
    reader = PdfReader(tmp_path / "out.pdf")
    assert len(reader.pages) == result.pages
    marks = reader.outline[1]
    labels = [node.title for node in marks]  # type: ignore[union-attr]
    assert labels == [p.name for p in fixtures]  # one bookmark per document, in plan order
    # r2-empty-password is encrypted with the empty password only: its pages are copied
    r2 = PdfReader(PDF / "r2-empty-password.pdf")
    r2.decrypt("")
    at = reader.get_destination_page_number(marks[labels.index("r2-empty-password.pdf")])  # type: ignore[arg-type]
    assert r2.pages[0].extract_text()[:30] in reader.pages[at].extract_text()
    damaged = reader.get_destination_page_number(marks[labels.index("unreadablemetadata.pdf")])  # type: ignore[arg-type]
    assert "beschädigt" in reader.pages[damaged].extract_text()


def test_a_document_that_stalls_the_process_becomes_a_placeholder(tmp_path: Path) -> None:
    fifo = tmp_path / "haengt.pdf"
    os.mkfifo(fifo)  # opening it blocks forever: the process must be killed from outside
    plan = _plan(
        Document(label="gut", path=str(PDF / "crazyones.pdf")),
        Document(label="haengt", path=str(fifo)),
        Document(label="auch gut", path=str(PDF / "hello-world.pdf")),
    )
    limits = MergeLimits(document_timeout_s=2.0)
    result = merge_folder(plan, tmp_path / "out.pdf", limits)
    assert result.runs == 2
    assert result.placeholders == [(0, 1, KILLED_REASON)]
    reader = PdfReader(tmp_path / "out.pdf")
    texts = [p.extract_text() for p in reader.pages]
    assert len(texts) == 5  # cover, divider, crazyones, placeholder, hello-world
    assert "Grenzen der Verarbeitung" in texts[3] and "haengt" in texts[3]


def test_page_limit_per_document_gives_a_placeholder_not_half_a_document(tmp_path: Path) -> None:
    plan = _plan(
        Document(label="lang", path=str(PDF / "pdflatex-4-pages.pdf")),
        Document(label="kurz", path=str(PDF / "crazyones.pdf")),
    )
    result = merge_folder(plan, tmp_path / "out.pdf", MergeLimits(max_pages_per_document=3))
    assert [(d, "Grenzen der Verarbeitung" in r) for _, d, r in result.placeholders] == [(0, True)]
    assert len(PdfReader(tmp_path / "out.pdf").pages) == 4  # cover, divider, placeholder, 1 page
