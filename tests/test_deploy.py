"""`amtsflow deploy` against a real Prefect server: names, tags, queues, schedules, pruning."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterTags
from prefect.client.schemas.responses import DeploymentResponse
from prefect.exceptions import PrefectHTTPStatusError
from typer.testing import CliRunner

from app.cli import app
from connectors.ollama import OLLAMA_LIMIT
from connectors.prefect_api import sync_deployments
from models.deployment import FLOW_NAMES
from models.deployment_plan import MANAGED_TAG
from tests.conftest_limits import (  # noqa: F401  (the fixture registers by import)
    no_ollama_limit_fixture,
    read_limit,
)

ALPHA = """\
slug: {slug}
name: Gemeinde Alpha
ags: "09999011"
departments:
  - {{code: "10", name: Hauptamt, form_types: [gewerbeanmeldung]}}
intake_sources: [{{name: post, path: {inbox}}}]
oparl: {{system_url: "http://127.0.0.1:9/oparl/system"}}
"""

BETA = """\
slug: {slug}
name: Stadt Beta
ags: "09999012"
departments:
  - {{code: "10", name: Hauptamt, form_types: [gewerbeanmeldung]}}
intake_sources: [{{name: post, path: {inbox}}}]
classification:
  labels: [{{name: A, description: a}}, {{name: B, description: b}}]
deployment:
  work_pool: {pool}
  work_queue: beta-queue
  flows:
    intake:
      parameters: {{source: post}}
      schedules: [{{cron: "*/10 6-18 * * 1-5"}}, {{interval_s: 3600, active: false}}]
    review-label: {{enabled: false}}
    classify: {{max_active_runs: 2, on_overlap: cancel_new}}
"""


def _deploy(tenants: Path, *extra: str, code: int = 0) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["deploy", "--tenants", str(tenants), "--json", *extra])
    assert result.exit_code == code, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _deployments(tag: str) -> dict[str, DeploymentResponse]:
    async def read() -> list[DeploymentResponse]:
        async with get_client() as client:
            flt = DeploymentFilter(tags=DeploymentFilterTags(all_=[tag]))
            return await client.read_deployments(deployment_filter=flt)

    found = asyncio.run(read())
    return {next(t for t in d.tags if t in FLOW_NAMES): d for d in found}


def _foreign(flow_name: str, name: str) -> DeploymentResponse:
    async def create() -> DeploymentResponse:
        async with get_client() as client:
            flow_id = await client.create_flow_from_name(flow_name)
            dep_id = await client.create_deployment(
                flow_id=flow_id, name=name, tags=["von-hand", flow_name], entrypoint="x.py:y"
            )
            return await client.read_deployment(dep_id)

    return asyncio.run(create())


@pytest.fixture
def catalogue(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Two tenants with slugs of this test's own and a pool of its own."""
    suffix = tmp_path.name[-6:].replace("_", "").lower()
    slugs = {"alpha": f"alpha{suffix}", "beta": f"beta{suffix}", "pool": f"pool-{suffix}"}
    inboxes = {name: tmp_path / f"inbox-{name}" for name in ("alpha", "beta")}  # one each
    for inbox in inboxes.values():
        inbox.mkdir()
    folder = tmp_path / "tenants"
    folder.mkdir()
    (folder / f"{slugs['alpha']}.yaml").write_text(
        ALPHA.format(slug=slugs["alpha"], inbox=inboxes["alpha"]), encoding="utf-8"
    )
    (folder / f"{slugs['beta']}.yaml").write_text(
        BETA.format(slug=slugs["beta"], inbox=inboxes["beta"], pool=slugs["pool"]),
        encoding="utf-8",
    )
    return folder, slugs


def test_deploy_registers_updates_in_place_and_prunes(
    prefect_api: str, catalogue: tuple[Path, dict[str, str]]
) -> None:
    folder, slugs = catalogue
    alpha, beta = slugs["alpha"], slugs["beta"]
    foreign = _foreign("intake", f"handmade-{alpha}")

    first = _deploy(folder)
    assert set(first["tenants"]) == {alpha, beta}
    assert f"{slugs['pool']}/beta-queue" in first["queues_created"]
    assert f"amtsflow/{alpha}" in first["queues_created"] or "amtsflow" in first["pools_created"]

    a = _deployments(f"tenant:{alpha}")
    assert {"intake", "oparl-sync"} <= set(a)
    assert {"classify", "retrain", "review-label"}.isdisjoint(a)  # alpha has no taxonomy
    for flow_name, dep in a.items():
        assert dep.name == alpha
        assert set(dep.tags) == {f"tenant:{alpha}", MANAGED_TAG, flow_name}
        assert dep.parameters["tenant"] == alpha
        assert (dep.work_pool_name, dep.work_queue_name) == ("amtsflow", alpha)
        assert dep.enforce_parameter_schema
        assert dep.parameter_openapi_schema["properties"]["tenant"]["enum"] == [alpha]
        step = dep.pull_steps[0]["prefect.deployments.steps.set_working_directory"]
        assert Path(step["directory"], dep.entrypoint.split(":")[0]).is_file()
    crons = {
        name: [(s.schedule.cron, s.schedule.timezone) for s in dep.schedules]  # type: ignore[union-attr]
        for name, dep in a.items()
        if dep.schedules
    }
    assert crons["intake"] == [("*/15 7-17 * * 1-5", "Europe/Berlin")]
    limits = {
        name: (
            dep.global_concurrency_limit.limit if dep.global_concurrency_limit else None,
            dep.concurrency_options.collision_strategy.value if dep.concurrency_options else None,
        )
        for name, dep in a.items()
    }
    assert limits["intake"] == (1, "ENQUEUE")  # never two intakes of one drop folder at once
    assert limits["oparl-sync"] == (1, "CANCEL_NEW")  # a second sync would repeat the first
    assert limits["prepare-agenda"] == (None, None)  # one per meeting, side by side
    assert crons["oparl-sync"] == [("0 2 * * *", "Europe/Berlin")]

    b = _deployments(f"tenant:{beta}")
    assert "review-label" not in b and {"intake", "classify", "retrain"} <= set(b)
    intake_b = b["intake"]
    assert (intake_b.work_pool_name, intake_b.work_queue_name) == (slugs["pool"], "beta-queue")
    assert intake_b.parameters == {"tenant": beta, "source": "post"}
    kinds = sorted(
        (s.schedule.model_dump(mode="json").get("cron", "interval"), s.active)
        for s in intake_b.schedules
    )
    assert kinds == [("*/10 6-18 * * 1-5", True), ("interval", False)]
    assert all(s.schedule.timezone == "Europe/Berlin" for s in intake_b.schedules)
    classify_b = b["classify"]
    assert classify_b.global_concurrency_limit and classify_b.global_concurrency_limit.limit == 2
    assert classify_b.concurrency_options
    assert classify_b.concurrency_options.collision_strategy.value == "CANCEL_NEW"

    second = _deploy(folder)
    assert second["created"] == second["updated"] == second["removed"] == []
    assert len(second["unchanged"]) == first["deployments"]

    # change beta's intake schedule, drop alpha's OParl system, then alpha entirely
    beta_file = folder / f"{beta}.yaml"
    beta_file.write_text(
        beta_file.read_text(encoding="utf-8").replace("*/10 6-18", "*/20 6-18"), encoding="utf-8"
    )
    alpha_file = folder / f"{alpha}.yaml"
    alpha_file.write_text(
        "\n".join(
            line
            for line in alpha_file.read_text(encoding="utf-8").splitlines()
            if not line.startswith("oparl")
        ),
        encoding="utf-8",
    )
    third = _deploy(folder)
    assert third["updated"] == [f"intake/{beta}"]
    assert f"oparl-sync/{alpha}" in third["removed"]
    b_after = _deployments(f"tenant:{beta}")
    assert b_after["intake"].id == intake_b.id  # updated in place
    assert "*/20 6-18 * * 1-5" in {
        getattr(s.schedule, "cron", None) for s in b_after["intake"].schedules
    }
    assert "oparl-sync" not in _deployments(f"tenant:{alpha}")

    alpha_file.unlink()  # a missing file alone removes nothing (wrong folder, broken checkout)
    kept = _deploy(folder)
    assert kept["removed"] == [] and {o.split("/")[1] for o in kept["orphaned"]} == {alpha}
    assert "intake" in _deployments(f"tenant:{alpha}")
    fourth = _deploy(folder, "--remove-missing-tenants")
    assert {r.split("/")[1] for r in fourth["removed"]} == {alpha}
    assert _deployments(f"tenant:{alpha}") == {}
    assert set(_deployments(f"tenant:{beta}")) == set(b)

    still = _deployments("von-hand")
    assert still["intake"].id == foreign.id and still["intake"].updated == foreign.updated


def test_a_deployment_refuses_another_tenant(
    prefect_api: str, catalogue: tuple[Path, dict[str, str]]
) -> None:
    folder, slugs = catalogue
    _deploy(folder)
    dep = _deployments(f"tenant:{slugs['alpha']}")["intake"]

    async def run(tenant: str) -> Any:
        async with get_client() as client:
            return await client.create_flow_run_from_deployment(
                dep.id, parameters={"tenant": tenant}
            )

    assert asyncio.run(run(slugs["alpha"])).parameters["tenant"] == slugs["alpha"]
    with pytest.raises(PrefectHTTPStatusError) as info:
        asyncio.run(run(slugs["beta"]))
    assert info.value.response.status_code == 409


def test_foreign_deployment_of_the_same_name_is_a_conflict_and_left_alone(
    prefect_api: str, catalogue: tuple[Path, dict[str, str]]
) -> None:
    folder, slugs = catalogue
    foreign = _foreign("retrain", slugs["beta"])
    data = _deploy(folder, code=1)
    assert data["conflicts"] == [f"retrain/{slugs['beta']}"]
    assert _deployments("von-hand")["retrain"].updated == foreign.updated


def test_invalid_tenant_file_changes_nothing(
    prefect_api: str, catalogue: tuple[Path, dict[str, str]]
) -> None:
    folder, slugs = catalogue
    _deploy(folder)
    before = _deployments(f"tenant:{slugs['alpha']}")
    path = folder / f"{slugs['alpha']}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"09999011"', '"0999"'))
    result = CliRunner().invoke(app, ["deploy", "--tenants", str(folder), "--json"])
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    assert [(e["file"], e["field"]) for e in errors] == [(str(path), "ags")]
    assert "Gemeindeschlüssel muss aus genau 8 Ziffern bestehen" in errors[0]["message"]
    after = _deployments(f"tenant:{slugs['alpha']}")
    assert {k: v.updated for k, v in after.items()} == {k: v.updated for k, v in before.items()}


def test_every_parameter_of_every_deployment_has_a_german_title(
    prefect_api: str, tmp_path: Path
) -> None:
    from models.settings import PROJECT_ROOT

    data = _deploy(PROJECT_ROOT / "tenants")
    assert set(data["tenants"]) == {"musterstadt", "kleindorf", "seestadt"}
    from flows.catalogue import load_specs

    seen_flows: set[str] = set()
    titles: dict[tuple[str, str], str] = {}
    for slug in data["tenants"]:
        for flow_name, dep in _deployments(f"tenant:{slug}").items():
            seen_flows.add(flow_name)
            declared = load_specs([flow_name])[flow_name].parameter_schema["properties"]
            deployed = dep.parameter_openapi_schema["properties"]
            assert set(deployed) == set(declared), flow_name
            for name, prop in deployed.items():
                # the flow's own German title, not Prefect's title made from the name
                assert prop["title"] == declared[name]["title"], (flow_name, name)
                assert prop["title"] not in (name, name.replace("_", " ").title())
                assert len(prop.get("description", "")) >= 10, (flow_name, name)
                titles[(flow_name, name)] = prop["title"]
    assert {"intake", "classify", "retrain", "review-label", "oparl-sync"} <= seen_flows
    assert titles[("intake", "tenant")] == "Gemeinde"
    assert titles[("review-label", "review_id")] == "Prüfauftrag"
    assert titles[("review-label", "timeout_s")] == "Wartezeit (Sekunden)"


def test_deploy_creates_and_resizes_the_ollama_limit(
    no_ollama_limit: None,
    catalogue: tuple[Path, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the limit every Ollama call of every tenant would pass unlimited."""
    folder, _ = catalogue
    monkeypatch.setenv("AMTSFLOW_OLLAMA_SLOTS", "3")
    first = _deploy(folder)
    assert (first["limits_created"], first["limits_updated"]) == ([f"{OLLAMA_LIMIT}=3"], [])
    made = read_limit(OLLAMA_LIMIT)
    assert made is not None and (made.limit, made.active) == (3, True)

    second = _deploy(folder, "--ollama-slots", "5")  # the option wins over the setting
    assert (second["limits_created"], second["limits_updated"]) == ([], [f"{OLLAMA_LIMIT}=5"])
    resized = read_limit(OLLAMA_LIMIT)
    assert resized is not None and (resized.id, resized.limit) == (made.id, 5)

    third = _deploy(folder, "--ollama-slots", "5")
    assert third["limits_created"] == third["limits_updated"] == []
    kept = read_limit(OLLAMA_LIMIT)
    assert kept is not None and (kept.id, kept.limit, kept.updated) == (
        made.id,
        5,
        resized.updated,
    )

    human = CliRunner().invoke(app, ["deploy", "--tenants", str(folder), "--ollama-slots", "4"])
    assert human.exit_code == 0, human.output
    assert f"Globale Gleichzeitigkeitsgrenzen: geändert {OLLAMA_LIMIT}=4" in human.stdout


def test_a_limit_without_slots_is_refused_before_anything_changes(
    no_ollama_limit: None,
    catalogue: tuple[Path, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Zero slots would make the server refuse every classification's request for one."""
    folder, slugs = catalogue
    result = CliRunner().invoke(app, ["deploy", "--tenants", str(folder), "--ollama-slots", "0"])
    assert result.exit_code == 2
    monkeypatch.setenv("AMTSFLOW_OLLAMA_SLOTS", "0")
    result = CliRunner().invoke(app, ["deploy", "--tenants", str(folder), "--json"])
    assert result.exit_code == 2
    assert "AMTSFLOW_OLLAMA_SLOTS" in json.loads(result.stdout)["error"].upper()
    assert _deployments(f"tenant:{slugs['alpha']}") == {}
    with pytest.raises(ValueError, match=OLLAMA_LIMIT):
        asyncio.run(sync_deployments([], {}, str(folder), concurrency_limits={OLLAMA_LIMIT: 0}))
    assert read_limit(OLLAMA_LIMIT) is None


def test_a_server_that_does_not_answer_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    from tests.prefect_server import free_port

    folder = tmp_path / "tenants"
    folder.mkdir()
    (tmp_path / "post").mkdir()
    (folder / "alpha.yaml").write_text(
        ALPHA.format(slug="alpha", inbox=tmp_path / "post"), encoding="utf-8"
    )
    dead = f"http://127.0.0.1:{free_port()}/api"  # nothing listens there
    monkeypatch.setenv("PREFECT_API_URL", dead)
    with temporary_settings({PREFECT_API_URL: dead, PREFECT_CLIENT_MAX_RETRIES: 0}):
        error = _deploy(folder, code=2)
    assert error["error"].startswith("Prefect-Server: ConnectError")


def test_secrets_status_does_not_pass_over_a_broken_tenant_file(tmp_path: Path) -> None:
    folder = tmp_path / "tenants"
    folder.mkdir()
    (tmp_path / "post").mkdir()
    (folder / "alpha.yaml").write_text(
        ALPHA.format(slug="alpha", inbox=tmp_path / "post"), encoding="utf-8"
    )
    (folder / "kaputt.yaml").write_text("slug: kaputt\nsecrets: [mail]\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["secrets", "status", "--tenants", str(folder), "--json"])
    assert result.exit_code == 1  # alpha needs no secret: only the broken file fails it
    assert json.loads(result.stdout) == []
    assert "kaputt.yaml" in result.stderr
