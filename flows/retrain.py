"""Retrain a municipality's model from confirmed labels (nightly)."""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run

from connectors.catalogue import load_tenant
from connectors.database import ensure_schema, make_engine, tenant_session
from connectors.storage import TenantStorage
from models.classification import TrainSummary
from models.parameter_field import TenantSlug
from models.settings import Settings
from tasks.classification.tasks import publish_train_summary
from tasks.classification.training import train_tenant_model
from tasks.tenant_guard import guard_run


@flow(name="retrain", flow_run_name="retrain-{tenant}", persist_result=False)
def retrain(
    tenant: TenantSlug,
) -> TrainSummary:
    """Fit a new model version from history, cases and clerks' decisions; switch to it."""
    guard_run(tenant)
    settings = Settings()
    config = load_tenant(tenant, settings.tenants)
    if config.classification is None:
        raise ValueError(f"Gemeinde {tenant} hat keine Kategorien eingetragen")
    engine = make_engine(settings.effective_database_url)
    try:
        ensure_schema(engine)
        with tenant_session(engine, tenant) as session:
            summary = train_tenant_model(
                session, TenantStorage(settings.home, tenant), config, flow_run.id
            )
    finally:
        engine.dispose()
    publish_train_summary(summary)
    return summary
