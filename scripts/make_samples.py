"""Blank form templates, the demo's sample inbox, and submissions for the benchmark.

Run `python scripts/make_samples.py` to (re)write `templates/forms/` and
`samples/musterstadt/inbox/`; the output is deterministic and committed. The work is done
in the `scripts.samples` package (templates, filling, inbox, bulk); this module is its
entry point and keeps the names callers import from it. All people, companies and
accounts are fictitious (bank code 99999999 does not exist).
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as `python scripts/make_samples.py`: make `scripts` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.forms import FORM_TYPES
from scripts.samples.bulk import (
    Submission,
    generate_submissions,
    generate_submissions_with_expectations,
)
from scripts.samples.common import (
    DOCX_FORMS,
    FIXED,
    IBAN_OK,
    IBAN_OK_2,
    INBOX,
    ROOT,
    TEMPLATES,
    by_label,
    printed_fields,
)
from scripts.samples.filling import fill_docx, fill_pdf, mail, to_json
from scripts.samples.inbox import inbox_files
from scripts.samples.templates import docx_template, pdf_template, template_bytes

__all__ = [
    "DOCX_FORMS",
    "FIXED",
    "IBAN_OK",
    "IBAN_OK_2",
    "INBOX",
    "ROOT",
    "TEMPLATES",
    "Submission",
    "by_label",
    "docx_template",
    "fill_docx",
    "fill_pdf",
    "generate_submissions",
    "generate_submissions_with_expectations",
    "inbox_files",
    "mail",
    "pdf_template",
    "printed_fields",
    "template_bytes",
    "to_json",
    "write_all",
]


def write_all() -> None:
    """Write templates and inbox (the README beside the inbox is written by hand)."""
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    for form_type in FORM_TYPES:
        (TEMPLATES / f"{form_type}.pdf").write_bytes(pdf_template(form_type))
    for form_type in DOCX_FORMS:
        data = docx_template(form_type, controls=form_type == DOCX_FORMS[1])
        (TEMPLATES / f"{form_type}.docx").write_bytes(data)
    template_bytes.cache_clear()
    INBOX.mkdir(parents=True, exist_ok=True)
    for name, data, _ in inbox_files():
        (INBOX / name).write_bytes(data)


if __name__ == "__main__":
    write_all()
