"""Bring the server's deployments in line with the catalogue: create, update, remove.

Only deployments carrying the managed-by tag are ever changed or removed; a deployment of
the same flow and name without the tag (someone's own) is reported as a conflict and left
alone. Requests run concurrently behind a semaphore: one `flow.deploy()` per deployment
costs ~0.4 s here, 1,000 of them would take minutes.

Global concurrency limits the flows rely on (e.g. `ollama`) are created or resized too:
Prefect lets a `concurrency()` call on a missing limit pass unlimited, so without the
deploy creating them they would silently do nothing. They are never deleted (an operator
may have made them for more than this catalogue).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.actions import (
    GlobalConcurrencyLimitCreate,
    GlobalConcurrencyLimitUpdate,
    WorkPoolCreate,
)
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterTags,
    FlowFilter,
    FlowFilterId,
)
from prefect.client.schemas.responses import DeploymentResponse
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

from connectors.prefect_api.payload import (
    FlowTemplate,
    comparable,
    comparable_response,
    desired_payload,
)
from models.deployment_plan import MANAGED_TAG, PlannedDeployment, tenant_tag

T = TypeVar("T")
PAGE = 200


@dataclass
class DeployReport:
    """What one deploy run did; names are `flow/deployment`."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)  # of tenants without a file: kept
    pools_created: list[str] = field(default_factory=list)
    queues_created: list[str] = field(default_factory=list)
    limits_created: list[str] = field(default_factory=list)  # global limits, `name=slots`
    limits_updated: list[str] = field(default_factory=list)  # same, slots changed
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, lists sorted."""
        out: dict[str, Any] = {
            k: sorted(v) for k, v in self.__dict__.items() if isinstance(v, list)
        }
        out["seconds"] = self.seconds
        return out


async def _bounded(limit: int, jobs: list[Callable[[], Awaitable[T]]]) -> list[T]:
    semaphore = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[T]]) -> T:
        async with semaphore:
            return await job()

    return list(await asyncio.gather(*(run(j) for j in jobs)))


async def _ensure_pools(
    client: PrefectClient, wanted: dict[str, set[str]], report: DeployReport, limit: int
) -> None:
    """Create missing work pools (type process) and their missing queues."""
    for pool in sorted(wanted):
        try:
            await client.read_work_pool(pool)
        except ObjectNotFound:
            try:
                await client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
                report.pools_created.append(pool)
            except ObjectAlreadyExists:
                pass
        existing: set[str] = set()
        offset = 0
        while True:
            page = await client.read_work_queues(work_pool_name=pool, limit=PAGE, offset=offset)
            existing |= {q.name for q in page}
            if len(page) < PAGE:
                break
            offset += PAGE
        missing = sorted(wanted[pool] - existing)

        def create(queue: str, pool: str = pool) -> Callable[[], Awaitable[None]]:
            async def job() -> None:
                try:
                    await client.create_work_queue(name=queue, work_pool_name=pool)
                    report.queues_created.append(f"{pool}/{queue}")
                except ObjectAlreadyExists:
                    pass

            return job

        await _bounded(limit, [create(q) for q in missing])


async def _ensure_limits(
    client: PrefectClient, wanted: Mapping[str, int], report: DeployReport
) -> None:
    """Create missing global concurrency limits and set the slots of existing ones.

    Only `limit` is compared and written: whether a limit is active, and its slot decay,
    stay as an operator left them (deactivating `ollama` is a deliberate way to lift it).
    """
    for name in sorted(wanted):
        slots = wanted[name]
        try:
            have = await client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            try:
                await client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=slots)
                )
                report.limits_created.append(f"{name}={slots}")
                continue
            except ObjectAlreadyExists:  # a second deploy at the same moment made it
                have = await client.read_global_concurrency_limit_by_name(name)
        if have.limit != slots:
            await client.update_global_concurrency_limit(
                name, GlobalConcurrencyLimitUpdate(limit=slots)
            )
            report.limits_updated.append(f"{name}={slots}")


async def _existing(client: PrefectClient, flow_ids: list[UUID]) -> list[DeploymentResponse]:
    """Every deployment of the catalogue's flows, page by page."""
    found: list[DeploymentResponse] = []
    flt = FlowFilter(id=FlowFilterId(any_=flow_ids))
    offset = 0
    while True:
        page = await client.read_deployments(flow_filter=flt, limit=PAGE, offset=offset)
        found += page
        if len(page) < PAGE:
            return found
        offset += PAGE


async def _managed_elsewhere(client: PrefectClient, flow_ids: list[UUID]) -> list[Any]:
    """Managed deployments of flows that left the catalogue (their flow is not ours now)."""
    flt = DeploymentFilter(tags=DeploymentFilterTags(all_=[MANAGED_TAG]))
    found: list[DeploymentResponse] = []
    offset = 0
    while True:
        page = await client.read_deployments(deployment_filter=flt, limit=PAGE, offset=offset)
        found += [d for d in page if d.flow_id not in flow_ids]
        if len(page) < PAGE:
            return found
        offset += PAGE


async def sync_deployments(
    planned: list[PlannedDeployment],
    flows: Mapping[str, FlowTemplate],
    project_dir: str,
    *,
    concurrency: int = 8,
    prune: bool = True,
    force: bool = False,
    tenants: Collection[str] | None = None,
    remove_missing_tenants: bool = False,
    concurrency_limits: Mapping[str, int] | None = None,
) -> DeployReport:
    """Create or update every planned deployment; remove managed ones no longer planned.

    Args:
        planned: every deployment of every tenant (the whole catalogue).
        flows: catalogue flows by name (entrypoint, parameter schema).
        project_dir: working directory the `pull` step sets on the worker.
        concurrency: API requests in flight at once.
        prune: remove managed deployments that are not planned any more.
        force: write every deployment even when the server already matches.
        tenants: the catalogue's tenant slugs (default: those with a planned deployment).
        remove_missing_tenants: also remove managed deployments of tenants that are not in
            the catalogue. Off by default: a wrong `--tenants` folder or a checkout with a
            file missing would otherwise delete other municipalities' deployments and
            schedules; they are reported as `orphaned` instead.
        concurrency_limits: global concurrency limits the catalogue's flows hold slots of,
            name -> slots; created if missing, resized if different, never deleted.

    Raises:
        ValueError: a limit of zero slots: the server refuses every request for a slot of it.

    """
    limits = dict(concurrency_limits or {})
    too_small = sorted(name for name, slots in limits.items() if slots < 1)
    if too_small:
        raise ValueError(f"concurrency limits need at least one slot: {', '.join(too_small)}")
    started = time.perf_counter()
    report = DeployReport()
    async with get_client() as client:
        await _ensure_limits(client, limits, report)
        wanted: dict[str, set[str]] = {}
        for p in planned:
            wanted.setdefault(p.work_pool, set()).add(p.work_queue)
        await _ensure_pools(client, wanted, report, concurrency)
        flow_ids = {name: await client.create_flow_from_name(name) for name in sorted(flows)}
        flow_names = {v: k for k, v in flow_ids.items()}
        current = {
            (flow_names[d.flow_id], d.name): d
            for d in await _existing(client, list(flow_ids.values()))
        }
        jobs: list[Callable[[], Awaitable[None]]] = []
        for item in planned:
            key = (item.flow_name, item.name)
            label = f"{item.flow_name}/{item.name}"
            payload = desired_payload(item, flows[item.flow_name], project_dir)
            have = current.get(key)
            if have is not None and MANAGED_TAG not in have.tags:
                report.conflicts.append(label)
                continue
            if have is not None and not force and comparable_response(have) == comparable(payload):
                report.unchanged.append(label)
                continue
            target = report.created if have is None else report.updated

            def upsert(
                payload: dict[str, Any] = payload,
                flow_id: UUID = flow_ids[item.flow_name],
                label: str = label,
                target: list[str] = target,
            ) -> Callable[[], Awaitable[None]]:
                async def job() -> None:
                    await client.create_deployment(flow_id=flow_id, **payload)
                    target.append(label)

                return job

            jobs.append(upsert())
        await _bounded(concurrency, jobs)
        if prune:
            keep = {(p.flow_name, p.name) for p in planned}
            stale = [d for k, d in current.items() if k not in keep and MANAGED_TAG in d.tags]
            stale += await _managed_elsewhere(client, list(flow_ids.values()))
            known = {tenant_tag(t) for t in (tenants or {p.tenant for p in planned})}
            if not remove_missing_tenants:
                orphans = [d for d in stale if known.isdisjoint(d.tags)]
                report.orphaned += [
                    f"{flow_names.get(d.flow_id, d.flow_id)}/{d.name}" for d in orphans
                ]
                stale = [d for d in stale if not known.isdisjoint(d.tags)]

            def delete(d: DeploymentResponse) -> Callable[[], Awaitable[None]]:
                async def job() -> None:
                    try:
                        await client.delete_deployment(d.id)
                    except ObjectNotFound:
                        return
                    report.removed.append(f"{flow_names.get(d.flow_id, d.flow_id)}/{d.name}")

                return job

            await _bounded(concurrency, [delete(d) for d in stale])
    report.seconds = round(time.perf_counter() - started, 3)
    return report
