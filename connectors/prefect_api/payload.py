"""One planned deployment as the API's create payload, and a comparable view of both sides.

Re-deploying compares what the server holds with what the catalogue wants, field by field,
and writes only what differs: an unchanged deployment keeps its scheduled runs, and a
re-run of 1,000 unchanged deployments costs a few list requests instead of 1,000 upserts.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from prefect.client.schemas.actions import DeploymentScheduleCreate
from prefect.client.schemas.objects import ConcurrencyLimitStrategy, ConcurrencyOptions
from prefect.client.schemas.responses import DeploymentResponse
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

from models.deployment import Schedule
from models.deployment_plan import PlannedDeployment

SET_WORKING_DIRECTORY = "prefect.deployments.steps.set_working_directory"


class FlowTemplate(Protocol):
    """What the catalogue knows about one flow (satisfied by `flows.catalogue.FlowSpec`)."""

    @property
    def name(self) -> str:
        """The Prefect flow name."""

    @property
    def entrypoint(self) -> str:
        """`path/to/module.py:function`, relative to the working directory."""

    @property
    def parameter_schema(self) -> dict[str, Any]:
        """The flow's parameter OpenAPI schema (German titles)."""


def pull_steps(project_dir: str) -> list[dict[str, Any]]:
    """The `pull` step prefect.yaml also writes: run from the project's folder."""
    return [{SET_WORKING_DIRECTORY: {"directory": project_dir}}]


def prefect_schedule(schedule: Schedule) -> DeploymentScheduleCreate:
    """A tenant-file schedule as Prefect's schedule object (time zone explicit)."""
    body: CronSchedule | IntervalSchedule
    if schedule.cron is not None:
        body = CronSchedule(cron=schedule.cron, timezone=schedule.timezone)
    else:
        # A fixed anchor keeps the schedule identical across re-deploys (default: now).
        anchor = datetime(2026, 1, 1, tzinfo=ZoneInfo(schedule.timezone))
        body = IntervalSchedule(
            interval=timedelta(seconds=schedule.interval_s or 0),
            anchor_date=anchor,
            timezone=schedule.timezone,
        )
    return DeploymentScheduleCreate(
        schedule=body, active=schedule.active, parameters=dict(schedule.parameters)
    )


def pinned_schema(schema: dict[str, Any], tenant: str) -> dict[str, Any]:
    """The flow's schema with `tenant` fixed to one slug (read-only in the UI form).

    With `enforce_parameter_schema` the server then refuses a run of tenant A's deployment
    that names tenant B, whether it comes from the UI, the API or an automation.
    """
    pinned = copy.deepcopy(schema)
    prop = pinned.get("properties", {}).get("tenant")
    if prop is not None:
        prop["readOnly"] = True
        prop["enum"] = [tenant]
        prop["default"] = tenant
    return pinned


def concurrency_options(planned: PlannedDeployment) -> ConcurrencyOptions | None:
    """The collision strategy for runs beyond the deployment's limit (None: no limit)."""
    if planned.max_active_runs is None:
        return None
    strategy = (
        ConcurrencyLimitStrategy.CANCEL_NEW
        if planned.on_overlap == "cancel_new"
        else ConcurrencyLimitStrategy.ENQUEUE
    )
    return ConcurrencyOptions(collision_strategy=strategy)


def desired_payload(
    planned: PlannedDeployment, flow: FlowTemplate, project_dir: str
) -> dict[str, Any]:
    """Keyword arguments for `PrefectClient.create_deployment` (without `flow_id`)."""
    return {
        "name": planned.name,
        "description": planned.description,
        "tags": list(planned.tags),
        "parameters": dict(planned.parameters),
        "work_pool_name": planned.work_pool,
        "work_queue_name": planned.work_queue,
        "entrypoint": flow.entrypoint,
        "path": ".",
        "pull_steps": pull_steps(project_dir),
        "parameter_openapi_schema": pinned_schema(flow.parameter_schema, planned.tenant),
        "enforce_parameter_schema": True,
        "schedules": [prefect_schedule(s) for s in planned.schedules],
        "concurrency_limit": planned.max_active_runs,
        "concurrency_options": concurrency_options(planned),
    }


def _schedule_view(schedule: Any, active: bool, parameters: dict[str, Any]) -> str:
    return repr((schedule.model_dump(mode="json"), active, sorted(parameters.items())))


def comparable(payload: dict[str, Any]) -> dict[str, Any]:
    """The fields we own, in a form both a payload and a server response reduce to."""
    view = {k: v for k, v in payload.items() if k not in ("schedules", "concurrency_options")}
    options = payload["concurrency_options"]
    view["concurrency_options"] = options.collision_strategy.value if options else None
    view["tags"] = sorted(view["tags"])
    view["schedules"] = sorted(
        _schedule_view(s.schedule, s.active, s.parameters) for s in payload["schedules"]
    )
    return view


def comparable_response(deployment: DeploymentResponse) -> dict[str, Any]:
    """`comparable()` of what the server holds for a deployment."""
    return {
        "name": deployment.name,
        "description": deployment.description,
        "tags": sorted(deployment.tags),
        "parameters": deployment.parameters,
        "work_pool_name": deployment.work_pool_name,
        "work_queue_name": deployment.work_queue_name,
        "entrypoint": deployment.entrypoint,
        "path": deployment.path,
        "pull_steps": deployment.pull_steps,
        "parameter_openapi_schema": deployment.parameter_openapi_schema,
        "enforce_parameter_schema": deployment.enforce_parameter_schema,
        "schedules": sorted(
            _schedule_view(s.schedule, s.active, s.parameters or {}) for s in deployment.schedules
        ),
        "concurrency_limit": (
            deployment.global_concurrency_limit.limit
            if deployment.global_concurrency_limit is not None
            else None
        ),
        "concurrency_options": (
            deployment.concurrency_options.collision_strategy.value
            if deployment.concurrency_options is not None and deployment.global_concurrency_limit
            else None
        ),
    }
