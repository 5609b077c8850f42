"""Retrain a municipality's model from confirmed labels (nightly)."""

from __future__ import annotations

from typing import Annotated

from prefect import flow
from prefect.runtime import flow_run

from connectors.catalogue import load_tenant
from connectors.database import ensure_schema, make_engine, tenant_session
from connectors.storage import TenantStorage
from models.classification import TrainSummary
from models.parameter_field import TenantSlug, parameter
from models.settings import Settings
from tasks.classification.tasks import publish_train_summary
from tasks.classification.training import train_tenant_model
from tasks.tenant_guard import guard_run
from tasks.tenant_row import mirror_tenant


@flow(name="retrain", flow_run_name="retrain-{tenant}", persist_result=False)
def retrain(
    tenant: TenantSlug,
    force: Annotated[
        bool,
        parameter(
            "Auch bei unveränderten Daten trainieren",
            "Sonst bleibt das Modell, wenn seit dem letzten Training nichts dazukam",
        ),
    ] = False,
) -> TrainSummary:
    """Fit a new model version from history, cases and clerks' decisions; switch to it.

    Nightly runs keep the current model when its training set is unchanged (same hash);
    `force` retrains anyway (e.g. after the taxonomy's descriptions changed).
    """
    guard_run(tenant)
    settings = Settings()
    config = load_tenant(tenant, settings.tenants)
    if config.classification is None:
        raise ValueError(f"Gemeinde {tenant} hat keine Kategorien eingetragen")
    engine = make_engine(settings.effective_database_url)
    try:
        ensure_schema(engine)
        mirror_tenant(engine, config)
        with tenant_session(engine, tenant) as session:
            summary = train_tenant_model(
                session, TenantStorage(settings.home, tenant), config, flow_run.id, force=force
            )
    finally:
        engine.dispose()
    publish_train_summary(summary)
    return summary
