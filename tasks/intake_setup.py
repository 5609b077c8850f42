"""Open what an intake run needs: tenant, schema, storage, template, drop folder."""

from __future__ import annotations

import time
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.catalogue import load_tenant
from connectors.database import ensure_schema, make_engine
from connectors.documents import DocumentParser
from connectors.dropfolder import DropFile, scan
from connectors.storage import TenantStorage
from models.settings import Settings
from models.tenant import Tenant
from tasks.acknowledgement import template_for
from tasks.intake_context import IntakeContext
from tasks.tenant_row import mirror_tenant


def open_context(
    settings: Settings, tenant_slug: str, parser: DocumentParser, flow_run_id: str | None
) -> IntakeContext:
    """Everything one run shares; the schema is brought up to date on the way."""
    tenant = load_tenant(tenant_slug, settings.tenants)
    engine = make_engine(settings.effective_database_url)
    ensure_schema(engine)
    ctx = IntakeContext(
        tenant=tenant,
        storage=TenantStorage(settings.home, tenant.slug),
        engine=engine,
        parser=parser,
        template=template_for(settings.tenants, tenant),
        settings=settings,
        flow_run_id=flow_run_id,
    )
    mirror_tenant(ctx.engine, ctx.tenant)
    return ctx


class NoIntakeSourceError(ValueError):
    """The tenant file names no drop folder and the run named none either."""


def resolve_source(tenant: Tenant, source: str | None) -> Path:
    """A configured source by name, else a folder path; default: the first source."""
    if source is None:
        if not tenant.intake_sources:
            raise NoIntakeSourceError(
                f"Gemeinde {tenant.slug} hat keine Eingangsquelle eingetragen "
                "(intake_sources in der Gemeinde-Datei, oder --source)"
            )
        return tenant.intake_sources[0].path
    named = tenant.source(source)
    return named.path if named is not None else Path(source).expanduser()


@task(
    name="scan-drop-folder",
    persist_result=False,
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=2,
)
def scan_drop_folder(folder: Path, settle_s: float = 0.0) -> tuple[list[DropFile], int]:
    """The waiting files, and how many are left for now as still being written.

    Retried: a mounted share can blink. A file changed within `settle_s` seconds may be
    a copy in progress (not every client writes under a temporary name): hashing it now
    would register half a document, so the next run takes it.
    """
    found = scan(folder)
    cutoff = time.time() - settle_s
    ready = [f for f in found if f.settled(cutoff)]
    return ready, len(found) - len(ready)
