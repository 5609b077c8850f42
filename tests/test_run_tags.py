"""Runs started without a deployment carry their municipality's tag (clerks' run list).

The clerks' pages list a tenant's runs by the `tenant:<slug>` tag. Deployment runs get it
from the deployment; a run started on the command line or as a subflow of the nightly
batch gets it from the tenant guard, after the guard accepted the run.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

from flows.intake import intake


def _run_tags(run_id: str) -> list[str]:
    async def read() -> list[str]:
        async with get_client() as client:
            return list((await client.read_flow_run(UUID(run_id))).tags)

    return asyncio.run(read())


def _runs_tagged(tag: str) -> set[str]:
    async def read() -> set[str]:
        async with get_client() as client:
            flt = FlowRunFilter(tags=FlowRunFilterTags(all_=[tag]))
            return {str(r.id) for r in await client.read_flow_runs(flow_run_filter=flt)}

    return asyncio.run(read())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_direct_run_is_tagged_with_its_tenant(prefect_api: str, amtsflow_env: Path) -> None:
    summary = intake(tenant="musterstadt")
    assert summary.flow_run_id
    assert "tenant:musterstadt" in _run_tags(summary.flow_run_id)
    assert summary.flow_run_id in _runs_tagged("tenant:musterstadt")
    assert summary.flow_run_id not in _runs_tagged("tenant:nebenan")
