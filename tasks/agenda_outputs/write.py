"""Render and write all outputs of one meeting: public and non-public, checked, atomic.

Everything is rendered first (DOCX in memory, PDFs into the tenant's tmp folder), the
public outputs are scanned for anything of the non-public part, and only then are the
files moved into `outputs/sitzungen/<meeting>/{oeffentlich,nichtoeffentlich}/`. A leak
or a broken template writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from connectors.pdf_merge import MergeLimits, merge_folder
from connectors.storage import TenantStorage
from models.agenda import AgendaDraft
from models.settings import PROJECT_ROOT
from tasks.agenda_outputs.content import (
    json_strings,
    meeting_key,
    oparl_agenda_items,
    rows,
    scalars,
)
from tasks.agenda_outputs.folder import PaperFile, folder_plan
from tasks.agenda_outputs.view import (
    AgendaView,
    check_public_texts,
    full_view,
    nonpublic_view,
    public_view,
)
from tasks.agenda_outputs.word import AgendaTemplate, document_texts

DEFAULT_TEMPLATES = PROJECT_ROOT / "templates" / "agenda"
TEMPLATE_NAMES = ("einladung", "tagesordnung")
PUBLIC_DIR, NONPUBLIC_DIR = "oeffentlich", "nichtoeffentlich"


def template_path(tenants_dir: Path, tenant: str, name: str) -> Path:
    """The municipality's own template (tenants/<slug>/agenda/<name>.docx) or the default."""
    own = tenants_dir / tenant / "agenda" / f"{name}.docx"
    return own if own.is_file() else DEFAULT_TEMPLATES / f"{name}.docx"


@dataclass(frozen=True)
class WrittenFile:
    """One output file: where (relative to the tenant's outputs), hash, size."""

    path: str
    sha256: str
    size: int
    public: bool


@dataclass
class OutputsResult:
    """What was written; counts and numbers only (titles may hold personal data)."""

    folder: str
    files: list[WrittenFile] = field(default_factory=list)
    public_items: int = 0
    nonpublic_items: int = 0
    withheld_numbers: list[str] = field(default_factory=list)
    blocked_files: int = 0
    pages: dict[str, int] = field(default_factory=dict)
    placeholders: dict[str, int] = field(default_factory=dict)


def _docx(view: AgendaView, template: AgendaTemplate, municipality: str, today: dt.date) -> bytes:
    return template.render(scalars(view, municipality, today), rows(view))


def render_outputs(
    draft: AgendaDraft,
    *,
    municipality: str,
    storage: TenantStorage,
    files: Mapping[str, PaperFile],
    tenants_dir: Path,
    today: dt.date,
    limits: MergeLimits | None = None,
) -> OutputsResult:
    """Write the meeting's outputs; returns what was written.

    Raises:
        TemplateError: a template is broken (the message names file and placeholder).
        PublicLeakError: a public output would mention the non-public part.
        MergeError: the merge process failed as a whole.

    """
    templates = {
        n: AgendaTemplate(template_path(tenants_dir, draft.tenant, n)) for n in TEMPLATE_NAMES
    }
    hashes = {fid: f.sha256 for fid, f in files.items() if f.sha256}
    public, everything, hidden = public_view(draft, hashes), full_view(draft), nonpublic_view(draft)
    key = meeting_key(draft.meeting_id, draft.start)
    rendered: dict[str, bytes] = {}
    for name, template in templates.items():
        rendered[f"{PUBLIC_DIR}/{name}.docx"] = _docx(public, template, municipality, today)
        rendered[f"{NONPUBLIC_DIR}/{name}.docx"] = _docx(everything, template, municipality, today)
    for folder, view in ((PUBLIC_DIR, public), (NONPUBLIC_DIR, everything)):
        export = oparl_agenda_items(view, draft.tenant)
        rendered[f"{folder}/tagesordnung.json"] = (
            json.dumps(export, ensure_ascii=False, indent=2).encode() + b"\n"
        )
    public_plan = folder_plan(public, files, municipality, today)
    hidden_plan = folder_plan(hidden, files, municipality, today)
    for name, data in rendered.items():
        if name.startswith(PUBLIC_DIR):
            texts = (
                document_texts(data) if name.endswith(".docx") else json_strings(json.loads(data))
            )
            check_public_texts(draft, hashes, name, texts)
    check_public_texts(
        draft, hashes, f"{PUBLIC_DIR}/sitzungsmappe.pdf", public_plan.generated_texts()
    )
    result = OutputsResult(
        folder=f"sitzungen/{key}",
        public_items=len(public.items),
        nonpublic_items=len(hidden.items),
        withheld_numbers=list(public.withheld),
        blocked_files=sum(len(v) for v in public.blocked_files.values()),
    )
    with tempfile.TemporaryDirectory(dir=storage.root / "tmp", prefix="mappe-") as work:
        pdfs: dict[str, Path] = {}
        for folder, plan in ((PUBLIC_DIR, public_plan), (NONPUBLIC_DIR, hidden_plan)):
            target = Path(work) / f"{folder}.pdf"
            merged = merge_folder(plan, target, limits)
            pdfs[f"{folder}/sitzungsmappe.pdf"] = target
            result.pages[folder] = merged.pages
            result.placeholders[folder] = len(merged.placeholders)
        for name, data in sorted(rendered.items()):
            path = storage.write_atomic(
                storage.output_path("sitzungen", key, *name.split("/")), data
            )
            result.files.append(_written(storage, path, data, name.startswith(PUBLIC_DIR)))
        for name, source in pdfs.items():
            target = storage.output_path("sitzungen", key, *name.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(source), storage.inside(target.parent / f".{target.name}.part"))
            (target.parent / f".{target.name}.part").replace(target)
            result.files.append(
                _written(storage, target, target.read_bytes(), name.startswith(PUBLIC_DIR))
            )
    result.files.sort(key=lambda f: f.path)
    return result


def _written(storage: TenantStorage, path: Path, data: bytes, public: bool) -> WrittenFile:
    relative = path.relative_to(storage.root / "outputs").as_posix()
    return WrittenFile(relative, hashlib.sha256(data).hexdigest(), len(data), public)
