"""The acknowledgement of receipt (Eingangsbestätigung), written as DOCX per case."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from connectors.storage import TenantStorage
from models.forms import MunicipalForm
from models.settings import PROJECT_ROOT
from models.tenant import Department, Tenant
from tasks.docx_template import DocxTemplate

BERLIN = ZoneInfo("Europe/Berlin")
DEFAULT_TEMPLATE = PROJECT_ROOT / "templates" / "eingangsbestaetigung.docx"
PLACEHOLDERS = {
    "gemeinde",
    "ags",
    "fachbereich",
    "aktenzeichen",
    "formular",
    "betreff",
    "eingangsdatum",
    "datum",
    "anrede",
}


def template_path(tenants_dir: Path, tenant: Tenant) -> Path:
    """The tenant's own template if it has one, else the shipped default."""
    own = tenants_dir / tenant.slug / "eingangsbestaetigung.docx"
    return own if own.is_file() else DEFAULT_TEMPLATE


@lru_cache(maxsize=32)
def load_template(path: Path, mtime_ns: int) -> DocxTemplate:
    """Parse a template once per file version (the mtime is part of the cache key)."""
    del mtime_ns
    return DocxTemplate(path, PLACEHOLDERS)


def template_for(tenants_dir: Path, tenant: Tenant) -> DocxTemplate:
    """The loaded template for a tenant (cached; an edited file is reloaded)."""
    path = template_path(tenants_dir, tenant)
    return load_template(path, path.stat().st_mtime_ns)


def values(
    tenant: Tenant,
    department: Department,
    form: MunicipalForm,
    file_number: str,
    received_at: datetime,
) -> dict[str, str]:
    """The placeholder values of one acknowledgement."""
    name = form.applicant_name().strip()
    return {
        "gemeinde": tenant.name,
        "ags": tenant.ags,
        "fachbereich": department.name,
        "aktenzeichen": file_number,
        "formular": form.title,
        "betreff": form.subject_line(),
        "eingangsdatum": received_at.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M Uhr"),
        "datum": datetime.now(BERLIN).strftime("%d.%m.%Y"),
        "anrede": f"Guten Tag {name}," if name else "Sehr geehrte Damen und Herren,",
    }


def output_path(storage: TenantStorage, file_number: str, year: int) -> Path:
    """Where a case's acknowledgement goes; derived from the file number, never from input."""
    safe = re.sub(r"[^0-9A-Za-z._-]", "_", file_number)
    return storage.output_path("eingangsbestaetigungen", str(year), f"{safe}.docx")
