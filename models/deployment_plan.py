"""What one tenant's deployments look like, derived from its tenant file and the defaults.

The deploy command, `tenants validate` and `prefect.yaml`'s tests all ask this module, so
"which flows does Kleindorf get, on which schedule, with which parameters" has exactly one
answer. Pure data: no Prefect import, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.deployment import (
    DEFAULT_CRONS,
    DEFAULT_OVERLAP,
    FLOW_NAMES,
    FlowDeployment,
    Overlap,
    Schedule,
)
from models.tenant import Tenant

ENQUEUE: Overlap = "enqueue"

#: Tag on every deployment `amtsflow deploy` owns; only these are ever updated or removed.
MANAGED_TAG = "managed-by:amtsflow"

#: German one-liners for the Prefect UI's deployment list.
FLOW_TITLES: dict[str, str] = {
    "intake": "Posteingang",
    "classify": "Dokumente einordnen",
    "retrain": "Einordnungsmodell nachtrainieren",
    "review-label": "Prüfauftrag entscheiden",
    "oparl-sync": "Ratsinformationssystem abgleichen",
    "prepare-agenda": "Tagesordnung vorbereiten",
    "nightly": "Nachtlauf",
}


def tenant_tag(slug: str) -> str:
    """The tag that marks a deployment (and its runs) as belonging to one tenant."""
    return f"tenant:{slug}"


def tenant_tags(tags: list[str]) -> list[str]:
    """The slugs a deployment's or run's tags bind it to (normally exactly one)."""
    return sorted({t.removeprefix("tenant:") for t in tags if t.startswith("tenant:")})


def owned_by(found: dict[str, Any], slug: str) -> bool:
    """Whether a deployment or run (as the Prefect API returns it) is the tenant's alone.

    Tags can be added to a run through the Prefect API, which has no login of its own: a
    run of one municipality given a second `tenant:` tag must not appear to the other.
    So exactly one tenant tag, and a `tenant` parameter (where there is one) naming it.
    """
    if tenant_tags(list(found.get("tags") or [])) != [slug]:
        return False
    parameters = found.get("parameters") or {}
    return "tenant" not in parameters or parameters["tenant"] == slug


@dataclass(frozen=True)
class PlannedDeployment:
    """One flow deployed for one tenant: everything the Prefect API needs but the flow id."""

    flow_name: str
    name: str  # the tenant's slug
    tenant: str
    parameters: dict[str, Any]
    schedules: tuple[Schedule, ...]
    work_pool: str
    work_queue: str
    tags: tuple[str, ...]
    description: str
    secrets: dict[str, str] = field(default_factory=dict)
    max_active_runs: int | None = None  # None: no limit
    on_overlap: Overlap = "enqueue"


def _requirement(tenant: Tenant, flow_name: str, params: dict[str, Any]) -> str | None:
    """Why the tenant cannot use a flow, or None when it can."""
    if flow_name == "intake" and not tenant.intake_sources and "source" not in params:
        return "braucht intake_sources (oder parameters.source)"
    if flow_name in {"classify", "retrain", "review-label"} and tenant.classification is None:
        return "braucht classification (Kategorien)"
    if flow_name == "oparl-sync" and tenant.oparl is None and "url" not in params:
        return "braucht oparl.system_url (oder parameters.url)"
    if flow_name == "prepare-agenda" and tenant.oparl is None:
        return "braucht oparl (Sitzungen kommen aus dem Ratsinformationssystem)"
    return None


def _default_schedules(flow_name: str) -> tuple[Schedule, ...]:
    return tuple(Schedule(cron=cron) for cron in DEFAULT_CRONS.get(flow_name, []))


def plan_tenant(tenant: Tenant) -> tuple[list[PlannedDeployment], list[tuple[str, str]]]:
    """The tenant's deployments, plus (field, message) for flows switched on but unusable.

    A flow not mentioned in the file is deployed when the tenant configures what it needs;
    `enabled: false` removes it; `enabled: true` for a flow that cannot work is an error,
    reported with the field, instead of a deployment that fails every night.
    """
    config = tenant.deployment
    queue = config.work_queue or tenant.slug
    planned: list[PlannedDeployment] = []
    problems: list[tuple[str, str]] = []
    for flow_name in FLOW_NAMES:
        spec = config.flows.get(flow_name, FlowDeployment())  # type: ignore[call-overload]
        if spec.enabled is False:
            continue
        missing = _requirement(tenant, flow_name, spec.parameters)
        if missing is not None:
            if spec.enabled:
                problems.append((f"deployment.flows.{flow_name}", missing))
            continue
        schedules = (
            tuple(spec.schedules) if spec.schedules is not None else _default_schedules(flow_name)
        )
        title = FLOW_TITLES[flow_name]
        limit, overlap = DEFAULT_OVERLAP.get(flow_name, (None, ENQUEUE))
        planned.append(
            PlannedDeployment(
                flow_name=flow_name,
                name=tenant.slug,
                tenant=tenant.slug,
                parameters={"tenant": tenant.slug, **spec.parameters},
                schedules=schedules,
                work_pool=config.work_pool,
                work_queue=queue,
                tags=(tenant_tag(tenant.slug), MANAGED_TAG, flow_name),
                description=spec.description or f"{title} – {tenant.name}",
                secrets=tenant.secrets.named(),
                max_active_runs=spec.max_active_runs or limit,
                on_overlap=spec.on_overlap or overlap,
            )
        )
    return planned, problems


def parameter_problems(planned: PlannedDeployment, schema: dict[str, Any]) -> list[tuple[str, str]]:
    """Parameters the flow does not take, and required ones the tenant file leaves open.

    Args:
        planned: one planned deployment.
        schema: the flow's parameter OpenAPI schema (`properties`, `required`).

    """
    known = set(schema.get("properties", {}))
    where = f"deployment.flows.{planned.flow_name}.parameters"
    problems = [
        (f"{where}.{name}", f"Ablauf {planned.flow_name!r} kennt keinen Parameter {name!r}")
        for name in planned.parameters
        if name not in known
    ]
    for i, schedule in enumerate(planned.schedules):  # a typo would fail every scheduled run
        problems += [
            (
                f"deployment.flows.{planned.flow_name}.schedules[{i}].parameters.{name}",
                f"Ablauf {planned.flow_name!r} kennt keinen Parameter {name!r}",
            )
            for name in schedule.parameters
            if name not in known
        ]
    if planned.schedules:
        for name in schema.get("required", []):
            if name not in planned.parameters and not all(
                name in s.parameters for s in planned.schedules
            ):
                problems.append((where, f"Pflichtparameter {name!r} fehlt für den Zeitplan"))
    return problems
