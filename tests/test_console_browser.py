"""The operator console (issue 4, point 5): the Prefect UI in a real headless Chromium.

A real `prefect server start` (with its UI), the demo tenants deployed by the operator's own
command `amtsflow deploy`, a real process worker executing what the UI starts. The
screenshots stay in tests/screenshots/<test>/. The agenda run is fed by a loopback OParl
server (tests/oparl_server.py) synced into the runs' database, and stops at its approval pause.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from connectors.database import make_engine
from flows.agenda_approval import AgendaApproval
from models.settings import Settings
from tasks.oparl_setup import prepare_sync
from tests.agenda_world import add_upcoming_meeting
from tests.conftest_browser import Screenshots
from tests.conftest_oparl import run_sync, spec_server_fixture  # noqa: F401
from tests.oparl_server import OParlTestServer
from tests.prefect_server import Deployed, deployed_server


@pytest.fixture(name="console", scope="module")
def console_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """Server + `amtsflow deploy` of the project's tenants + a process worker on their pool."""
    with deployed_server(tmp_path_factory.mktemp("console-home")) as deployed:
        yield deployed


def _two_tenants(console: Deployed) -> list[str]:
    tenants: list[str] = console.report["tenants"]
    assert "musterstadt" in tenants and len(tenants) >= 2, tenants
    return ["musterstadt", next(t for t in tenants if t != "musterstadt")]


def test_console_lists_the_deployments_of_two_tenants(
    console: Deployed, page: Page, screenshots: Screenshots
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
        other = [t for t in console.report["tenants"] if t != slug]
        for tag in other:
            expect(page.get_by_text(f"tenant:{tag}", exact=True)).to_have_count(0)
        screenshots(page, f"deployments-{slug}")


def _open_run_form(page: Page, console: Deployed, deployment: dict[str, Any]) -> None:
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
        # The field's label: the title alone, or with Prefect's "(Optional)" suffix.
        label = re.compile(rf"^\s*{re.escape(title)}( \(Optional\))?\s*$")
        expect(page.get_by_text(label).first).to_be_visible()
        if prop.get("description"):
            expect(page.get_by_text(prop["description"], exact=True).first).to_be_visible()
        titles.append(title)
    return titles


def test_agenda_run_form_shows_german_fields(
    console: Deployed, page: Page, screenshots: Screenshots
) -> None:
    flows = console.api("POST", "/flows/filter", {"flows": {"name": {"any_": ["prepare-agenda"]}}})
    assert flows, "no deployment of the agenda flow `prepare-agenda` (flows/agenda.py)"
    agenda = console.deployments(flows={"id": {"any_": [flows[0]["id"]]}})
    assert agenda, "the agenda flow has no deployment"
    _open_run_form(page, console, agenda[0])
    titles = _expect_german_form(page, agenda[0])
    screenshots(page, f"agenda-run-form-{agenda[0]['name']}")
    assert len(titles) == len(agenda[0]["parameter_openapi_schema"]["properties"])


def test_run_started_in_the_console_completes(
    console: Deployed, page: Page, screenshots: Screenshots
) -> None:
    intake = console.deployment_of("musterstadt", "intake")
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

    state = console.wait_for_run(run_id)
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


def test_agenda_run_started_in_the_console_waits_for_approval(
    console: Deployed,
    page: Page,
    screenshots: Screenshots,
    spec_server: OParlTestServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The agenda flow pauses for the clerk: the run reaches Paused with the German form."""
    tenants = [
        d["name"]
        for d in console.deployments()
        if console.flow_name(d["flow_id"]) == "prepare-agenda"
    ]
    assert tenants, "no tenant has the agenda flow `prepare-agenda` deployed"
    tenant = tenants[0]
    for name, value in console.env.items():
        monkeypatch.setenv(name, value)
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=40)).replace(hour=16, minute=0)
    world = add_upcoming_meeting(spec_server, start)
    settings = Settings()
    prepare_sync(settings, tenant, spec_server.system_url)
    engine = make_engine(settings.effective_database_url)
    try:
        assert run_sync(engine, spec_server.system_url, tenant, full=True).complete
    finally:
        engine.dispose()

    agenda = console.deployment_of(tenant, "prepare-agenda")
    _open_run_form(page, console, agenda)
    title = agenda["parameter_openapi_schema"]["properties"]["meeting"]["title"]
    block = page.locator("div").filter(has=page.get_by_text(title, exact=True))
    block.filter(has=page.locator("textarea")).last.locator("textarea").fill(world.meeting)
    screenshots(page, "agenda-run-form-filled")
    page.get_by_role("button", name="Submit").click()
    expect(page).not_to_have_url(re.compile(r"/run\b"))
    runs = console.api(
        "POST", "/flow_runs/filter", {"deployments": {"id": {"any_": [agenda["id"]]}}}
    )
    assert len(runs) == 1, runs
    assert runs[0]["parameters"]["meeting"] == world.meeting
    state = console.wait_for_run(runs[0]["id"])
    page.goto(f"{console.server.url}/runs/flow-run/{runs[0]['id']}")
    screenshots(page, "agenda-run-state")
    assert state == "PAUSED", f"prepare-agenda ended {state}"
    expect(page.locator(".state-badge").first).to_have_text("Paused")
    page.get_by_role("button", name="Resume").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Resume Flow Run")
    fields = AgendaApproval.model_json_schema()["properties"]
    for name, prop in fields.items():
        title = prop.get("title", "")
        assert title and title.lower() != name.replace("_", " "), (name, title)
        label = re.compile(rf"^\s*{re.escape(title)}( \(Optional\))?\s*$")
        expect(dialog.get_by_text(label).first).to_be_visible()
    screenshots(page, "agenda-approval-form")
