"""The council information system mirrored into the database (nightly, or on demand)."""

from __future__ import annotations

from typing import Annotated

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from models.oparl_sync import OParlSyncSummary
from models.parameter_field import TenantSlug, parameter
from models.settings import Settings
from tasks.oparl_setup import prepare_sync
from tasks.oparl_summary import publish_sync_summary
from tasks.oparl_sync import sync_oparl_task
from tasks.tenant_guard import guard_run


@flow(name="oparl-sync", flow_run_name="oparl-sync-{tenant}", persist_result=False)
def oparl_sync(
    tenant: TenantSlug,
    url: Annotated[
        str | None,
        parameter(
            "OParl-System",
            "Adresse des OParl-Systems des Ratsinformationssystems; "
            "leer: die Adresse aus der Gemeinde-Datei",
            pattern=r"^https?://\S+$",
        ),
    ] = None,
    full: Annotated[
        bool,
        parameter(
            "Vollständig abgleichen",
            "Alles neu lesen und nicht mehr Geliefertes als gelöscht markieren; "
            "sonst nur die Änderungen seit dem letzten erfolgreichen Abgleich",
        ),
    ] = False,
) -> OParlSyncSummary:
    """Read the tenant's OParl system into its tables and publish the counts."""
    guard_run(tenant)
    logger = get_run_logger()
    target = prepare_sync(Settings(), tenant, url)
    summary = sync_oparl_task(target.tenant, target.system_url, target.body_id, full)
    summary.flow_run_id = flow_run.id
    publish_sync_summary(summary)
    logger.info(
        "OParl-Abgleich %s: %d Sitzungen, %d Vorlagen, %d Abweichungen, %d Fehler",
        tenant,
        summary.objects["meeting"].seen if "meeting" in summary.objects else 0,
        summary.objects["paper"].seen if "paper" in summary.objects else 0,
        sum(summary.quirks.values()),
        len(summary.errors),
    )
    return summary
