"""The intake process: every file in a drop folder becomes a case or lands in quarantine."""

from __future__ import annotations

import time
from typing import Annotated

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from connectors.documents import ParserPool
from models.intake import IntakeSummary
from models.parameter_field import TenantSlug, parameter
from models.settings import Settings
from tasks.intake_batch import intake_batch
from tasks.intake_context import FileResult
from tasks.intake_setup import open_context, resolve_source, scan_drop_folder
from tasks.intake_summary import publish_summary, summarise
from tasks.tenant_guard import confine_path, guard_run


@flow(name="intake", flow_run_name="intake-{tenant}", persist_result=False)
def intake(
    tenant: TenantSlug,
    source: Annotated[
        str | None,
        parameter(
            "Eingangsordner",
            "Name einer eingetragenen Eingangsquelle oder Pfad eines Ordners der Gemeinde "
            "(im Datenordner oder einem Eingangsordner); "
            "leer: die erste Eingangsquelle der Gemeinde",
        ),
    ] = None,
) -> IntakeSummary:
    """Read the drop folder in batches, decide every file, publish a summary."""
    guard_run(tenant)
    logger = get_run_logger()
    started = time.perf_counter()
    settings = Settings()
    run_id = flow_run.id
    with ParserPool(
        workers=settings.parse_workers,
        timeout_s=settings.parse_timeout_s,
        memory_mb=settings.parse_memory_mb,
        max_bytes=settings.max_file_bytes,
    ) as parser:
        ctx = open_context(settings, tenant, parser, run_id)
        try:
            folder = confine_path(resolve_source(ctx.tenant, source), ctx.tenant, settings.home)
            files, still_writing = scan_drop_folder(folder, settings.intake_settle_s)
            logger.info(
                "%d Dateien im Eingang von %s (%d werden noch geschrieben)",
                len(files),
                tenant,
                still_writing,
            )
            results: list[FileResult] = []
            size = settings.batch_size
            for start in range(0, len(files), size):
                batch = files[start : start + size]
                results += intake_batch(quote(ctx), quote(batch), return_state=False)
        finally:
            ctx.engine.dispose()
    summary = summarise(results, tenant=tenant, source=str(folder), flow_run_id=run_id)
    summary.still_writing = still_writing
    summary.seconds = round(time.perf_counter() - started, 3)
    publish_summary(summary)
    logger.info(
        "angenommen %d, Quarantäne %d, Duplikate %d, Fehler %d",
        summary.accepted,
        summary.quarantined,
        summary.duplicates,
        summary.errors,
    )
    return summary
