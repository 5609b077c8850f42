"""Tenant files: validated, with errors that name file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.catalogue import TenantConfigError, TenantNotFoundError, load_all, load_tenant
from models.settings import PROJECT_ROOT


def test_shipped_tenant_is_valid() -> None:
    tenant = load_tenant("musterstadt", PROJECT_ROOT / "tenants")
    assert tenant.ags == "09999001"
    assert tenant.department_for("gewerbeanmeldung").code == "32.10"  # type: ignore[union-attr]
    assert tenant.intake_sources[0].path == PROJECT_ROOT / "samples" / "musterstadt" / "inbox"
    assert tenant.file_number.format("32.10", 2026, 42) == "32.10-2026-00042"


def test_errors_name_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "kaputt.yaml"
    bad.write_text(
        "slug: kaputt\nname: K\nags: '1234'\nfile_number: {pattern: '{seq}-{name}'}\n"
        "departments:\n  - {code: '32.10', name: Amt, form_types: [a]}\n"
        "  - {code: '32.10', name: Amt2, form_types: [a]}\n",
        encoding="utf-8",
    )
    with pytest.raises(TenantConfigError) as info:
        load_tenant("kaputt", tmp_path)
    text = str(info.value)
    assert str(bad) in text
    assert "ags" in text and "8 Ziffern" in text
    assert "file_number" in text and "Platzhalter" in text
    tenants, errors = load_all(tmp_path)
    assert tenants == [] and errors[0].path == bad


def test_crafted_slugs_never_become_paths(tmp_path: Path) -> None:
    for slug in ("../etc/passwd", "Musterstadt", "", "a/b"):
        with pytest.raises(TenantNotFoundError):
            load_tenant(slug, tmp_path)
