"""The steps of an agenda preparation without Prefect: open, build, keep the draft, write.

The flow `prepare-agenda` wraps them in tasks and pauses between draft and outputs; the
command `amtsflow agenda prepare` calls them in a row. The draft is kept as JSON beside
the outputs (`outputs/sitzungen/<meeting>/entwurf.json`, then `freigegeben.json`): it
holds titles, so it lives in the tenant's folder, never in an artifact or a log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from connectors.catalogue import load_tenant
from connectors.database import ensure_schema, make_engine, tenant_session
from connectors.oparl import OParlSource, make_source
from connectors.pdf_merge import MergeLimits
from connectors.storage import TenantStorage
from models.agenda import AgendaDraft
from models.settings import Settings
from models.tenant import Tenant
from tasks.agenda_outputs.content import BERLIN, meeting_key
from tasks.agenda_outputs.files import fetch_paper_files
from tasks.agenda_outputs.word import AgendaTemplate
from tasks.agenda_outputs.write import TEMPLATE_NAMES, OutputsResult, render_outputs, template_path
from tasks.secrets import oparl_settings_for
from tasks.tenant_row import mirror_tenant

DRAFT, APPROVED, DECISION = "entwurf.json", "freigegeben.json", "freigabe.json"


@dataclass(frozen=True)
class AgendaContext:
    """What one preparation works with: settings, the tenant, its database and folder."""

    settings: Settings
    tenant: Tenant
    engine: Engine
    storage: TenantStorage


@contextmanager
def open_agenda(settings: Settings, slug: str) -> Iterator[AgendaContext]:
    """Load the tenant (clear error if unknown), bring the schema up, mirror the tenant row.

    Raises:
        TenantNotFoundError, TenantConfigError: the tenant file is missing or invalid.

    """
    tenant = load_tenant(slug, settings.tenants)
    engine = make_engine(settings.effective_database_url)
    try:
        ensure_schema(engine)
        mirror_tenant(engine, tenant)
        yield AgendaContext(settings, tenant, engine, TenantStorage(settings.home, tenant.slug))
    finally:
        engine.dispose()


def check_templates(ctx: AgendaContext) -> None:
    """Load the tenant's Word templates now, so a broken one fails before the clerk approves.

    Raises:
        TemplateError: naming the template file and the placeholder.

    """
    for name in TEMPLATE_NAMES:
        AgendaTemplate(template_path(ctx.settings.tenants, ctx.tenant.slug, name))


def today_in_berlin() -> dt.date:
    """The municipality's today (the notice period counts German calendar days)."""
    return dt.datetime.now(BERLIN).date()


def build_draft(ctx: AgendaContext, meeting_id: str, today: dt.date | None = None) -> AgendaDraft:
    """The agenda builder's suggestion for the meeting (tasks.agenda.build)."""
    from tasks.agenda.build import build_agenda  # imported when used: it loads the model

    with tenant_session(ctx.engine, ctx.tenant.slug) as session:
        return build_agenda(session, ctx.tenant, meeting_id, today=today)


def draft_path(storage: TenantStorage, draft: AgendaDraft, name: str = DRAFT) -> Path:
    """Where a meeting's draft (or approved agenda) is kept."""
    return storage.output_path("sitzungen", meeting_key(draft.meeting_id, draft.start), name)


def save_draft(storage: TenantStorage, draft: AgendaDraft, name: str = DRAFT) -> Path:
    """Keep the draft as JSON in the tenant's folder (for the clerks' pages and the record)."""
    return storage.write_atomic(
        draft_path(storage, draft, name), draft.model_dump_json(indent=2).encode()
    )


def load_draft(storage: TenantStorage, meeting_id: str, name: str = DRAFT) -> AgendaDraft | None:
    """The latest kept draft of a meeting, found by the hash in its folder name."""
    suffix = hashlib.sha256(meeting_id.encode()).hexdigest()[:12]
    found = sorted(storage.output_path("sitzungen").glob(f"*-{suffix}/{name}"))
    if not found:
        return None
    return AgendaDraft.model_validate_json(storage.inside(found[-1]).read_bytes())


def write_outputs(
    ctx: AgendaContext,
    draft: AgendaDraft,
    *,
    today: dt.date | None = None,
    source: OParlSource | None = None,
    limits: MergeLimits | None = None,
) -> OutputsResult:
    """Fetch the papers' files into the store and write every output of the meeting."""
    file_ids = [f for item in draft.items for f in item.file_ids]
    own_source = source is None
    if source is None:
        # the municipality's key (its Secret block, else the installation's), only for the
        # system its tenant file names, as in the sync that found these files
        system_url = ctx.tenant.oparl.system_url if ctx.tenant.oparl else ""
        source = make_source(oparl_settings_for(ctx.tenant.slug, system_url, ctx.settings))
    try:
        files = fetch_paper_files(
            ctx.engine,
            ctx.tenant.slug,
            source,
            ctx.storage,
            file_ids,
            max_bytes=ctx.settings.max_file_bytes,
        )
    finally:
        if own_source:
            source.close()
    return render_outputs(
        draft,
        municipality=ctx.tenant.name,
        storage=ctx.storage,
        files=files,
        tenants_dir=ctx.settings.tenants,
        today=today or today_in_berlin(),
        limits=limits,
    )
