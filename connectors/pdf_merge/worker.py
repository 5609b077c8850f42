"""The merge process: copies the plan's PDFs into one file, under resource limits.

Runs as `python -P -m connectors.pdf_merge PLAN OUT MEMORY_MB CPU_S MAX_PAGES WRITE_CPU_S`,
a fresh interpreter without Prefect or database access. Papers come from the council
information system, i.e. from strangers: a PDF that makes pypdf loop or explode kills this
process, not the flow. Before each document it prints `start S D` on stdout, after it
`ok S D` or `placeholder S D CODE`, so the parent knows which document a dead process was
reading; before writing the folder it prints `write`.

The CPU limit is per document (CPU_S) and for the final write (WRITE_CPU_S): the kernel
counts a process's whole life, so the soft limit is moved before each step. A limit for
the whole folder would end a long folder of honest papers in the middle of one of them,
which the parent then takes for the culprit, again in every run after.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import warnings
from pathlib import Path
from typing import Any

from pypdf import PasswordType, PdfReader, PdfWriter, apply_configuration
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError

from connectors.pdf_merge.pages import add_text_page
from connectors.pdf_merge.plan import Document, FolderPlan, Line, Section
from connectors.process_limits import allow_cpu, lower

#: Reason codes the merge process finds itself, as the placeholder page words them.
REASONS = {
    "encrypted": "Das Dokument ist verschlüsselt (Kennwort erforderlich).",
    "damaged": "Das Dokument ist beschädigt und kann nicht gelesen werden.",
    "limit": "Das Dokument überschreitet die Grenzen der Verarbeitung.",
    "empty": "Das Dokument enthält keine Seiten.",
    "missing": "Das Dokument ist nicht verfügbar.",
}


class _UnusableError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _emit(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _reader(path: Path) -> PdfReader:
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            try:
                if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                    raise _UnusableError("encrypted")
            except (NotImplementedError, DependencyError, FileNotDecryptedError):
                raise _UnusableError("encrypted") from None
        return reader
    except _UnusableError:
        raise
    except (LimitReachedError, MemoryError, RecursionError):
        raise _UnusableError("limit") from None
    except FileNotFoundError:
        raise _UnusableError("missing") from None
    except Exception:  # any pypdf or decoding error of a damaged file
        raise _UnusableError("damaged") from None


def _copy(writer: PdfWriter, path: Path, max_pages: int) -> None:
    """Append every page of a PDF, or nothing (pages of a half-read file are removed)."""
    reader = _reader(path)
    first = len(writer.pages)
    try:
        count = len(reader.pages)
        if count == 0:
            raise _UnusableError("empty")
        if count > max_pages:
            raise _UnusableError("limit")
        for page in reader.pages:
            writer.add_page(page)
    except Exception as exc:
        while len(writer.pages) > first:
            writer.remove_page(len(writer.pages) - 1)
        if isinstance(exc, _UnusableError):
            raise
        if isinstance(exc, LimitReachedError | MemoryError | RecursionError):
            raise _UnusableError("limit") from None
        raise _UnusableError("damaged") from None


def _placeholder(section: Section, document: Document, reason: str) -> list[Line]:
    return [
        Line(text=section.bookmark, size=13, bold=True),
        Line(text=document.label, size=12),
        Line(text=""),
        Line(text="Dieses Dokument ist nicht in der Mappe enthalten.", bold=True),
        Line(text=reason),
    ]


def build(
    plan: FolderPlan, out: Path, max_pages: int, cpu_s: int, write_cpu_s: int
) -> dict[str, object]:
    """Write the folder; returns page count and placeholders (section, document, reason)."""
    writer = PdfWriter()
    writer.add_metadata({"/Title": plan.title, "/Producer": "Amtsflow"})
    writer.page_mode = "/UseOutlines"
    add_text_page(writer, plan.cover)
    marks: dict[str, Any] = {}
    placeholders: list[list[object]] = []
    for s, section in enumerate(plan.sections):
        start = len(writer.pages)
        add_text_page(writer, section.lines)
        parent = marks.get(section.parent) if section.parent else None
        mark = writer.add_outline_item(title=section.bookmark, page_number=start, parent=parent)
        marks[section.key] = mark
        for d, document in enumerate(section.documents):
            allow_cpu(cpu_s)
            _emit(f"start {s} {d}")
            at = len(writer.pages)
            reason = document.reason
            if reason is None and document.path is not None:
                try:
                    _copy(writer, Path(document.path), max_pages)
                except _UnusableError as failure:
                    reason = REASONS[failure.code]
            elif reason is None:
                reason = REASONS["missing"]
            if reason is not None:
                add_text_page(writer, _placeholder(section, document, reason))
                placeholders.append([s, d, reason])
                _emit(f"placeholder {s} {d}")
            else:
                _emit(f"ok {s} {d}")
            writer.add_outline_item(title=document.label, page_number=at, parent=mark)
    allow_cpu(write_cpu_s)
    _emit("write")
    with out.open("wb") as handle:
        writer.write(handle)
    return {"pages": len(writer.pages), "placeholders": placeholders}


def main(argv: list[str]) -> int:
    """Entry point; arguments as in the module docstring."""
    plan_path, out_path, memory_mb, cpu_s, max_pages, write_cpu_s = argv
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # its warnings quote documents
    warnings.simplefilter("ignore")
    lower(resource.RLIMIT_AS, int(memory_mb) * 2**20)
    allow_cpu(int(cpu_s))
    lower(resource.RLIMIT_CORE, 0)
    plan = FolderPlan.model_validate_json(Path(plan_path).read_bytes())
    with apply_configuration(jbig2dec_binary=None):
        result = build(plan, Path(out_path), int(max_pages), int(cpu_s), int(write_cpu_s))
    _emit("done " + json.dumps(result, ensure_ascii=False))
    return 0
