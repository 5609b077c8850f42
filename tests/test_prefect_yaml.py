"""prefect.yaml: the demo municipality's deployments, in step with its tenant file, and
`prefect deploy --all` registers them on a real server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterTags

from connectors.catalogue import load_tenant
from flows.catalogue import entrypoint, installed
from models.deployment_plan import plan_tenant
from models.settings import PROJECT_ROOT

PREFECT = str(Path(sys.executable).with_name("prefect"))


def _yaml_deployments() -> list[dict[str, Any]]:
    data = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    step = data["pull"][0]["prefect.deployments.steps.set_working_directory"]
    assert step["directory"] == "{{ $AMTSFLOW_PROJECT_DIR }}"
    deployments: list[dict[str, Any]] = data["deployments"]
    return deployments


def test_prefect_yaml_matches_the_tenant_file() -> None:
    planned, problems = plan_tenant(load_tenant("musterstadt", PROJECT_ROOT / "tenants"))
    assert problems == []
    expected = {
        entrypoint(p.flow_name): {
            "name": p.name,
            "parameters": p.parameters,
            "tags": set(p.tags),
            "pool": (p.work_pool, p.work_queue),
            "schedules": [(s.cron, s.timezone) for s in p.schedules],
            "description": p.description,
        }
        for p in planned
        if p.flow_name in installed()
    }
    actual = {
        d["entrypoint"]: {
            "name": d["name"],
            "parameters": d["parameters"],
            "tags": set(d["tags"]),
            "pool": (d["work_pool"]["name"], d["work_pool"]["work_queue_name"]),
            "schedules": [(s["cron"], s["timezone"]) for s in d["schedules"]],
            "description": d["description"],
        }
        for d in _yaml_deployments()
    }
    assert actual == expected
    assert all(d["enforce_parameter_schema"] for d in _yaml_deployments())


def test_prefect_deploy_all_registers_musterstadt(prefect_api: str) -> None:
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "AMTSFLOW_PROJECT_DIR": str(PROJECT_ROOT)}
    asyncio.run(_ensure_pool("amtsflow"))
    done = subprocess.run(
        [PREFECT, "--no-prompt", "deploy", "--all"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    async def read() -> list[Any]:
        async with get_client() as client:
            flt = DeploymentFilter(tags=DeploymentFilterTags(all_=["tenant:musterstadt"]))
            return await client.read_deployments(deployment_filter=flt)

    found = {d.entrypoint: d for d in asyncio.run(read())}
    assert set(found) >= {d["entrypoint"] for d in _yaml_deployments()}
    for dep in found.values():
        assert dep.name == "musterstadt" and dep.parameters["tenant"] == "musterstadt"
        assert (dep.work_pool_name, dep.work_queue_name) == ("amtsflow", "musterstadt")
        assert all(s.schedule.timezone == "Europe/Berlin" for s in dep.schedules)
        step = dep.pull_steps[0]["prefect.deployments.steps.set_working_directory"]
        assert step["directory"] == str(PROJECT_ROOT)
        for name, prop in dep.parameter_openapi_schema["properties"].items():
            assert prop["title"] != name and prop.get("description"), (dep.entrypoint, name)
    nightly = found["flows/nightly.py:nightly"]
    assert [s.schedule.cron for s in nightly.schedules] == ["0 3 * * *"]  # type: ignore[union-attr]


async def _ensure_pool(name: str) -> None:
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    async with get_client() as client:
        with contextlib.suppress(ObjectAlreadyExists):
            await client.create_work_pool(WorkPoolCreate(name=name, type="process"))
