"""Paths, fixed values and field labels shared by the sample generators."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from models.forms import FORM_TYPES, MunicipalForm
from models.german import iban_with_check_digits

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates" / "forms"
INBOX = ROOT / "samples" / "musterstadt" / "inbox"
FIXED = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
DOCX_FORMS = ("gewerbeanmeldung", "maengelmeldung")  # the second uses content controls
IBAN_OK = iban_with_check_digits("DE", "999999990012345678")
IBAN_OK_2 = iban_with_check_digits("DE", "999999990087654321")


def printed_fields(form: type[MunicipalForm]) -> list[tuple[str, str, bool]]:
    """(field name, printed label, is checkbox) in form order; the label names the PDF field."""
    out = []
    for name, info in form.model_fields.items():
        label = form.aliases[name][0]
        assert "." not in label, label  # a dot would split the PDF field name
        out.append((name, label, info.annotation is bool))
    return out


def by_label(form_type: str, values: Mapping[str, str]) -> dict[str, str]:
    """Values keyed by field name -> keyed by the printed label."""
    labels = {name: label for name, label, _ in printed_fields(FORM_TYPES[form_type])}
    return {labels[name]: value for name, value in values.items()}
