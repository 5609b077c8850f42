"""The limited merge process: real fixture PDFs, and a document that stalls the process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from connectors.pdf_merge import (
    Document,
    FolderPlan,
    Line,
    MergeError,
    MergeLimits,
    Section,
    merge_folder,
)
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


GEOTOPO = PDF / "GeoTopo-komprimiert.pdf"  # 117 pages: ~0.5 s CPU to copy here


def test_the_cpu_limit_is_per_document_not_for_the_whole_folder(tmp_path: Path) -> None:
    """A long folder of honest papers together needs more CPU than one paper may use.

    With the limit on the process's whole life, the kernel ended the run in the middle
    of whichever paper came after the budget was spent; the parent took that paper for
    the culprit and replaced it, and every following run lost one more.
    """
    plan = _plan(*(Document(label=f"Anlage {n}", path=str(GEOTOPO)) for n in range(10)))
    limits = MergeLimits(document_cpu_s=2)  # the folder needs more than twice that
    result = merge_folder(plan, tmp_path / "out.pdf", limits)
    assert (result.placeholders, result.runs) == ([], 1)
    assert len(PdfReader(tmp_path / "out.pdf").pages) == 2 + 10 * 117


def test_a_write_beyond_its_time_is_a_clear_error_not_a_lost_paper(tmp_path: Path) -> None:
    plan = _plan(*(Document(label=f"Anlage {n}", path=str(GEOTOPO)) for n in range(4)))
    limits = MergeLimits(write_timeout_s=0.05)  # writing ~470 pages takes seconds here
    with pytest.raises(MergeError, match="Schreiben der Mappe"):
        merge_folder(plan, tmp_path / "out.pdf", limits)
    assert not (tmp_path / "out.pdf").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # the partial file went with its folder


def test_a_folder_beyond_its_overall_time_is_a_clear_error(tmp_path: Path) -> None:
    """Each retry starts over: without a bound for all runs, N documents cost N runs."""
    plan = _plan(*(Document(label=f"Anlage {n}", path=str(GEOTOPO)) for n in range(6)))
    with pytest.raises(MergeError, match=r"länger als 0\.5 Sekunden"):
        merge_folder(plan, tmp_path / "out.pdf", MergeLimits(folder_timeout_s=0.5))
    assert list(tmp_path.iterdir()) == []
