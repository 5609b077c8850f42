"""The nightly batch of one municipality: OParl sync, intake, classification, retraining, clean-up.

Each step is the catalogue's own flow, run as a subflow (its run, logs and artifact appear
under the nightly run in the console; a subflow costs ~1-2 s, five a night are nothing),
and the clean-up is one task. A step the tenant has not configured (no OParl system, no
drop folder, no taxonomy) or switched off in its tenant file is skipped with the reason.
A failing step does not stop the others: the run goes on, publishes a summary naming
each step's outcome and ends Failed if one failed. Every step is idempotent, so the whole
run is safe to repeat (a second night sees no new files, labels nothing twice).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any

from prefect import flow, get_run_logger
from prefect.client.schemas.objects import State
from prefect.runtime import flow_run

from connectors.catalogue import load_tenant
from flows.classify import classify
from flows.intake import intake
from flows.oparl_sync import oparl_sync
from flows.retrain import retrain
from models.nightly import NightlySummary, StepOutcome
from models.parameter_field import TenantSlug, parameter
from models.settings import Settings
from models.tenant import Tenant
from tasks.cleanup import cleanup_task
from tasks.nightly_summary import NightlyFailedError, outcome_of_state, publish_nightly_summary
from tasks.tenant_guard import guard_run

Step = tuple[str, Callable[[], State[Any]] | None, str | None]


def _switched_off(tenant: Tenant, flow_name: str) -> bool:
    configured = tenant.deployment.flows.get(flow_name)  # type: ignore[call-overload]
    return configured is not None and configured.enabled is False


def _parameters(tenant: Tenant, flow_name: str) -> dict[str, Any]:
    configured = tenant.deployment.flows.get(flow_name)  # type: ignore[call-overload]
    return dict(configured.parameters) if configured is not None else {}


def plan_steps(tenant: Tenant) -> list[Step]:
    """The chain for this tenant: (step, how to run it, or why it is skipped)."""
    slug = tenant.slug
    steps: list[Step] = []

    def add(name: str, flow_name: str, missing: str | None, run: Callable[[], State[Any]]) -> None:
        if _switched_off(tenant, flow_name):
            steps.append((name, None, "in der Gemeinde-Datei abgeschaltet"))
        elif missing is not None:
            steps.append((name, None, missing))
        else:
            steps.append((name, run, None))

    oparl_params = _parameters(tenant, "oparl-sync")
    add(
        "oparl-sync",
        "oparl-sync",
        None
        if tenant.oparl is not None or "url" in oparl_params
        else "kein OParl-System eingetragen",
        lambda: oparl_sync(tenant=slug, **oparl_params, return_state=True),
    )
    if not tenant.intake_sources:
        add(
            "intake",
            "intake",
            "kein Eingangsordner eingetragen",
            lambda: intake(tenant=slug, return_state=True),
        )
    for source in tenant.intake_sources:
        add(
            f"intake:{source.name}",
            "intake",
            None,
            lambda name=source.name: intake(tenant=slug, source=name, return_state=True),  # type: ignore[misc]
        )
    no_taxonomy = None if tenant.classification else "keine Kategorien eingetragen"
    classify_params = _parameters(tenant, "classify")
    add(
        "classify",
        "classify",
        no_taxonomy,
        lambda: classify(tenant=slug, **classify_params, return_state=True),
    )
    add("retrain", "retrain", no_taxonomy, lambda: retrain(tenant=slug, return_state=True))
    return steps


@flow(name="nightly", flow_run_name="nightly-{tenant}", persist_result=False)
def nightly(
    tenant: TenantSlug,
    archive_days: Annotated[
        int,
        parameter(
            "Archiv aufbewahren (Tage)",
            "So lange bleiben verarbeitete Dateien im Archivordner des Eingangs "
            "(.verarbeitet); die Originale bleiben im Dokumentenspeicher",
            ge=1,
            le=3650,
        ),
    ] = 90,
) -> NightlySummary:
    """Run the tenant's chain; every step runs even if an earlier one failed."""
    guard_run(tenant)
    logger = get_run_logger()
    started = time.perf_counter()
    settings = Settings()
    config = load_tenant(tenant, settings.tenants)
    summary = NightlySummary(tenant=tenant, flow_run_id=flow_run.id)
    for name, run, skipped in plan_steps(config):
        if run is None:
            summary.steps.append(StepOutcome(step=name, status="skipped", reason=skipped))
            logger.info("Schritt %s übersprungen: %s", name, skipped)
            continue
        step_started = time.perf_counter()
        outcome = outcome_of_state(name, run())
        outcome.seconds = round(time.perf_counter() - step_started, 3)
        summary.steps.append(outcome)
        logger.info("Schritt %s: %s", name, outcome.status)
    step_started = time.perf_counter()
    outcome = outcome_of_state(
        "cleanup", cleanup_task(settings, config, archive_days, return_state=True)
    )
    outcome.seconds = round(time.perf_counter() - step_started, 3)
    summary.steps.append(outcome)
    summary.seconds = round(time.perf_counter() - started, 3)
    publish_nightly_summary(summary)
    if summary.failed:
        raise NightlyFailedError(summary)
    return summary
