"""The operator console (issue 4, point 5): the Prefect UI in a real headless Chromium.

A real `prefect server start` (with its UI), the demo tenants deployed by the operator's own
command `amtsflow deploy`, a real process worker executing what the UI starts. The
screenshots stay in tests/screenshots/<test>/.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest_browser import (  # noqa: F401  (the fixtures register by import)
    Screenshots,
    browser_fixture,
    context_fixture,
    page_fixture,
    screenshots_fixture,
)
from tests.prefect_server import ROOT, PrefectServer, prefect_server, process_worker

AMTSFLOW = ROOT / ".venv" / "bin" / "amtsflow"
RUN_TIMEOUT_S = 120


@dataclass(frozen=True)
class Console:
    """The running console: server, what `amtsflow deploy` reported, the runs' data folder."""

    server: PrefectServer
    deployed: dict[str, Any]
    home: Path

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.server.api_url}{path}", json=body, timeout=20)
        response.raise_for_status()
        return response.json()

    def deployments(self, **flt: Any) -> list[dict[str, Any]]:
        body = {"limit": 200, **flt}
        result: list[dict[str, Any]] = self.api("POST", "/deployments/filter", body)
        return result

    def tenant_deployments(self, slug: str) -> list[dict[str, Any]]:
        return self.deployments(deployments={"tags": {"all_": [f"tenant:{slug}"]}})

    def flow_name(self, flow_id: str) -> str:
        name: str = self.api("GET", f"/flows/{flow_id}")["name"]
        return name


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """Server + `amtsflow deploy` of the project's tenants + a process worker on their pool."""
    home = tmp_path_factory.mktemp("console-home")
    with prefect_server() as server:
        done = subprocess.run(
            [str(AMTSFLOW), "deploy", "--json"],
            env=server.env(AMTSFLOW_HOME=str(home)),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, f"amtsflow deploy: {done.returncode}\n{done.stderr[-3000:]}"
        deployed = json.loads(done.stdout)
        flow_env = {
            "AMTSFLOW_HOME": str(home),
            "AMTSFLOW_DATABASE_URL": f"sqlite:///{home / 'amtsflow.db'}",
            "AMTSFLOW_TENANTS": str(ROOT / "tenants"),
        }
        pools = {d["work_pool_name"] for d in Console(server, deployed, home).deployments()}
        assert pools, "amtsflow deploy registered no deployment"
        with ExitStack() as workers:
            for pool in sorted(pools):  # normally just `amtsflow`
                workers.enter_context(process_worker(server, pool, flow_env))
            yield Console(server=server, deployed=deployed, home=home)


def _two_tenants(console: Console) -> list[str]:
    tenants: list[str] = console.deployed["tenants"]
    assert "musterstadt" in tenants and len(tenants) >= 2, tenants
    return ["musterstadt", next(t for t in tenants if t != "musterstadt")]


def test_console_lists_the_deployments_of_two_tenants(
    console: Console, page: Page, screenshots: Screenshots
) -> None:
    page.goto(f"{console.server.url}/deployments")
    expect(page.get_by_role("banner")).to_contain_text("Deployments")
    expect(page.get_by_text(f"{len(console.deployments())} Deployments")).to_be_visible()
    screenshots(page, "deployments")
    for slug in _two_tenants(console):
        expected = console.tenant_deployments(slug)
        assert expected, f"no deployment tagged tenant:{slug}"
        assert all(d["name"] == slug for d in expected)
        page.get_by_placeholder("Search deployments").fill(slug)
        rows = page.locator("tbody tr").filter(has=page.get_by_text(f"tenant:{slug}", exact=True))
        expect(rows).to_have_count(len(expected))
        for deployment in expected:
            flow = console.flow_name(deployment["flow_id"])
            row = rows.filter(has=page.get_by_text(flow, exact=True))
            expect(row).to_have_count(1)
            expect(row.get_by_role("link", name=slug, exact=True)).to_be_visible()
        other = [t for t in console.deployed["tenants"] if t != slug]
        for tag in other:
            expect(page.get_by_text(f"tenant:{tag}", exact=True)).to_have_count(0)
        screenshots(page, f"deployments-{slug}")


def _open_run_form(page: Page, console: Console, deployment: dict[str, Any]) -> None:
    """As an operator does: the deployment's page, then Run -> Custom run."""
    page.goto(f"{console.server.url}/deployments/deployment/{deployment['id']}")
    expect(page.get_by_role("button", name="Run", exact=True)).to_be_visible()
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("Custom run", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/deployments/deployment/{deployment['id']}/run\b"))
    expect(page.get_by_role("button", name="Submit")).to_be_visible()


def _expect_german_form(page: Page, deployment: dict[str, Any]) -> list[str]:
    """Every parameter of the deployment's schema shows its German title and description."""
    properties: dict[str, Any] = deployment["parameter_openapi_schema"]["properties"]
    assert properties, f"{deployment['name']}: no parameters"
    titles = []
    for name, prop in properties.items():
        title = prop.get("title", "")
        assert title and title.lower() != name.lower().replace("_", " "), (
            f"parameter {name!r} has no German title: {title!r}"
        )
        expect(page.get_by_text(title, exact=False).first).to_be_visible()
        if prop.get("description"):
            expect(page.get_by_text(prop["description"], exact=True).first).to_be_visible()
        titles.append(title)
    return titles


def test_agenda_run_form_shows_german_fields(
    console: Console, page: Page, screenshots: Screenshots
) -> None:
    flows = console.api("POST", "/flows/filter", {"flows": {"name": {"any_": ["prepare-agenda"]}}})
    assert flows, "no deployment of the agenda flow `prepare-agenda` (flows/agenda.py)"
    agenda = console.deployments(flows={"id": {"any_": [flows[0]["id"]]}})
    assert agenda, "the agenda flow has no deployment"
    _open_run_form(page, console, agenda[0])
    titles = _expect_german_form(page, agenda[0])
    screenshots(page, f"agenda-run-form-{agenda[0]['name']}")
    assert len(titles) == len(agenda[0]["parameter_openapi_schema"]["properties"])


def _wait_for_state(console: Console, run_id: str, final: set[str]) -> str:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        state: str = console.api("GET", f"/flow_runs/{run_id}")["state_type"]
        if state in final or time.monotonic() > deadline:
            return state
        time.sleep(1)


def test_run_started_in_the_console_completes(
    console: Console, page: Page, screenshots: Screenshots
) -> None:
    intake = next(
        d
        for d in console.tenant_deployments("musterstadt")
        if console.flow_name(d["flow_id"]) == "intake"
    )
    before = {r["id"] for r in console.api("POST", "/flow_runs/filter", {"limit": 200})}
    _open_run_form(page, console, intake)
    _expect_german_form(page, intake)
    screenshots(page, "intake-run-form")
    page.get_by_role("button", name="Submit").click()
    expect(page).not_to_have_url(re.compile(r"/run\b"))

    deadline = time.monotonic() + 30
    new: list[dict[str, Any]] = []
    while not new and time.monotonic() < deadline:
        runs = console.api(
            "POST", "/flow_runs/filter", {"deployments": {"id": {"any_": [intake["id"]]}}}
        )
        new = [r for r in runs if r["id"] not in before]
        time.sleep(0.5)
    assert len(new) == 1, f"the UI's Submit created {len(new)} runs"
    run_id = new[0]["id"]
    assert new[0]["parameters"]["tenant"] == "musterstadt"
    screenshots(page, "intake-submitted")

    state = _wait_for_state(console, run_id, {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})
    page.goto(f"{console.server.url}/runs/flow-run/{run_id}")
    expect(page.locator(".state-badge").first).to_have_text("Completed", timeout=30_000)
    screenshots(page, "intake-run-completed")
    assert state == "COMPLETED", f"run {run_id} ended {state}"

    page.get_by_text("Artifacts", exact=True).click()
    artifacts = console.api(
        "POST", "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}}
    )
    assert artifacts, "the intake run published no artifact"
    summary = next(a for a in artifacts if a["type"] == "table")
    if summary.get("key"):
        expect(page.get_by_text(summary["key"]).first).to_be_visible()
    screenshots(page, "intake-run-artifacts")
